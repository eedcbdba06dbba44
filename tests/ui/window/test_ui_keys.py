"""One key table (studio.core.keys): what the window binds, what the keys do and what the cheat sheet
says are the same thing. Each test drives the real window; a shortcut added anywhere in the window
without a table row, or a row nothing binds, fails here."""

from __future__ import annotations

import pytest
from memory_keyring import memory_keyring  # noqa: F401 - autouse fixture: never the real keyring
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtTest import QTest

from studio.core import keys as key_table
from studio.core.errors import StudioError
from studio.ui.window import keymap
from studio.ui.window.dialogs import CheatSheet, cheat_sheet_entries


def _portable(seq: QKeySequence | str) -> str:
    return QKeySequence(seq).toString(QKeySequence.SequenceFormat.PortableText)


def _bound_in_window(window) -> dict[frozenset[str], list[str]]:
    """Shortcut sets of every QAction and QShortcut in the window -> the texts of what holds them."""
    bound: dict[frozenset[str], list[str]] = {}
    for action in window.findChildren(QAction):
        keys = frozenset(_portable(s) for s in action.shortcuts() if not s.isEmpty())
        if keys:
            bound.setdefault(keys, []).append(action.text())
    for shortcut in window.findChildren(QShortcut):
        if not shortcut.key().isEmpty():
            bound.setdefault(frozenset({_portable(shortcut.key())}), []).append("QShortcut")
    return bound


def test_every_shortcut_in_the_window_has_its_table_row_and_every_row_is_bound(window):
    from studio.ui.deployments.integration import install_deployments
    from studio.ui.evaluation.integration import install_evaluation
    from studio.ui.finetune.integration import install_finetune

    finetune = install_finetune(window)  # every feature the app plugs in counts, as in ui/app/main.py
    install_deployments(window, finetune)
    install_evaluation(window, finetune)
    rows = {frozenset(_portable(k) for k in row.keys): row.command for row in key_table.KEYS if row.scope == "window"}
    bound = _bound_in_window(window)
    assert bound, "the window binds nothing: the walk is broken"
    unlisted = {tuple(sorted(keys)): who for keys, who in bound.items() if keys not in rows}
    assert not unlisted, f"shortcuts bound in the window but missing from studio.core.keys: {unlisted}"
    unbound = [command for keys, command in rows.items() if keys not in bound]
    assert not unbound, f"key-table rows no window action binds: {unbound}"
    assert "F5" in {k for keys in bound for k in keys}  # the rescan key the old hand-written sheet missed


def test_table_rows_are_well_formed():
    commands = [row.command for row in key_table.KEYS]
    assert len(commands) == len(set(commands))
    assert {row.scope for row in key_table.KEYS} <= set(key_table.SCOPES)
    assert {row.group for row in key_table.KEYS} <= set(key_table.GROUPS)
    for row in key_table.KEYS:
        for text in row.keys:  # Qt reads each back as exactly one key combination
            seq = QKeySequence(text)
            assert seq.count() == 1 and not seq.isEmpty(), (row.command, text)
    labeling = {row.command for row in key_table.KEYS if row.scope == "labeling"}
    assert labeling == {c.value for c in keymap.Command}


def _spy_commands(window, monkeypatch) -> list[keymap.Command]:
    ran: list[keymap.Command] = []
    controller = window.workspace.controller
    monkeypatch.setattr(controller, "run", lambda command: ran.append(command) or True)
    return ran


def test_every_labeling_key_of_the_table_reaches_its_command(window, monkeypatch):
    ran = _spy_commands(window, monkeypatch)
    grid = window.workspace.grid
    grid.setFocus()
    for row in key_table.KEYS:
        if row.scope != "labeling":
            continue
        for text in row.keys:
            combo = QKeySequence(text)[0]
            ran.clear()
            QTest.keyClick(grid, combo.key(), combo.keyboardModifiers())
            assert ran == [keymap.Command(row.command)], (row.command, text)


def test_the_builtin_and_class_rows_do_what_the_sheet_says(window, db):
    ws = window.workspace
    grid = ws.grid
    grid.setFocus()
    ws.controller.go_to_row(0)
    QTest.keyClick(grid, Qt.Key.Key_Right)
    assert ws.controller.current_row() == 1
    QTest.keyClick(grid, Qt.Key.Key_End)
    assert ws.controller.current_row() == ws.model.rowCount() - 1
    QTest.keyClick(grid, Qt.Key.Key_Home)
    assert ws.controller.current_row() == 0
    QTest.keyClick(grid, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert len(ws.controller.target_rows()) == 2
    QTest.keyClick(grid, Qt.Key.Key_1)  # the class row: the project's first class key
    first = window.session.classes()[0].name
    assert list(db.labels().values())[:2] == [first, first]


def test_the_cheat_sheet_lists_every_table_row_and_the_project_classes(window):
    window.show_cheat_sheet()
    sheet = window.cheat_sheet
    assert isinstance(sheet, CheatSheet)
    listed = {text for _, entries in sheet.entries for text, _ in entries}
    for row in key_table.KEYS:
        if row.scope == "class":
            continue
        expected = row.label or ", ".join(QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in row.keys)
        assert expected in listed, row.command
    titles = [title for title, _ in sheet.entries]
    assert titles[0] == "Classes in this project"
    assert [k for k, _ in sheet.entries[0][1]] == [(c.shortcut or "—").upper() for c in window.session.classes()]
    # Without a project the table's class row explains the keys instead.
    assert any("1-9" in keys for _, entries in cheat_sheet_entries(None) for keys, _ in entries)
    sheet.close()


def test_menus_show_the_keys_of_the_table(window):
    window._fill_label_menu()
    texts = [a.text() for a in window.label_menu.actions()]
    assert f"Clear label\t{keymap.hint('label.clear')}" in texts
    assert any(t.endswith("\t" + keymap.hint("move.next_unlabeled")) for t in texts)
    assert window.action_view_grid.text().endswith("\t" + keymap.hint("view.close_viewer"))


@pytest.mark.parametrize("key", sorted(key_table.reserved_class_keys()))
def test_a_class_cannot_take_a_key_the_table_reserves(window, key):
    store = window.session._store
    with pytest.raises(StudioError, match="reserved"):
        store.set_class_shortcut(window.session.classes()[0].id, key)
    assert key in {"0", "x", "a", "d", "s"}  # the table derives the same set the store always refused


def test_the_readme_keyboard_table_is_the_generated_one():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- keys:start", 1)[1].split("-->", 1)[1].split("<!-- keys:end -->", 1)[0]
    assert block.strip() == key_table.markdown(), "README keyboard table is stale: run python -m studio.core.keys"
