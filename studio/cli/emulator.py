"""`studio-cli emulator`: the local fine-tuning service emulator, in the foreground until Ctrl+C."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from studio.cli.common import SubParsers
from studio.core.errors import StudioError


def register(sub: SubParsers) -> None:
    p = sub.add_parser("emulator", help="run the local fine-tuning service emulator until Ctrl+C")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--data-dir", type=Path, default=None, help="keep files and jobs here across restarts")
    p.add_argument("--step-seconds", type=float, default=None, help="emulated seconds per training step")
    p.set_defaults(handler=cmd_emulator)


def cmd_emulator(args: argparse.Namespace) -> int:
    from studio.emulator import run_emulator

    kwargs: dict[str, Any] = {"host": args.host, "port": args.port, "data_dir": args.data_dir}
    if args.step_seconds is not None:
        kwargs["step_seconds"] = args.step_seconds
    try:
        run_emulator(**kwargs)
    except OSError as exc:
        raise StudioError(f"Cannot start the emulator on {args.host}:{args.port}: {exc}. Try another --port.") from None
    return 0
