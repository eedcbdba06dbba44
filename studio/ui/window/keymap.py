"""The key table (`studio.core.keys`) turned into Qt: shortcuts for actions, commands for key presses.

The table is the one source of truth; this module only translates it. The main window gives each
menu action the shortcuts of its table row (`shortcuts(id)`), menu entries whose keys are handled
elsewhere show them with `hint(id)`, and the grid and viewer map a key press to a labeling
`Command` with `command_for(event)`. Class shortcuts are not in the table: they live in the project
(each class has its key), and `class_key_for` reads them off a key press.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QKeySequence

from studio.core import keys as key_table


class Command(str, Enum):
    """What a labeling key does; the values are the command ids of the key table's labeling rows."""

    NEXT = "move.next"
    PREVIOUS = "move.previous"
    NEXT_UNLABELED = "move.next_unlabeled"
    PREVIOUS_UNLABELED = "move.previous_unlabeled"
    CLEAR_LABEL = "label.clear"
    TOGGLE_EXCLUDE = "label.toggle_exclude"
    OPEN_VIEWER = "view.open_viewer"
    CLOSE_VIEWER = "view.close_viewer"
    ZOOM_IN = "view.zoom_in"
    ZOOM_OUT = "view.zoom_out"
    ZOOM_FIT = "view.zoom_fit"
    ZOOM_ACTUAL = "view.zoom_actual"


@dataclass(frozen=True, slots=True)
class Binding:
    key: int  # Qt.Key value
    modifiers: Qt.KeyboardModifier
    command: Command


def sequences(texts: tuple[str, ...]) -> list[QKeySequence]:
    return [QKeySequence(text) for text in texts]


def shortcuts(command: str) -> list[QKeySequence]:
    """The shortcuts of a window action, from its table row (a KeyError names a missing row)."""
    return sequences(key_table.by_command(command).keys)


def hint(command: str) -> str:
    """The first key of a row in the platform's own notation, for a menu entry's right-hand side."""
    row = key_table.by_command(command)
    if not row.keys:
        return row.display
    return QKeySequence(row.keys[0]).toString(QKeySequence.SequenceFormat.NativeText)


def _bindings() -> tuple[Binding, ...]:
    out = []
    for row in key_table.KEYS:
        if row.scope != "labeling":
            continue
        command = Command(row.command)
        for seq in sequences(row.keys):
            combo = seq[0]  # type: ignore[index]  # PySide6 stubs omit QKeySequence.__getitem__ (operator[])
            out.append(Binding(combo.key().value, combo.keyboardModifiers(), command))
    return tuple(out)


# Handled by the grid and the viewer while they have focus (so never while typing in a text field).
BINDINGS: tuple[Binding, ...] = _bindings()


def command_for(event: QKeyEvent) -> Command | None:
    mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    for b in BINDINGS:
        if event.key() == b.key and mods == b.modifiers:
            return b.command
    return None


def class_key_for(event: QKeyEvent) -> str | None:
    """The class shortcut character an unmodified key press stands for (top row or numpad), if any.

    Uses the key code rather than the text so Shift/keyboard layout quirks do not change meaning;
    any Ctrl/Alt/Meta modifier means the press is not a class key.
    """
    mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    if mods != Qt.KeyboardModifier.NoModifier:
        return None
    key = event.key()
    if Qt.Key.Key_1 <= key <= Qt.Key.Key_9:
        return chr(key)
    if Qt.Key.Key_A <= key <= Qt.Key.Key_Z:
        return chr(key).lower()
    return None
