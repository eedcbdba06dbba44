"""The one background-task runner: each outcome arrives once, on the UI thread, with the agreed text."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QThread

from studio.core.errors import StudioError
from studio.core.tasks import Cancelled
from studio.ui.common.tasks import BackgroundTask, error_text, run_in_background


class Recorder:
    def __init__(self, task: BackgroundTask) -> None:
        self.events: list[tuple] = []
        self.threads: set[object] = set()
        for name in ("progress", "partial", "finished", "failed", "cancelled", "ended"):
            getattr(task, name).connect(lambda *args, n=name: self._record(n, args))

    def _record(self, name: str, args: tuple) -> None:
        self.threads.add(QThread.currentThread())
        self.events.append((name, *args))

    def names(self) -> list[str]:
        return [e[0] for e in self.events]


def run(qtbot, fn) -> Recorder:
    task = BackgroundTask(fn, title="Test")
    rec = Recorder(task)
    with qtbot.waitSignal(task.ended, timeout=5000):
        task.start()
    assert not task.running
    return rec


def test_result_progress_and_partials_arrive_in_order_on_the_ui_thread(qtbot):
    worker: list[int] = []

    def work(progress, cancel):
        worker.append(threading.get_ident())
        progress(1, None, "counting")
        task.send_partial([1, 2])
        progress(2, 4)
        return "done"

    task = BackgroundTask(work, title="Test")
    rec = Recorder(task)
    with qtbot.waitSignal(task.ended, timeout=5000):
        task.start()
    assert worker and worker[0] != threading.get_ident()  # really ran elsewhere
    assert rec.events == [("progress", 1, -1, "counting"), ("partial", [1, 2]), ("progress", 2, 4, ""),
                          ("finished", "done"), ("ended",)]
    assert rec.threads == {QThread.currentThread()}


def test_a_studio_error_reaches_the_user_as_is(qtbot):
    def work(progress, cancel):
        raise StudioError("The disk is full. Free some space and try again.")

    rec = run(qtbot, work)
    assert rec.events == [("failed", "The disk is full. Free some space and try again."), ("ended",)]


def test_a_bug_gets_the_one_unexpected_error_text(qtbot, capsys):
    def work(progress, cancel):
        raise ZeroDivisionError("division by zero")

    rec = run(qtbot, work)
    assert rec.names() == ["failed", "ended"]
    message = rec.events[0][1]
    assert message == error_text(ZeroDivisionError("division by zero"))
    assert "ZeroDivisionError" in message and "Nothing was lost" in message
    assert "Traceback" in capsys.readouterr().err  # the details go to the log, not into the banner


def test_cancel_is_an_outcome_of_its_own(qtbot):
    started = threading.Event()

    def work(progress, cancel):
        started.set()
        while not cancel.wait(0.01):
            pass
        cancel.raise_if_cancelled()

    task = BackgroundTask(work)
    rec = Recorder(task)
    task.start()
    assert started.wait(5)
    with qtbot.waitSignal(task.ended, timeout=5000):
        task.cancel()
    assert rec.names() == ["cancelled", "ended"]
    assert task.wait(0)


def test_returning_after_a_cancel_request_is_still_finished(qtbot):
    """The function decides: e.g. a submission whose job was created although the user pressed Cancel."""

    def work(progress, cancel):
        cancel.cancel()
        return 42

    rec = run(qtbot, work)
    assert rec.names() == ["finished", "ended"]


def test_run_in_background_shortcut(qtbot):
    got: list[object] = []
    task = run_in_background(lambda progress, cancel: 7, on_done=got.append, on_error=got.append)
    qtbot.waitUntil(lambda: got == [7], timeout=5000)
    task2 = run_in_background(lambda progress, cancel: (_ for _ in ()).throw(Cancelled()), on_done=got.append)
    qtbot.waitUntil(lambda: not task2.running, timeout=5000)
    assert got == [7] and not task.running


@pytest.mark.parametrize("error", [StudioError("x"), KeyError("y")])
def test_error_text_never_raises(error):
    assert error_text(error)
