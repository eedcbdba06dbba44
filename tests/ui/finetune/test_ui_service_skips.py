"""Images the fine-tuning service skipped: filtered, and unmarked by the user from the Label menu."""

from __future__ import annotations

import sqlite3


from studio.ui.window.main_window import MainWindow


def _mark(project, names: list[str]) -> None:
    conn = sqlite3.connect(project)
    for name in names:
        conn.execute("UPDATE images SET service_skip = 'contains people or faces' WHERE rel_path = ?", (name,))
    conn.commit()
    conn.close()


def _marked(project) -> set[str]:
    conn = sqlite3.connect(f"file:{project}?mode=ro", uri=True)
    try:
        return {r[0] for r in conn.execute("SELECT rel_path FROM images WHERE service_skip IS NOT NULL")}
    finally:
        conn.close()


def test_skipped_filter_and_clearing_the_mark(qtbot, tmp_path, project):
    _mark(project, ["img_002.jpg", "img_005.jpg"])
    w = MainWindow(thumb_dir=tmp_path / "thumbs", auto_scan=False, restore_layout=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    assert w.open_path(project)

    w.workspace.show_filter("skipped")
    qtbot.waitUntil(lambda: w.workspace.model.rowCount() == 2)
    assert w.workspace.controller.current_image().rel_path == "img_002.jpg"

    w.label_menu.aboutToShow.emit()  # the menu is filled when it opens
    action = next(a for a in w.label_menu.actions() if a.text().startswith("Clear the service"))
    action.trigger()
    assert _marked(project) == {"img_005.jpg"}
    qtbot.waitUntil(lambda: w.workspace.model.rowCount() == 1)
    w.close()
