"""The app around the grid: entry point, opening folders, scanning, banners, start screen, layout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QPushButton

from studio import __version__
from studio.ui.window.main_window import MainWindow
from tests.ui.conftest import Db, make_project, write_images

K = Qt.Key
REPO = Path(__file__).resolve().parents[3]


def new_window(qtbot, tmp_path, **kw) -> MainWindow:
    w = MainWindow(thumb_dir=tmp_path / "thumbs", restore_layout=False, **kw)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_version(capsys):
    from studio.ui.app.main import main

    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_self_test_reports_json_and_exit_code(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    report_file = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, "-m", "studio.ui.app.main", "--self-test", "--report", str(report_file)],
        capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path,
    )
    report = json.loads(proc.stdout)
    assert json.loads(report_file.read_text()) == report  # for windowed builds, which have no stdout
    assert proc.returncode == 0, report
    assert report["ok"] is True
    assert set(report["checks"]) >= {"resources", "qt_image_formats", "qt_charts", "ca_bundle", "demo_project"}
    assert report["checks"]["demo_project"]["detail"]["flagged"] >= 3


def test_open_folder_creates_project_next_to_it_and_streams_images(qtbot, tmp_path):
    folder = tmp_path / "photos"
    write_images(folder, ["a.jpg", "b.jpg", "c.jpg", "old.gif"])
    w = new_window(qtbot, tmp_path)
    assert w.open_path(folder)
    project = tmp_path / "photos.studio"
    assert project.is_file()
    qtbot.waitUntil(lambda: w.workspace.model.rowCount() == 4 and w.session.counts.flagged_total == 1, timeout=20000)
    qtbot.waitUntil(lambda: not w.status.busy, timeout=20000)
    assert w.workspace.grid.currentIndex().row() == 0
    w.session.add_class("thing")
    w.workspace.grid.setFocus()
    qtbot.keyClick(w.workspace.grid, K.Key_1)
    assert Db(project).label("a.jpg") == "thing"
    # Opening the same folder again reuses its project (and its labels).
    w.close_project()
    assert w.open_path(folder)
    assert Db(project).label("a.jpg") == "thing"
    qtbot.waitUntil(lambda: not w.status.busy, timeout=20000)
    w.close()


def test_moved_folder_banner_and_locate(qtbot, tmp_path, monkeypatch):
    project = make_project(tmp_path, n=3)
    (tmp_path / "images").rename(tmp_path / "moved")
    w = new_window(qtbot, tmp_path, auto_scan=False)
    assert w.open_path(project)
    assert any("was not found" in t for t in w.messages.texts())
    locate = next(b for b in w.messages.findChildren(QPushButton) if b.text() == "Locate…")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path / "moved"))
    qtbot.mouseClick(locate, Qt.MouseButton.LeftButton)
    assert not any("was not found" in t for t in w.messages.texts())
    assert any("Found 3" in t for t in w.messages.texts())
    qtbot.waitUntil(lambda: not w.status.busy, timeout=20000)
    with_root = Db(project)._q("SELECT path FROM roots")
    assert with_root == [(str((tmp_path / "moved").resolve()),)]
    w.close()


def test_read_only_project_banner_and_refused_label(qtbot, tmp_path):
    project = make_project(tmp_path, n=3)
    w = new_window(qtbot, tmp_path, auto_scan=False)
    assert w.open_path(project, read_only=True)
    assert any("read-only" in t for t in w.messages.texts())
    assert "(read-only)" in w.windowTitle()
    w.workspace.grid.setFocus()
    qtbot.keyClick(w.workspace.grid, K.Key_1)
    assert set(Db(project).labels().values()) == {None}
    assert any("not made" in t or "read-only" in t for t in w.messages.texts())
    assert QApplication.activeModalWidget() is None  # a banner, never a blocking dialog
    w.close()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # QDragEnterEvent's only constructor
def test_start_screen_recent_projects_and_drop_a_folder(qtbot, tmp_path):
    project = make_project(tmp_path, n=2)
    w = new_window(qtbot, tmp_path, auto_scan=False)
    assert w.pages.currentWidget() is w.start
    assert w.open_path(project)
    w.close_project()
    assert w.pages.currentWidget() is w.start
    assert w.start.recent.count() == 1 and w.start.recent.item(0).toolTip() == str(project.resolve())

    folder = tmp_path / "dropped"
    write_images(folder, ["x.jpg"])
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime, buttons, mods)
    assert QApplication.sendEvent(w.start, enter) and enter.isAccepted()
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, buttons, mods)
    assert QApplication.sendEvent(w.start, drop)
    qtbot.waitUntil(lambda: w.session is not None, timeout=5000)
    assert w.session.path == tmp_path / "dropped.studio"
    qtbot.waitUntil(lambda: not w.status.busy, timeout=20000)
    w.close()


def test_window_layout_is_remembered(qtbot, tmp_path):
    w = new_window(qtbot, tmp_path, auto_scan=False)
    w.resize(700, 520)
    w.close()
    assert QSettings().value("window/geometry") is not None
    w2 = MainWindow(thumb_dir=tmp_path / "thumbs", auto_scan=False)
    qtbot.addWidget(w2)
    assert (w2.width(), w2.height()) == (700, 520)
    w2.close()


def test_scan_can_be_cancelled_from_the_status_bar(qtbot, tmp_path):
    folder = tmp_path / "many"
    write_images(folder, [f"f{i:03d}.jpg" for i in range(150)])
    w = new_window(qtbot, tmp_path)
    assert w.open_path(folder)
    assert w.status.cancel_button.isVisible()
    qtbot.mouseClick(w.status.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not w.status.busy, timeout=30000)
    assert not w.status.cancel_button.isVisible()
    assert "Scan cancelled" in w.status.currentMessage()
    assert w.session is not None  # the window is still there and usable
    w.close()


def test_demo_flag_opens_the_demo_project_ready_for_labeling(qtbot, tmp_path, monkeypatch):
    from studio.ui.app import main as app_module

    from studio.ui.app import settings as app_settings

    monkeypatch.setattr(app_settings, "data_dir", lambda: tmp_path)
    args, _ = app_module._parse(["--demo", "--no-scan"])
    w = app_module.open_window(args)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.session is not None and w.workspace.model.rowCount() > 50, timeout=60000)
    assert w.session.path.parent.parent == tmp_path
    assert "Demo" in w.windowTitle()
    w.close()
