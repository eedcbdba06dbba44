"""Labeling by keyboard in the real window; every assertion reads the project file itself."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

K = Qt.Key
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
KEYPAD = Qt.KeyboardModifier.KeypadModifier


def press(qtbot, key, mods=Qt.KeyboardModifier.NoModifier, text: str | None = None) -> None:
    """Send a key to whatever has focus, as a user's keyboard would."""
    target = QApplication.focusWidget()
    assert target is not None, "nothing has keyboard focus"
    qtbot.keyClick(target, key, mods)


def current_name(window) -> str:
    row = window.workspace.controller.current_image()
    return row.rel_path.rsplit("/", 1)[-1]


def test_keyboard_ready_on_open_labels_and_advances(qtbot, window, db):
    # Without any click: the grid has focus and the first image (path order) is current.
    assert QApplication.focusWidget() is window.workspace.grid
    assert current_name(window) == "img_000.jpg"
    press(qtbot, K.Key_1)
    assert db.label("img_000.jpg") == "cat"
    assert current_name(window) == "img_001.jpg"
    press(qtbot, K.Key_2, KEYPAD)  # numpad digits work like the top row
    assert db.label("img_001.jpg") == "dog"
    press(qtbot, K.Key_3)
    assert db.label("img_002.jpg") == "bird"
    assert current_name(window) == "img_003.jpg"


def test_undo_redo_single_and_bulk(qtbot, window, db):
    press(qtbot, K.Key_1)
    press(qtbot, K.Key_2)
    press(qtbot, K.Key_Z, CTRL)
    assert db.label("img_001.jpg") is None
    assert db.label("img_000.jpg") == "cat"
    press(qtbot, K.Key_Z, CTRL | SHIFT)
    assert db.label("img_001.jpg") == "dog"
    press(qtbot, K.Key_Z, CTRL)
    press(qtbot, K.Key_Y, CTRL)
    assert db.label("img_001.jpg") == "dog"

    # Bulk: select three images with Shift+Right from img_002, then one key labels all of them.
    assert current_name(window) == "img_002.jpg"
    press(qtbot, K.Key_Right, SHIFT)
    press(qtbot, K.Key_Right, SHIFT)
    press(qtbot, K.Key_3)
    labels = db.labels()
    assert [labels[f"img_{i:03d}.jpg"] for i in range(2, 6)] == ["bird", "bird", "bird", None]
    assert current_name(window) == "img_005.jpg"
    press(qtbot, K.Key_Z, CTRL)  # one undo reverts the whole bulk label
    labels = db.labels()
    assert [labels[f"img_{i:03d}.jpg"] for i in range(0, 5)] == ["cat", "dog", None, None, None]


def test_move_clear_and_exclude(qtbot, window, db):
    press(qtbot, K.Key_Space)
    press(qtbot, K.Key_Space)
    assert current_name(window) == "img_002.jpg"
    press(qtbot, K.Key_Backspace)
    assert current_name(window) == "img_001.jpg"
    press(qtbot, K.Key_1)  # labels img_001, moves to img_002
    press(qtbot, K.Key_Backspace)
    press(qtbot, K.Key_0)
    assert db.label("img_001.jpg") is None
    press(qtbot, K.Key_2)
    press(qtbot, K.Key_Backspace)
    press(qtbot, K.Key_Delete)
    assert db.label("img_001.jpg") is None

    press(qtbot, K.Key_X)
    assert db.excluded() == {"img_001.jpg"}
    press(qtbot, K.Key_X)
    assert db.excluded() == set()
    press(qtbot, K.Key_X)
    press(qtbot, K.Key_Z, CTRL)
    assert db.excluded() == set()


def test_unlabeled_filter_labeled_image_leaves_and_next_becomes_current(qtbot, window, db):
    press(qtbot, K.Key_Space)
    press(qtbot, K.Key_1)  # img_001 labeled before switching filters
    window.workspace.show_filter("unlabeled")
    window.workspace.grid.setFocus()
    assert current_name(window) == "img_002.jpg"  # current image kept... or first unlabeled
    press(qtbot, K.Key_Home)
    assert current_name(window) == "img_000.jpg"
    shown = window.workspace.model.rowCount()
    press(qtbot, K.Key_2)
    assert db.label("img_000.jpg") == "dog"
    assert window.workspace.model.rowCount() == shown - 1
    assert current_name(window) == "img_002.jpg"  # img_001 was already labeled
    press(qtbot, K.Key_3)
    assert db.label("img_002.jpg") == "bird"
    assert current_name(window) == "img_003.jpg"
    # Undo brings the image back into the unlabeled view.
    press(qtbot, K.Key_Z, CTRL)
    assert db.label("img_002.jpg") is None
    assert window.workspace.model.rowCount() == shown - 1


