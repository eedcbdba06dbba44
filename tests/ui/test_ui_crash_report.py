"""A bug in a slot is shown in the window and logged, and the app keeps running."""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer

from studio.ui import crash_report


def test_uncaught_exception_in_a_slot_is_logged_and_shown(qtbot, monkeypatch):
    shown: list[str] = []
    previous = sys.excepthook
    crash_report.install(shown.append)
    try:
        def broken_slot() -> None:
            raise ValueError("boom in a slot")

        QTimer.singleShot(0, broken_slot)
        qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    finally:
        sys.excepthook = previous
    assert "Your labels are saved" in shown[0] and "ValueError" in shown[0]
    log = crash_report.error_log_path().read_text(encoding="utf-8")
    assert "boom in a slot" in log and "broken_slot" in log
