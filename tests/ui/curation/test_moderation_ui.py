"""The moderation warning in the real window: the background stage after the scan, the grid badge,
the filter, the checks panel, the viewer's boxes and "This flag is wrong", and the wizard's warning
with "Leave them out". Real photos of people (the demo's), real SQLite, real widgets."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from memory_keyring import memory_keyring  # noqa: F401 - autouse fixture
from PIL import Image
from PySide6.QtCore import Qt

from studio.core.curation.moderation_stage import run_moderation
from studio.core.finetune_data import DatasetSummary, skip_risk_text
from studio.core.scan.project_scan import scan_project
from studio.core.splits.project_splits import set_split_fractions
from studio.core.store.moderation_flags import SKIP_LIMIT
from studio.core.store.project_store import ProjectStore
from studio.resource_paths import resource_path
from studio.ui.window.main_window import MainWindow
from tests.ui.conftest import Db

PEOPLE = resource_path("demo", "people")


def _folder(tmp_path: Path, plain: int = 6) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    shutil.copy(PEOPLE / "astronaut.jpg", folder / "visitor.jpg")
    shutil.copy(PEOPLE / "astronaut-portrait.jpg", folder / "portrait.jpg")
    for i in range(plain):
        im = Image.linear_gradient("L").resize((200, 150)).convert("RGB")
        Image.blend(im, Image.new("RGB", im.size, (30 * i, 120, 90)), 0.5).save(folder / f"leaf_{i:02d}.jpg")
    return folder


def _window(qtbot, tmp_path, **kw) -> MainWindow:
    w = MainWindow(thumb_dir=tmp_path / "thumbs", restore_layout=False, **kw)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _dismissed(project: Path) -> int:
    return Db(project)._q("SELECT count(*) FROM moderation_dismissed")[0][0]


def test_stage_runs_after_the_scan_and_every_view_shows_the_warning(qtbot, tmp_path):
    folder = _folder(tmp_path)
    w = _window(qtbot, tmp_path)
    assert w.open_path(folder)
    qtbot.waitUntil(lambda: w.session.counts.likely_skipped_total == 2 and not w.moderation.running, timeout=90000)
    ws = w.workspace
    report = w.moderation.last_report
    assert report is not None and report.faces == 2 and report.per_second > 0

    # Grid: the two people photos carry the badge's data and say why in their tooltip.
    rows = {ws.model.row_at(r).rel_path: r for r in range(ws.model.rowCount())}
    visitor = ws.model.row_at(rows["visitor.jpg"])
    assert visitor.moderation == "face" and ws.model.row_at(rows["leaf_00.jpg"]).moderation is None
    tip = ws.model.data(ws.model.index(rows["visitor.jpg"], 0), Qt.ItemDataRole.ToolTipRole)
    assert "Likely skipped by the service's moderation" in tip

    # Checks panel counts them (a warning line of its own); clicking it filters the grid.
    checks = w.checks_dock.widget()
    items = [checks.list.item(i) for i in range(checks.list.count())]
    line = next(i for i in items if i.data(Qt.ItemDataRole.UserRole) == "moderation")
    assert "Likely skipped by moderation — 2" in line.text()
    checks.list.itemClicked.emit(line)
    qtbot.waitUntil(lambda: ws.model.rowCount() == 2)
    assert {ws.model.row_at(r).rel_path for r in range(2)} == {"visitor.jpg", "portrait.jpg"}
    assert ws.filter_bar.current_key() == "moderation"
    assert "(2)" in ws.filter_bar.show_combo.currentText()
    assert w.messages.has("moderation")
    assert any("2 images show faces or people" in t for t in w.messages.texts())

    # Viewer: boxes over the face; "This flag is wrong" is kept in the project and updates the views.
    ws.show_filter("all")
    qtbot.waitUntil(lambda: ws.model.rowCount() == 8)
    rows = {ws.model.row_at(r).rel_path: r for r in range(ws.model.rowCount())}
    ws.controller.go_to_row(rows["visitor.jpg"])
    ws.show_viewer()
    section = w.moderation.section
    qtbot.waitUntil(lambda: section.isVisible())
    overlay = ws.viewer.canvas.overlay
    assert overlay and overlay[0][1] == "face"
    frac = overlay[0][0]
    assert 0.25 < frac.x() < 0.45 and 0.05 < frac.y() < 0.25 and 0.1 < frac.width() < 0.3  # her face
    assert section.button.text() == "This flag is wrong"
    qtbot.mouseClick(section.button, Qt.MouseButton.LeftButton)
    assert _dismissed(w.session.path) == 1
    assert w.session.counts.likely_skipped_total == 1
    assert ws.viewer.canvas.overlay == []
    assert section.button.text() == "Flag it again"
    qtbot.mouseClick(section.button, Qt.MouseButton.LeftButton)
    assert _dismissed(w.session.path) == 0 and w.session.counts.likely_skipped_total == 2
    w.close()


def test_labeling_goes_on_while_the_stage_runs(qtbot, tmp_path):
    folder = _folder(tmp_path, plain=10)
    w = _window(qtbot, tmp_path)
    assert w.open_path(folder)
    qtbot.waitUntil(lambda: w.moderation.running, timeout=60000)
    w.session.add_class("leaf")
    ws = w.workspace
    ws.grid.setFocus()
    qtbot.keyClick(ws.grid, Qt.Key.Key_1)  # label while the detector works
    assert sum(1 for v in Db(w.session.path).labels().values() if v == "leaf") == 1
    qtbot.waitUntil(lambda: not w.moderation.running, timeout=90000)
    assert w.session.counts.likely_skipped_total == 2
    w.close()


@pytest.fixture
def labeled_project(tmp_path) -> Path:
    folder = _folder(tmp_path, plain=12)
    path = tmp_path / "p.studio"
    with ProjectStore.create(path, [folder]) as store:
        scan_project(store, deep=True)
        a, b = store.add_class("plant"), store.add_class("person")
        ids = {r.rel_path: r.id for r in store.iter_images()}
        store.set_label([i for n, i in ids.items() if n.startswith("leaf_0")], a.id)
        store.set_label([i for n, i in ids.items() if not n.startswith("leaf_0")], b.id)
        run_moderation(store)
        # No held-out test split here: only uploaded examples are at risk, and both people photos should be.
        set_split_fractions(store, test_fraction=0.0)
    return path


def test_wizard_counts_examples_at_risk_and_leaves_them_out_in_one_click(qtbot, labeled_project):
    from studio.ui.finetune.controller import FinetuneController
    from studio.ui.finetune.wizard.wizard import FinetuneWizard
    from studio.ui.labeling.session import ProjectSession

    session = ProjectSession(ProjectStore.open(labeled_project))
    controller = FinetuneController(session)
    try:
        wizard = FinetuneWizard(controller)
        qtbot.addWidget(wizard)
        wizard.show()
        page = wizard.dataset_page
        qtbot.waitUntil(lambda: page.summary is not None, timeout=10000)
        assert page.summary.likely_skipped == 2
        assert page.skip_box.isVisible()
        assert "2 examples show faces or people" in page.skip_label.text()
        qtbot.mouseClick(page.leave_out_button, Qt.MouseButton.LeftButton)
        assert Db(labeled_project).excluded() == {"visitor.jpg", "portrait.jpg"}
        qtbot.waitUntil(lambda: page.summary is not None and page.summary.likely_skipped == 0, timeout=10000)
        assert not page.skip_box.isVisible()
        session.undo_stack.undo()  # one undo brings them back
        assert Db(labeled_project).excluded() == set()
        wizard.close()
    finally:
        controller.close()
        session.close()


def test_the_warning_gets_loud_near_and_past_the_services_skip_limit():
    def summary(n: int) -> DatasetSummary:
        return DatasetSummary([], {}, [], 0, 0, 0, likely_skipped_ids=list(range(n)))

    assert summary(0).skip_risk is None
    assert summary(3).skip_risk == "some"
    assert summary(150).skip_risk == "near" and summary(SKIP_LIMIT).skip_risk == "near"
    assert summary(SKIP_LIMIT + 1).skip_risk == "over"
    assert "close to the 200 skips" in skip_risk_text(160)
    assert "fails the whole job" in skip_risk_text(250)
