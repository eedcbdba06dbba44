"""The PySide6 6.12 / Python 3.11 refcount guard: many void Qt calls must not abort the interpreter."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject

import studio.ui  # noqa: F401 - importing the UI package installs the guard


def test_many_void_calls_and_emits_do_not_exhaust_none_or_bools(qapp):
    from PySide6.QtCore import Signal

    class Emitter(QObject):
        ping = Signal()

    obj, emitter = QObject(), Emitter()
    emitter.ping.connect(lambda: None)
    before = sys.getrefcount(None)
    for _ in range(60_000):  # on an unguarded 3.11 interpreter this aborts ("none_dealloc")
        obj.setObjectName("x")
        emitter.ping.emit()
    assert sys.getrefcount(None) > 0 and sys.getrefcount(True) > 0
    assert before - sys.getrefcount(None) < 2**49
