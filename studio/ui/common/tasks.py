"""The one way to run slow work off the UI thread: `BackgroundTask` on a Qt thread pool.

Every window needs the same thing: call a plain, Qt-free function that may take seconds (a scan,
an export, a request to the service, an evaluation), keep the window responsive, show progress,
let the user cancel, and receive the result or an error message on the UI thread. One class does
it for the whole app, so no widget creates its own threads and every failure reads the same way.

The function has ONE signature, the one core and service functions already take:

    fn(progress, cancel) -> result
        progress(done: int, total: int | None, message: str = "")   # call as often as you like
        cancel: CancelToken                                           # poll, or call raise_if_cancelled()

Outcomes (exactly one, delivered on the thread that created the task, then `ended`):
- return a value          -> `finished(value)`
- raise `Cancelled`       -> `cancelled()`   (returning normally after a cancel is still "finished":
                             the function decides; e.g. a submission that created its job anyway)
- raise a `StudioError`   -> `failed(text)` with the error's own text (it already says what to do)
- raise anything else     -> `failed(UNEXPECTED)`-style text naming the error type (a bug), and the
                             traceback goes to stderr (the crash log)

Partial results (e.g. a scan's committed batches) stream with `task.send_partial(obj)`, callable
from the worker thread; they arrive as `partial(obj)` on the UI thread before the outcome.

A function that touches the project opens its own connection (`session.stores.open()`), because
SQLite connections are not shared between threads here.
"""

from __future__ import annotations

import os
import sys
import threading
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from studio.core.errors import StudioError
from studio.core.tasks import CancelToken, Cancelled, ProgressCallable

TaskFn = Callable[[ProgressCallable, CancelToken], Any]

_RUNNING: set["BackgroundTask"] = set()  # keeps started tasks alive until their outcome was delivered


def error_text(error: BaseException) -> str:
    """What the user reads for a failure: a StudioError's own text, else the one bug-report line."""
    if isinstance(error, StudioError):
        return str(error)
    return (
        f"Something went wrong inside the app ({type(error).__name__}: {error}). Nothing was lost; "
        "try again, and report this message if it keeps happening."
    )


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


class BackgroundTask(QObject):
    """One call on a thread pool. Connect to the signals, then `start()`; `cancel()` asks it to stop."""

    progress = Signal(int, int, str)  # done, total (-1: unknown), message
    partial = Signal(object)  # whatever the function passed to send_partial()
    finished = Signal(object)  # the function's return value
    failed = Signal(str)  # a message for the user (see error_text)
    cancelled = Signal()
    ended = Signal()  # after any of the three outcomes
    _outcome = Signal(str, object)  # worker -> UI thread: ("finished" | "failed" | "cancelled", payload)

    def __init__(self, fn: TaskFn, parent: QObject | None = None, *, title: str = "") -> None:
        super().__init__(parent)
        self.title = title
        self._fn = fn
        self.cancel_token = CancelToken()
        self.running = False
        self._done = threading.Event()
        self._done.set()
        self._outcome.connect(self._deliver)  # queued: the task lives on the UI thread

    def start(self, pool: QThreadPool | None = None) -> "BackgroundTask":
        """Run on `pool` (default: Qt's global pool). Returns self, so `task = BackgroundTask(...).start()`."""
        self.running = True
        self._done.clear()
        _RUNNING.add(self)
        (pool or QThreadPool.globalInstance()).start(_Runnable(self))
        return self

    def cancel(self) -> None:
        self.cancel_token.cancel()

    def wait(self, seconds: float) -> bool:
        """Block until the function returned (not until its outcome was delivered); False on timeout."""
        return self._done.wait(seconds)

    def send_partial(self, value: object) -> None:
        """From the worker thread: hand a partial result to the UI thread (`partial` signal)."""
        self.partial.emit(value)

    # -- called on the worker thread ---------------------------------------------------------------

    def _report(self, done: int, total: int | None = None, message: str = "") -> None:
        self.progress.emit(int(done), -1 if total is None else int(total), str(message))

    def _run(self) -> None:
        try:
            result = self._fn(self._report, self.cancel_token)
        except Cancelled:
            self._outcome.emit("cancelled", None)
        except Exception as error:  # noqa: BLE001 - every failure becomes a message
            if not isinstance(error, StudioError):
                traceback.print_exc()
            self._outcome.emit("failed", error_text(error))
        else:
            self._outcome.emit("finished", result)
        finally:
            self._done.set()

    # -- back on the UI thread ---------------------------------------------------------------------

    def _deliver(self, kind: str, payload: object) -> None:
        self.running = False
        try:
            if kind == "finished":
                self.finished.emit(payload)
            elif kind == "failed":
                self.failed.emit(str(payload))
            else:
                self.cancelled.emit()
        finally:
            _RUNNING.discard(self)  # dropped here, never on the worker thread
            self.ended.emit()


class _Runnable(QRunnable):
    def __init__(self, task: BackgroundTask) -> None:
        super().__init__()
        self._task = task
        self.setAutoDelete(True)

    def run(self) -> None:
        self._task._run()


def run_in_background(
    fn: TaskFn,
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[str], None] | None = None,
    parent: QObject | None = None,
) -> BackgroundTask:
    """Shortcut for the common case: start `fn`, call `on_done(result)` or `on_error(message)`."""
    task = BackgroundTask(fn, parent)
    if on_done is not None:
        task.finished.connect(on_done)
    if on_error is not None:
        task.failed.connect(on_error)
    return task.start()
