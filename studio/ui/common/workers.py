"""Long work off the UI thread: a core function that takes a CancelToken runs in a QThreadPool.

The core's long functions (scan, checks, demo generation, imports) are Qt-free and take a
`CancelToken` and a progress callback; `Task` runs one on a pool thread and turns its progress,
result, error and cancellation into signals delivered on the UI thread. A function that touches the
project must open its own `ProjectStore` inside the thread: SQLite connections are not shared
across threads here.
"""

from __future__ import annotations

import os
import sys
import threading
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal

from studio.core.errors import StudioError
from studio.core.tasks import CancelToken, Cancelled

# fn(cancel, progress, emit) -> result; `emit(obj)` streams partial results to the UI thread.
TaskFn = Callable[[CancelToken, Callable[[int, "int | None", str], None], Callable[[Any], None]], Any]


def lower_thread_priority(nice: int = 5) -> None:
    """Make the calling thread yield to the UI thread (Linux: per-thread nice value).

    Qt's thread priorities are no-ops for normal threads on Linux; a nice value is per thread
    there. Elsewhere this does nothing: macOS and Windows schedule background threads well enough.
    """
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
        except (OSError, AttributeError):
            pass


class _Signals(QObject):
    progress = Signal(int, object, str)
    partial = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    ended = Signal()


class Task(QObject):
    """One background job. Connect to the signals, then `start()`; `cancel()` asks it to stop."""

    def __init__(self, title: str, fn: TaskFn, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.fn = fn
        self.token = CancelToken()
        self.signals = _Signals()
        self.progress = self.signals.progress
        self.partial = self.signals.partial
        self.finished = self.signals.finished
        self.failed = self.signals.failed
        self.cancelled = self.signals.cancelled
        self.ended = self.signals.ended
        self.running = False

    def start(self, pool: QThreadPool | None = None) -> None:
        self.running = True
        self.ended.connect(self._mark_ended, Qt.ConnectionType.QueuedConnection)
        (pool or QThreadPool.globalInstance()).start(_Runner(self))

    def _mark_ended(self) -> None:
        self.running = False

    def cancel(self) -> None:
        self.token.cancel()


class _Runner(QRunnable):
    def __init__(self, task: Task) -> None:
        super().__init__()
        self.task = task
        self.setAutoDelete(True)

    def run(self) -> None:
        task, sig = self.task, self.task.signals

        def progress(done: int, total: int | None = None, message: str = "") -> None:
            sig.progress.emit(int(done), total, str(message))

        try:
            result = task.fn(task.token, progress, sig.partial.emit)
        except Cancelled:
            sig.cancelled.emit()
        except StudioError as exc:
            sig.failed.emit(str(exc))
        except Exception as exc:  # a bug: say so, with enough detail to report it
            traceback.print_exc()
            sig.failed.emit(f"Unexpected error ({type(exc).__name__}: {exc}). Please report this.")
        else:
            if task.token.cancelled:
                sig.cancelled.emit()
            else:
                sig.finished.emit(result)
        finally:
            sig.ended.emit()
