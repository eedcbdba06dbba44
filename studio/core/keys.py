"""Every key the app answers to, as data: the main window binds it, the cheat sheet is printed from it.

One table (as qutebrowser keeps its bindings in one data file) so the sheet can never disagree with
what the keys do, and so the class-key rules of the store know which keys are taken. It is plain data
in the core (no Qt): key names are Qt's portable key-sequence text ("Ctrl+Shift+Z", "Shift+Space",
"F5"), which the UI turns into `QKeySequence`s; on macOS Qt shows "Ctrl" as Command by itself.

Scopes say who binds a key:
- "window":   a `QAction` shortcut of the main window (menus); the window looks its keys up here by
              the command's id, and a test proves every shortcut in the window is listed here.
- "labeling": handled by the grid and the viewer while they have focus, so never while the user
              types in a text field (the labeling controller maps key presses to these commands).
- "builtin":  what Qt's grid view does by itself (arrows, Home/End, selection); listed so the sheet
              is complete, bound by nobody here.
- "class":    the per-class keys, which live in the project (each class has its key); the sheet
              lists the open project's classes instead of this placeholder row.

To add a shortcut for a feature: add a `Key` row here (unique `command` id, its group and text),
then bind it where the feature builds its action with `studio.ui.window.keymap.shortcuts(id)`
(window scope) - see /work/coord/notes/keys.md.
"""

from __future__ import annotations

from dataclasses import dataclass

SCOPES = ("window", "labeling", "builtin", "class")


@dataclass(frozen=True, slots=True)
class Key:
    command: str  # unique id, e.g. "file.rescan"; window actions are bound by it
    keys: tuple[str, ...]  # portable key-sequence texts, first = the one menus show
    group: str  # cheat-sheet section
    text: str  # what the sheet says the keys do
    scope: str = "window"
    label: str = ""  # for "class"/"builtin" rows whose keys are not one sequence each (e.g. "1-9")

    @property
    def display(self) -> str:
        """The keys as the cheat sheet prints them."""
        return self.label or ", ".join(self.keys)


GROUPS = ("Label", "Move", "View", "Project", "Help")

KEYS: tuple[Key, ...] = (
    # -- labeling (grid and viewer) --------------------------------------------------------------------
    Key("label.class", (), "Label", "Label the current image (or all selected) with that class and move on; "
        "each class's key is set in the Classes panel and saved in the project", "class",
        label="1-9, then letters (top row or numpad)"),
    Key("label.clear", ("0", "Del"), "Label", "Clear the label", "labeling"),
    Key("label.toggle_exclude", ("X",), "Label", "Exclude from the dataset / include again", "labeling"),
    Key("edit.undo", ("Ctrl+Z",), "Label", "Undo (labels, bulk labels, exclude, imports, class edits, merge, delete class)"),
    Key("edit.redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "Label", "Redo"),
    Key("move.next", ("Space", "D"), "Move", "Next image", "labeling"),
    Key("move.previous", ("Backspace", "A"), "Move", "Previous image", "labeling"),
    Key("move.next_unlabeled", ("Shift+Space",), "Move", "Next unlabeled image", "labeling"),
    Key("move.previous_unlabeled", ("Shift+Backspace",), "Move", "Previous unlabeled image", "labeling"),
    Key("move.arrows", ("Left", "Right", "Up", "Down"), "Move",
        "Move in the grid (in the viewer: previous / next image)", "builtin", label="Arrow keys"),
    Key("move.first_last", ("Home", "End"), "Move", "First / last image", "builtin"),
    Key("edit.select_all", ("Ctrl+A",), "Move", "Select all images (then a class key labels them all)"),
    Key("move.extend_selection", ("Shift+Left", "Shift+Right", "Shift+Up", "Shift+Down"), "Move",
        "Select several images; Ctrl+click adds one", "builtin", label="Shift+arrows"),
    Key("view.open_viewer", ("Return", "Enter"), "View", "Open the image large (or double-click it)", "labeling"),
    Key("view.close_viewer", ("Esc",), "View", "Back to the grid", "labeling"),
    Key("view.zoom_in", ("+", "="), "View", "Zoom in (the viewer; the mouse wheel zooms, dragging pans)", "labeling"),
    Key("view.zoom_out", ("-",), "View", "Zoom out", "labeling"),
    Key("view.zoom_fit", ("Ctrl+0",), "View", "Fit the image to the window", "labeling"),
    Key("view.zoom_actual", ("Ctrl+1",), "View", "Actual size", "labeling"),
    Key("edit.find", ("Ctrl+F",), "View", "Search file names"),
    # -- project (File menu) ----------------------------------------------------------------------------
    Key("file.new", ("Ctrl+N",), "Project", "New project from an image folder"),
    Key("file.open", ("Ctrl+O",), "Project", "Open a project"),
    Key("file.rescan", ("F5",), "Project", "Rescan the project's folders"),
    Key("file.close", ("Ctrl+W",), "Project", "Close the project (everything is already saved)"),
    Key("file.quit", ("Ctrl+Q",), "Project", "Quit (everything is already saved)"),
    # -- help -------------------------------------------------------------------------------------------
    Key("help.cheat_sheet", ("F1", "?", "Shift+?"), "Help", "This cheat sheet"),
)

# Kept free for a command to come, so class keys chosen today do not collide with it later.
SPARE_KEYS = frozenset({"s"})


def by_command(command: str) -> Key:
    """The row of `command`; a KeyError names a command that is missing from the table (a bug)."""
    for key in KEYS:
        if key.command == command:
            return key
    raise KeyError(f"no key-table row for command {command!r}")


def reserved_class_keys() -> frozenset[str]:
    """Single letters and digits a class may not take: the unmodified labeling keys, plus spares.

    Class keys are plain letters and digits pressed in the grid and viewer, so any such key with a
    labeling meaning (or a Qt built-in one) is off limits; derived here, never listed twice.
    """
    taken = {
        k.lower()
        for row in KEYS
        if row.scope in ("labeling", "builtin")
        for k in row.keys
        if len(k) == 1 and k.isalnum()
    }
    return frozenset(taken | SPARE_KEYS)


def sheet() -> list[tuple[str, list[Key]]]:
    """The cheat sheet's sections in order (the UI adds the open project's classes on top)."""
    return [(group, [k for k in KEYS if k.group == group]) for group in GROUPS]


def markdown() -> str:
    """The table as the README prints it (between its `keys:start`/`keys:end` markers); a test keeps
    the README equal to this, so regenerate with `python -m studio.core.keys` after a change."""
    lines = ["| keys | what they do |", "|---|---|"]
    for group, rows in sheet():
        lines.append(f"| **{group}** | |")
        for row in rows:
            keys = f"`{row.label}`" if row.label else ", ".join(f"`{k}`" for k in row.keys)
            lines.append(f"| {keys} | {row.text} |")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - prints the README block
    print(markdown())
