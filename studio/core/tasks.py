"""Cancellation and progress for long work, without Qt.

Core functions that may run for more than a moment take a `CancelToken` and a `ProgressFn`; the UI
wraps them in worker threads and turns progress calls into signals. Keeping this Qt-free lets the CLI
and the tests drive exactly the same code.
"""

from __future__ import annotations

import threading
from typing import Callable, Protocol


class Cancelled(Exception):
    """Raised inside long work when the user cancelled it; callers treat it as a normal outcome."""


class CancelToken:
    """A thread-safe flag that long work polls between items."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`, waking at once on cancel; returns True when cancelled."""
        return self._event.wait(seconds)

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


class ProgressFn(Protocol):
    def __call__(self, done: int, total: int | None, message: str = "") -> None: ...


def no_progress(done: int, total: int | None, message: str = "") -> None:
    """Default progress sink for callers that do not show progress."""


ProgressCallable = Callable[[int, "int | None", str], None]
