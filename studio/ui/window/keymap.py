"""The keyboard map as data: one table feeds the key handler and the cheat sheet.

Keeping bindings in one place (as qutebrowser does) means the cheat sheet can never disagree with
what the keys do. Class shortcuts are not here: they live in the project (each class has its key)
and the cheat sheet lists them from the project.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent


class Command(str, Enum):
    NEXT = "next"
    PREVIOUS = "previous"
    NEXT_UNLABELED = "next_unlabeled"
    PREVIOUS_UNLABELED = "previous_unlabeled"
    CLEAR_LABEL = "clear_label"
    TOGGLE_EXCLUDE = "toggle_exclude"
    OPEN_VIEWER = "open_viewer"
    CLOSE_VIEWER = "close_viewer"
    ZOOM_IN = "zoom_in"
    ZOOM_OUT = "zoom_out"
    ZOOM_FIT = "zoom_fit"
    ZOOM_ACTUAL = "zoom_actual"


_K = Qt.Key
_NONE = Qt.KeyboardModifier.NoModifier
_SHIFT = Qt.KeyboardModifier.ShiftModifier
_CTRL = Qt.KeyboardModifier.ControlModifier


@dataclass(frozen=True, slots=True)
class Binding:
    key: Qt.Key
    modifiers: Qt.KeyboardModifier
    command: Command


# Handled by the grid and the viewer while they have focus (so never while typing in a text field).
BINDINGS: tuple[Binding, ...] = (
    Binding(_K.Key_Space, _NONE, Command.NEXT),
    Binding(_K.Key_D, _NONE, Command.NEXT),
    Binding(_K.Key_Backspace, _NONE, Command.PREVIOUS),
    Binding(_K.Key_A, _NONE, Command.PREVIOUS),
    Binding(_K.Key_Space, _SHIFT, Command.NEXT_UNLABELED),
    Binding(_K.Key_Backspace, _SHIFT, Command.PREVIOUS_UNLABELED),
    Binding(_K.Key_0, _NONE, Command.CLEAR_LABEL),
    Binding(_K.Key_Delete, _NONE, Command.CLEAR_LABEL),
    Binding(_K.Key_X, _NONE, Command.TOGGLE_EXCLUDE),
    Binding(_K.Key_Return, _NONE, Command.OPEN_VIEWER),
    Binding(_K.Key_Enter, _NONE, Command.OPEN_VIEWER),
    Binding(_K.Key_Escape, _NONE, Command.CLOSE_VIEWER),
    Binding(_K.Key_Plus, _NONE, Command.ZOOM_IN),
    Binding(_K.Key_Equal, _NONE, Command.ZOOM_IN),
    Binding(_K.Key_Minus, _NONE, Command.ZOOM_OUT),
    Binding(_K.Key_0, _CTRL, Command.ZOOM_FIT),
    Binding(_K.Key_1, _CTRL, Command.ZOOM_ACTUAL),
)

# (keys, what they do) for the cheat sheet, grouped; the window-level actions are listed with their
# own shortcuts so the sheet shows every key a user can press.
CHEAT_SHEET: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Label",
        (
            ("1-9, then letters", "Label the current image (or all selected) with that class and move on"),
            ("Numpad 1-9", "Same as the top-row digits"),
            ("0 or Delete", "Clear the label"),
            ("X", "Exclude from the dataset / include again"),
            ("Ctrl+Z", "Undo (labels, bulk labels, exclude, imports, class edits, merge, delete class)"),
            ("Ctrl+Shift+Z or Ctrl+Y", "Redo"),
        ),
    ),
    (
        "Move",
        (
            ("Arrow keys", "Move in the grid (in the viewer: previous / next image)"),
            ("Space or D", "Next image"),
            ("Backspace or A", "Previous image"),
            ("Shift+Space / Shift+Backspace", "Next / previous unlabeled image"),
            ("Home / End", "First / last image"),
            ("Shift+arrows, Ctrl+click, Ctrl+A", "Select several images (then a class key labels them all)"),
        ),
    ),
    (
        "View",
        (
            ("Enter or double-click", "Open the image large"),
            ("Esc", "Back to the grid"),
            ("+ / - / mouse wheel", "Zoom in the viewer; drag to pan"),
            ("Ctrl+0 / Ctrl+1", "Fit to window / actual size"),
            ("Ctrl+F", "Search file names"),
            ("? or F1", "This cheat sheet"),
            ("Ctrl+Q", "Quit (everything is already saved)"),
        ),
    ),
)


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
