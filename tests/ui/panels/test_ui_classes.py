"""The Classes panel driven with the mouse and keyboard; assertions read the project file."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QToolButton

K = Qt.Key
CTRL = Qt.KeyboardModifier.ControlModifier


def panel(window):
    return window.class_dock.widget()


def click_item(qtbot, window, name: str, column: int = 0, double: bool = False):
    tree = panel(window).tree
    item = tree.findItems(name, Qt.MatchFlag.MatchExactly, 0)[0]
    rect = tree.visualItemRect(item)
    x = tree.header().sectionPosition(column) + 10
    pos = rect.center()
    pos.setX(x)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    if double:
        qtbot.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    return item


def click_panel_button(qtbot, window, key: str) -> None:
    act = panel(window).class_actions[key]
    button = next(b for b in panel(window).findChildren(QToolButton) if b.defaultAction() is act)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def answer_modal(qtbot, handler) -> None:
    """Run `handler(dialog)` as soon as the next modal dialog is open (it blocks in exec())."""

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(10, poll)
        else:
            handler(dialog)

    QTimer.singleShot(0, poll)


def commit_editor(qtbot, editor, text: str) -> None:
    """Replace the inline editor's text and press Enter; Qt commits on the next event-loop turn."""
    qtbot.keyClick(editor, K.Key_A, CTRL)
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, K.Key_Return)
    qtbot.waitUntil(lambda: not editor.isVisible() if _alive(editor) else True, timeout=2000)
    qtbot.wait(20)


def _alive(widget) -> bool:
    try:
        widget.isVisible()
        return True
    except RuntimeError:
        return False


