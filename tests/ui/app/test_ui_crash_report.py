"""A bug in a slot is shown in the window and logged, and the app keeps running."""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer

from studio.ui.app import crash_report


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


def test_crash_log_never_contains_a_secret(qtbot):
    from studio.service.credentials import Secret

    key = "sk-crash-SECRET-9876543210"
    Secret(key)  # the app held this key at some point
    shown: list[str] = []
    previous = sys.excepthook
    crash_report.install(shown.append)
    try:
        def leaky_slot() -> None:
            raise RuntimeError(f"request failed with key {key}")

        QTimer.singleShot(0, leaky_slot)
        qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    finally:
        sys.excepthook = previous
    log = crash_report.error_log_path().read_text(encoding="utf-8")
    assert "request failed with key <hidden>" in log
    assert key not in log and key not in shown[0]
