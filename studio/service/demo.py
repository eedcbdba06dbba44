"""The demo service: the project's emulator, started inside the app, with jobs that outlive restarts.

Its state lives in the user's data folder, and the emulator derives job progress from stored
timestamps and the wall clock, so a demo job submitted before closing the app is further along (or
finished) when the app comes back, just like a real one. One server per process, started on first
use on a free port; the port is never stored (profiles say "demo", not a URL).
"""

from __future__ import annotations

import atexit
import threading
from pathlib import Path

from studio.app_paths import user_data_dir
from studio.service.credentials import DEMO_API_KEY

DEMO_STEP_SECONDS = 0.5  # a typical demo job takes about a minute: long enough to watch the curves

_server = None
_lock = threading.Lock()


def demo_data_dir() -> Path:
    return user_data_dir() / "demo-service"


def demo_base_url() -> str:
    """Start the demo service if needed and return its OpenAI-style base URL."""
    global _server
    with _lock:
        if _server is None:
            from studio.emulator import EmulatorServer

            folder = demo_data_dir()
            folder.mkdir(parents=True, exist_ok=True)
            _server = EmulatorServer(port=0, api_keys=[DEMO_API_KEY], step_seconds=DEMO_STEP_SECONDS, data_dir=folder)
            _server.start()
            atexit.register(stop_demo)
        return _server.base_url


def stop_demo() -> None:
    global _server
    with _lock:
        if _server is not None:
            _server.stop()
            _server = None
