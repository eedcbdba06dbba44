"""Run the emulator in the foreground: `studio-cli emulator [--port N]` and the demo mode.

The demo pace (`DEMO_STEP_SECONDS`) makes a typical job take about a minute, so users see the curves
fill in. With `--data-dir`, state survives restarts and jobs continue where they were.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from studio.emulator.training.image_screening import MODERATION_MARKERS
from studio.emulator.http.server import EmulatorServer

DEFAULT_PORT = 8765
DEMO_STEP_SECONDS = 0.5


def describe(srv: EmulatorServer) -> str:
    markers = "; ".join(f"top-left 8x8 RGB {color} -> '{reason}'" for color, reason in MODERATION_MARKERS.items())
    return "\n".join([
        "Fine-tuning service emulator running.",
        f"  OpenAI:       OpenAI(base_url=\"{srv.base_url}\", api_key=\"any\")",
        f"  Azure dated:  AzureOpenAI(azure_endpoint=\"{srv.azure_endpoint}\", api_version=\"2025-04-01-preview\", api_key=\"any\")",
        f"  Azure v1:     OpenAI(base_url=\"{srv.azure_v1_base_url}\", api_key=\"any\")",
        f"  One training step every {srv.timing.step_seconds:g} s. Simulated moderation: {markers}.",
        "Press Ctrl+C to stop.",
    ])


def run_emulator(
    port: int,
    host: str = "127.0.0.1",
    step_seconds: float = DEMO_STEP_SECONDS,
    *,
    data_dir: str | Path | None = None,
    api_keys: Sequence[str] | None = None,
    stop_event: threading.Event | None = None,
    out: TextIO | None = None,
) -> None:
    """Serve until Ctrl+C (or until `stop_event` is set), printing the URLs to use first."""
    srv = EmulatorServer(host=host, port=port, api_keys=api_keys, step_seconds=step_seconds, data_dir=data_dir)
    stream = out if out is not None else sys.stdout
    with srv:
        print(describe(srv), file=stream, flush=True)
        event = stop_event or threading.Event()
        try:
            while not event.wait(0.5):
                pass
        except KeyboardInterrupt:
            print("Emulator stopped.", file=stream, flush=True)


def serve_forever(host: str = "127.0.0.1", port: int = DEFAULT_PORT, **options: Any) -> None:
    run_emulator(port, host, **options)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="studio-cli emulator", description="Local emulator of the fine-tuning service's HTTP API.")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--step-seconds", type=float, default=DEMO_STEP_SECONDS, help="emulated time per training step")
    parser.add_argument("--data-dir", type=Path, default=None, help="keep state in this folder across restarts")
    parser.add_argument("--api-key", action="append", dest="api_keys", help="accept only this key/token (repeatable)")
    args = parser.parse_args(argv)
    try:
        run_emulator(args.port, args.host, args.step_seconds, data_dir=args.data_dir, api_keys=args.api_keys)
    except OSError as exc:
        print(f"Cannot start the emulator on {args.host}:{args.port}: {exc}. Try another --port.", file=sys.stderr)
        return 1
    return 0
