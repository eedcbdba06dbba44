"""`studio-cli`: the headless face of the studio, for automation, scripting and tests.

Every command is a thin wrapper over core or service functions, so the CLI and the GUI can never
disagree about a rule. A user error (`StudioError`) prints its message and exits 2; anything else is a
bug and keeps its traceback. Each command family is one module of this package (see FAMILIES); how
to add one is in docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from studio import __version__
from studio.cli import (
    account, checks, classes, deployments, duplicates, emulator, evaluation, export, images, jobs, moderation, project,
)
from studio.cli.common import Parser
from studio.core.errors import StudioError
from studio.core.tasks import Cancelled

# Each module has `register(subparsers)`; this order is the order of `studio-cli --help`.
FAMILIES = (
    checks, project, classes, images, duplicates, moderation, export, account, jobs, deployments, evaluation, emulator,
)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="studio-cli",
        description="Vision Fine-Tuning Studio, headless: check images, manage projects, export and fine-tune.",
    )
    parser.add_argument("--version", action="version", version=f"studio-cli {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    for family in FAMILIES:
        family.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except StudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Cancelled:
        print("cancelled", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
