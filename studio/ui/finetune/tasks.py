"""Run a slow core/service call off the UI thread and get its outcome back as Qt signals.

Every fine-tune window needs the same thing: call a plain function that may take seconds (export,
upload, a request to the service, a token estimate), keep the window responsive, show progress, let
the user cancel, and receive either the result or an error message on the UI thread. One small class
does it for all of them, so no widget creates its own threads.

The function receives `(progress, cancel)`: the `ProgressCallable` and `CancelToken` of
`studio.core.tasks`, exactly what core and service functions take. A `StudioError`'s text reaches the
user as is (it already says what to do); anything else is a bug and is reported with its type.
"""

from __future__ import annotations

import threading
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from studio.core.errors import StudioError
from studio.core.tasks import CancelToken, Cancelled, ProgressCallable

TaskFn = Callable[[ProgressCallable, CancelToken], Any]

_RUNNING: set["BackgroundTask"] = set()  # keeps tasks alive until their outcome was delivered


def error_text(error: BaseException) -> str:
    """What the user reads for a failure: a StudioError's own text, else a bug report line."""
    if isinstance(error, StudioError):
        return str(error)
    return (
        f"Something went wrong inside the app ({type(error).__name__}: {error}). Nothing was lost; "
        "try again, and report this message if it keeps happening."
    )


class BackgroundTask(QObject):
    """One call on the shared thread pool. Connect to the signals, then `start()`.

    Exactly one of `finished`, `failed` or `cancelled` is emitted, on the thread that created the
    task (the UI thread), after which the task forgets itself.
    """

    progress = Signal(int, int, str)  # done, total (-1: unknown), message
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    _outcome = Signal(str, object)  # worker -> UI thread: ("finished" | "failed" | "cancelled", payload)

    def __init__(self, fn: TaskFn, parent: QObject | None = None, *, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._fn = fn
        self._pool = pool or QThreadPool.globalInstance()
        self.cancel_token = CancelToken()
        self.running = False
        self._done = threading.Event()
        self._outcome.connect(self._deliver)  # queued: the task lives on the UI thread

    def start(self) -> "BackgroundTask":
        self.running = True
        self._done.clear()
        _RUNNING.add(self)
        self._pool.start(_Runnable(self))
        return self

    def cancel(self) -> None:
        self.cancel_token.cancel()

    def wait(self, seconds: float) -> bool:
        """Block until the function returned (not until its outcome was delivered); False on timeout."""
        return not self.running or self._done.wait(seconds)

    # -- called on the worker thread ---------------------------------------------------------------

    def _report(self, done: int, total: int | None, message: str = "") -> None:
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