def test_label_every_image_by_keyboard_only(qtbot, window, db):
    window.workspace.show_filter("unlabeled")
    window.workspace.grid.setFocus()
    keys = [K.Key_1, K.Key_2, K.Key_3]
    for i in range(12):
        press(qtbot, keys[i % 3])
    labels = db.labels()
    assert all(v is not None for v in labels.values())
    assert window.workspace.model.rowCount() == 0
    assert labels["img_011.jpg"] == "bird"


def test_digits_do_nothing_while_typing_in_search(qtbot, window, db):
    search = window.workspace.filter_bar.search
    qtbot.mouseClick(search, Qt.MouseButton.LeftButton)
    assert QApplication.focusWidget() is search
    qtbot.keyClicks(search, "01")
    assert set(db.labels().values()) == {None}
    assert search.text() == "01"
    qtbot.keyClick(search, K.Key_Return)
    assert window.workspace.model.rowCount() == 3  # img_001, img_010, img_011


def test_letters_label_after_shortcut_is_assigned(qtbot, window, db):
    press(qtbot, K.Key_Q)  # no class has Q yet: nothing happens
    assert db.label("img_000.jpg") is None
    window.session.set_class_shortcut(window.session.classes()[1].id, "q")
    press(qtbot, K.Key_Q)
    assert db.label("img_000.jpg") == "dog"
    assert ("dog", "q") in [(n, k) for n, k, _ in db.classes()]


def test_viewer_labels_and_advances(qtbot, window, db):
    press(qtbot, K.Key_Return)
    ws = window.workspace
    assert ws.viewer_open
    assert QApplication.focusWidget() is ws.viewer
    press(qtbot, K.Key_2)
    assert db.label("img_000.jpg") == "dog"
    assert ws.viewer.row.rel_path.endswith("img_001.jpg")
    press(qtbot, K.Key_Right)
    assert ws.viewer.row.rel_path.endswith("img_002.jpg")
    press(qtbot, K.Key_Escape)
    assert not ws.viewer_open
    assert QApplication.focusWidget() is ws.grid


def test_double_click_opens_viewer_with_flag_reason(qtbot, tmp_path):
    from tests.ui.conftest import make_project
    from studio.ui.window.main_window import MainWindow

    path = make_project(tmp_path / "p", n=3, extra=("scan.gif",))
    w = MainWindow(thumb_dir=tmp_path / "thumbs", auto_scan=False, restore_layout=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    assert w.open_path(path)
    ws = w.workspace
    ws.show_filter("flagged")
    assert ws.model.rowCount() == 1
    grid = ws.grid
    qtbot.waitUntil(lambda: not grid.visualRect(ws.model.index(0, 0)).isEmpty())
    rect = grid.visualRect(ws.model.index(0, 0))
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert ws.viewer_open
    assert "GIF" in ws.viewer.info.status_text.text()
    assert "JPEG or PNG" in ws.viewer.info.status_text.text()
    w.close()


def test_cheat_sheet_and_quit(qtbot, window):
    press(qtbot, K.Key_F1)
    sheet = window.cheat_sheet
    assert sheet.isVisible()
    sheet.close()
    press(qtbot, K.Key_Question, SHIFT)
    assert window.cheat_sheet is not sheet and window.cheat_sheet.isVisible()
    window.cheat_sheet.close()
    window.workspace.grid.setFocus()
    press(qtbot, K.Key_Q, CTRL)
    assert not window.isVisible()


def test_select_all_then_one_key_labels_everything(qtbot, window, db):
    press(qtbot, K.Key_A, CTRL)
    press(qtbot, K.Key_3)
    assert set(db.labels().values()) == {"bird"}
    press(qtbot, K.Key_Z, CTRL)
    assert set(db.labels().values()) == {None}