def back_to_grid(qtbot, window):
    """After a modal dialog the offscreen platform leaves no window active; a desktop re-activates it."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    window.workspace.grid.setFocus()
    return window.workspace.grid


def label_first(qtbot, window, keys) -> None:
    grid = back_to_grid(qtbot, window)
    for key in keys:
        qtbot.keyClick(grid, key)


def test_add_class_from_the_panel(qtbot, window, db):
    field = panel(window).new_name
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(field, "fish 4")  # a digit typed here never labels an image
    qtbot.keyClick(field, K.Key_Return)
    assert ("fish 4", "4") in [(n, k) for n, k, _ in db.classes()]
    assert set(db.labels().values()) == {None}
    label_first(qtbot, window, [K.Key_4])
    assert db.label("img_000.jpg") == "fish 4"


def test_rename_class_inline(qtbot, window, db):
    click_item(qtbot, window, "dog", double=True)
    editor = QApplication.focusWidget()
    assert editor is not None and editor.metaObject().className() == "QExpandingLineEdit"
    commit_editor(qtbot, editor, "puppy2")
    assert [n for n, _, _ in db.classes()] == ["cat", "puppy2", "bird"]
    assert set(db.labels().values()) == {None}
    label_first(qtbot, window, [K.Key_2])
    assert db.label("img_000.jpg") == "puppy2"


def test_rename_to_existing_name_is_refused_with_a_banner(qtbot, window, db):
    click_item(qtbot, window, "dog", double=True)
    editor = QApplication.focusWidget()
    commit_editor(qtbot, editor, "cat")
    assert [n for n, _, _ in db.classes()] == ["cat", "dog", "bird"]
    assert any("already exists" in t for t in window.messages.texts())
    assert panel(window).tree.topLevelItem(1).text(0) == "dog"  # the panel shows the truth again


def test_edit_shortcut_and_use_it(qtbot, window, db):
    click_item(qtbot, window, "bird", column=1, double=True)
    editor = QApplication.focusWidget()
    commit_editor(qtbot, editor, "w")
    assert ("bird", "w") in [(n, k) for n, k, _ in db.classes()]
    label_first(qtbot, window, [K.Key_W, K.Key_3])
    assert db.label("img_000.jpg") == "bird"
    assert db.label("img_001.jpg") is None  # 3 is no longer a shortcut


def test_merge_classes_and_undo(qtbot, window, db):
    label_first(qtbot, window, [K.Key_1, K.Key_2, K.Key_2, K.Key_3])
    click_item(qtbot, window, "dog")

    def merge_into_bird(dialog):
        dialog.combo.setCurrentIndex(dialog.combo.findText("bird"))
        qtbot.mouseClick(dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)

    answer_modal(qtbot, merge_into_bird)
    click_panel_button(qtbot, window, "merge")
    assert [n for n, _, _ in db.classes()] == ["cat", "bird"]
    labels = db.labels()
    assert [labels[f"img_{i:03d}.jpg"] for i in range(4)] == ["cat", "bird", "bird", "bird"]
    grid = back_to_grid(qtbot, window)
    qtbot.keyClick(grid, K.Key_Z, CTRL)
    assert [n for n, _, _ in db.classes()] == ["cat", "dog", "bird"]
    labels = db.labels()
    assert [labels[f"img_{i:03d}.jpg"] for i in range(4)] == ["cat", "dog", "dog", "bird"]
    # After the undo the restored class still works with its key, and redo merges again.
    qtbot.keyClick(grid, K.Key_Y, CTRL)
    assert [n for n, _, _ in db.classes()] == ["cat", "bird"]


def test_delete_class_leave_unlabeled_or_move(qtbot, window, db):
    label_first(qtbot, window, [K.Key_1, K.Key_2, K.Key_3])
    click_item(qtbot, window, "dog")

    def leave_unlabeled(dialog):
        assert dialog.unlabel.isChecked()
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    answer_modal(qtbot, leave_unlabeled)
    click_panel_button(qtbot, window, "delete")
    assert [n for n, _, _ in db.classes()] == ["cat", "bird"]
    assert db.label("img_001.jpg") is None

    click_item(qtbot, window, "bird")

    def move_to_cat(dialog):
        dialog.move_to.setChecked(True)
        dialog.combo.setCurrentIndex(dialog.combo.findText("cat"))
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    answer_modal(qtbot, move_to_cat)
    click_panel_button(qtbot, window, "delete")
    assert [n for n, _, _ in db.classes()] == ["cat"]
    assert db.label("img_002.jpg") == "cat"
    grid = back_to_grid(qtbot, window)
    qtbot.keyClick(grid, K.Key_Z, CTRL)
    qtbot.keyClick(grid, K.Key_Z, CTRL)
    assert [n for n, _, _ in db.classes()] == ["cat", "dog", "bird"]
    labels = db.labels()
    assert [labels[f"img_{i:03d}.jpg"] for i in range(3)] == ["cat", "dog", "bird"]


def test_reorder_and_counts_and_low_count_warning(qtbot, window, db):
    label_first(qtbot, window, [K.Key_1, K.Key_1])
    p = panel(window)
    cat = p.tree.findItems("cat", Qt.MatchFlag.MatchExactly, 0)[0]
    assert cat.text(2) == "2"
    assert "Fewer than 10" in p.warning.text()
    click_item(qtbot, window, "bird")
    click_panel_button(qtbot, window, "up")
    assert [n for n, _, _ in db.classes()] == ["cat", "bird", "dog"]


def test_class_rename_recolour_key_and_order_are_undoable(qtbot, window, db):
    click_item(qtbot, window, "dog", double=True)
    commit_editor(qtbot, QApplication.focusWidget(), "puppy")
    dog = window.session.class_for_key("2")
    window.session.set_class_color(dog.id, "#123456")
    window.session.set_class_shortcut(dog.id, "q")
    window.session.move_class(dog.id, -1)
    assert db.classes() == [("puppy", "q", "#123456"), ("cat", "1", db.classes()[1][2]), ("bird", "3", db.classes()[2][2])]

    window.workspace.grid.setFocus()
    for _ in range(4):
        qtbot.keyClick(window.workspace.grid, K.Key_Z, CTRL)
    names = [(n, k) for n, k, _ in db.classes()]
    assert names == [("cat", "1"), ("dog", "2"), ("bird", "3")]
    assert db.classes()[1][2] != "#123456"

    qtbot.keyClick(window.workspace.grid, K.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert [n for n, _, _ in db.classes()] == ["cat", "puppy", "bird"]
