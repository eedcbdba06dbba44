"""Unexpected errors (bugs) in the running app: say so in the window, keep the details, keep working.

Qt swallows exceptions raised in slots after printing them to stderr, and a packaged windowed app
has no stderr at all, so without this a bug would be invisible to the user and to us. Labels are
committed as they are made, so the honest message is "your work is saved"; the traceback goes to a
log file in the user's data folder (tracebacks hold no secrets: keys travel as `Secret`, whose repr
hides them).
"""

from __future__ import annotations

import sys
import time
import traceback
from pathlib import Path
from types import TracebackType
from typing import Callable

from studio import __version__
from studio.app_paths import user_data_dir

MAX_LOG_BYTES = 1_000_000


def error_log_path() -> Path:
    return user_data_dir() / "logs" / "errors.log"


def _write(text: str) -> Path | None:
    path = error_log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size > MAX_LOG_BYTES:
            path.replace(path.with_suffix(".old.log"))
        with path.open("a", encoding="utf-8") as fh:
            fh.write(text)
        return path
    except OSError:
        return None


def install(show: Callable[[str], None]) -> None:
    """Route uncaught exceptions to a log file and a non-blocking message shown by `show`."""
    previous = sys.excepthook

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            previous(exc_type, exc, tb)
            return
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        credentials = sys.modules.get("studio.service.credentials")  # loaded iff a secret ever was
        if credentials is not None:
            details = credentials.scrub(details)
        path = _write(f"--- {stamp} studio {__version__}\n{details}\n")
        if sys.stderr is not None:
            sys.stderr.write(details)
        where = f" Details were saved to {path}." if path else ""
        try:
            show(
                f"Something went wrong inside the studio ({exc_type.__name__}). Your labels are saved; "
                f"you can keep working. If it happens again, please report it.{where}"
            )
        except Exception:  # noqa: BLE001 - never let the reporter itself take the app down
            pass

    sys.excepthook = hook
