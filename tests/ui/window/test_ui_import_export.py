"""Label import with a preview, and export, through the File menu's actions."""

from __future__ import annotations

import csv

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel

from tests.ui.panels.test_ui_classes import answer_modal, back_to_grid

K = Qt.Key


def write_csv(path, rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["path", "label"])
        w.writerows(rows)


def test_import_csv_shows_preview_then_applies_and_undo_reverts(qtbot, window, db, tmp_path, monkeypatch):
    back_to_grid(qtbot, window)
    qtbot.keyClick(window.workspace.grid, K.Key_2)  # img_000 is "dog" before the import
    source = tmp_path / "labels.csv"
    write_csv(source, [("img_000.jpg", "cat"), ("images/img_001.jpg", "fish"), ("nothere.jpg", "dog")])
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(source), "CSV files (*.csv)"))
    seen = {}

    def inspect_and_apply(dialog):
        texts = " ".join(lab.text() for lab in dialog.findChildren(QLabel))
        seen["texts"] = texts
        seen["rows"] = dialog.table.rowCount()
        seen["button"] = dialog.apply_button.text()
        assert db.label("img_000.jpg") == "dog"  # nothing written while the preview is open
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)

    answer_modal(qtbot, inspect_and_apply)
    window.action_import_csv.trigger()
    assert "fish" in seen["texts"] and "new class" in seen["texts"]
    assert "not in this project" in seen["texts"]
    assert seen["rows"] == 2
    assert seen["button"] == "Apply 2 changes"
    labels = db.labels()
    assert labels["img_000.jpg"] == "cat" and labels["img_001.jpg"] == "fish"
    assert "fish" in [n for n, _, _ in db.classes()]

    grid = back_to_grid(qtbot, window)
    qtbot.keyClick(grid, K.Key_Z, Qt.KeyboardModifier.ControlModifier)
    labels = db.labels()
    assert labels["img_000.jpg"] == "dog" and labels["img_001.jpg"] is None


def test_import_cancel_changes_nothing(qtbot, window, db, tmp_path, monkeypatch):
    source = tmp_path / "labels.csv"
    write_csv(source, [("img_003.jpg", "bird")])
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(source), ""))
    answer_modal(qtbot, lambda dialog: dialog.reject())
    window.action_import_csv.trigger()
    assert set(db.labels().values()) == {None}


def test_unreadable_csv_is_a_banner_not_a_crash(qtbot, window, db, tmp_path, monkeypatch):
    source = tmp_path / "bad.csv"
    source.write_bytes(b"\xff\xfe\x00garbage")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(source), ""))
    window.action_import_csv.trigger()
    assert QApplication.activeModalWidget() is None
    assert any("bad.csv" in t for t in window.messages.texts())


def test_import_from_class_subfolders(qtbot, tmp_path, monkeypatch):
    from studio.core.scan.project_scan import scan_project
    from studio.core.store.project_store import ProjectStore
    from studio.ui.window.main_window import MainWindow
    from tests.ui.conftest import Db, write_images

    folder = tmp_path / "sorted"
    write_images(folder, ["cats/a.jpg", "cats/b.jpg", "dogs/c.jpg"])
    path = tmp_path / "sorted.studio"
    with ProjectStore.create(path, [folder]) as store:
        scan_project(store, deep=False)
    w = MainWindow(thumb_dir=tmp_path / "thumbs", auto_scan=False, restore_layout=False)
    qtbot.addWidget(w)
    w.show()
    assert w.open_path(path)
    answer_modal(qtbot, lambda dialog: dialog.accept())
    w.action_import_folders.trigger()
    assert Db(path).labels() == {"a.jpg": "cats", "b.jpg": "cats", "c.jpg": "dogs"}
    w.close()


def test_export_csv(qtbot, window, tmp_path, monkeypatch):
    grid = back_to_grid(qtbot, window)
    qtbot.keyClick(grid, K.Key_1)
    qtbot.keyClick(grid, K.Key_3)
    out = tmp_path / "out.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    window.action_export_csv.trigger()
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0][:2] == ["path", "label"]
    assert [r[:2] for r in rows[1:]] == [["img_000.jpg", "cat"], ["img_001.jpg", "bird"]]
    assert any("Exported 2" in t for t in window.messages.texts())
