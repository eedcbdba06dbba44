"""`studio-cli`: the headless face of the studio, for automation, scripting and tests.

Every command is a thin wrapper over core or service functions, so the CLI and the GUI can never
disagree about a rule. A user error (`StudioError`) prints its message and exits 2; anything else is a
bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn, Sequence

from studio import __version__
from studio.cli import duplicates, evaluation, job_actions, project_commands, service_commands
from studio.core.errors import StudioError
from studio.core.tasks import Cancelled


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with a one-line hint instead of a usage dump on bad arguments."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\nRun '{self.prog} --help' for the list of options.\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="studio-cli",
        description="Vision Fine-Tuning Studio, headless: check images, manage projects, export and fine-tune.",
    )
    parser.add_argument("--version", action="version", version=f"studio-cli {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    project_commands.register(sub)
    service_commands.register(sub)
    job_actions.register(sub)
    evaluation.register(sub)
    duplicates.register(sub)
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
