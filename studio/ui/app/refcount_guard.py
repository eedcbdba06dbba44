"""Work around a reference-counting bug in PySide6 6.12 on Python < 3.12.

Measured here (PySide6/shiboken6 6.12.0, CPython 3.11.7): every call of a C++ method that returns
`void` (`QPainter.save()`, `QWidget.setToolTip()`, ...), every `QVariant` that comes back as `None`,
and every `Signal.emit()` (which returns a bool) drops one reference to `None`, `True` or `False`
that it never took. Python 3.12 made these objects immortal, which hides the bug there; on 3.11 the
count reaches zero after a few thousand calls and the interpreter aborts with
"Fatal Python error: none_dealloc" — painting one screen of the grid costs about 270 references.

The workaround does what Python 3.12 does: give these singletons a reference count so large that
no realistic session can use it up (2**50 calls). It is applied only when the bug is detected, so a
fixed PySide6 or a newer Python leaves the interpreter untouched.
"""

from __future__ import annotations

import ctypes
import sys

_HEADROOM = 2**50
_applied = False


def _leaks_none() -> bool:
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(64):
        probe.setObjectName("probe")  # a void C++ method
    return sys.getrefcount(None) < before - 32


def protect_singletons() -> bool:
    """Apply the workaround if this PySide6 needs it; returns whether it was applied."""
    global _applied
    if _applied or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return _applied
    if not _leaks_none():
        return False
    for obj in (None, True, False, Ellipsis, NotImplemented):
        ctypes.c_ssize_t.from_address(id(obj)).value += _HEADROOM
    _applied = True
    return True
