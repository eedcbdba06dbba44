"""The evaluation window and its hooks in the real main window, on runs stored in a real project:
exact numbers, heat-map clicks that show those images in the grid, the disagreement filter, the
viewer's answers, relabeling that updates the counts, and the CSV export."""

from __future__ import annotations

import csv

import pytest

from studio.ui.evaluation.integration import CELL_KEY, DISAGREE_KEY, install_evaluation


@pytest.fixture
def evaluation(window):
    integration = install_evaluation(window, None)
    yield integration
    integration.project_closed()


def _shown_names(window):
    model = window.workspace.model
    return sorted(model.row_at(r).rel_path for r in range(model.rowCount()))


def _run_ids(results):
    return [run.id for run in results.controller.runs()]


def test_results_show_exact_numbers_and_the_verdict(qtbot, window, evaluation):
    assert evaluation.action_evaluate.isEnabled()
    results = evaluation.open_results()
    base, tuned = _run_ids(results)
    assert results.run_list.count() == 2
    assert results.comparison.pair() == (base, tuned)
    m = results.comparison.model
    assert m.index(0, 2).data() == "50 %" and m.index(1, 2).data() == "92 %"
    assert m.index(0, 5).data() == "3"  # three answers named no class
    assert results.comparison.paired_n.text() == "12"
    assert results.comparison.diff.text().startswith("+42 points")
    assert results.comparison.verdict.text()  # the core's plain sentence
    results.select_run(base)
    details = results.details
    assert details.accuracy.text().startswith("50 %  (95 % interval")
    assert details.unparseable.text() == "3 of 12 (counted as wrong)"
    assert details.usage.text() == "1,200 in, 24 out"
    heat = details.heatmap.confusion
    # rows cat, dog, bird; columns cat, dog, bird, (no class)
    assert [[heat.index(r, c).data() for c in range(4)] for r in range(3)] == [
        ["2", "1", "\u00b7", "1"], ["1", "2", "\u00b7", "1"], ["1", "\u00b7", "2", "1"]]


def test_heat_map_cell_shows_those_images_in_the_grid(qtbot, window, evaluation):
    results = evaluation.open_results()
    base, _ = _run_ids(results)
    results.select_run(base)
    heat = results.details.heatmap
    heat.clicked.emit(heat.confusion.index(1, 0))  # true dog, answered cat
    assert window.workspace.filter_bar.current_key() == CELL_KEY
    assert _shown_names(window) == ["img_007.jpg"]
    heat.clicked.emit(heat.confusion.index(0, 3))  # true cat, no class
    assert _shown_names(window) == ["img_009.jpg"]
    assert window.workspace.filter_bar.show_combo.currentText().startswith("cat answered no class (1)")


def test_disagreement_filter_and_relabeling_updates_counts(qtbot, window, evaluation):
    results = evaluation.open_results()
    _, tuned = _run_ids(results)
    results.select_run(tuned)
    results.details.disagree_button.click()
    bar = window.workspace.filter_bar
    assert bar.current_key() == DISAGREE_KEY
    assert _shown_names(window) == ["img_011.jpg"]
    assert bar.show_combo.currentText().startswith("Model disagrees with label (1)")
    # the model was right: the label was the mistake. Relabel it as the model said.
    session = window.session
    dog = next(c.id for c in session.classes() if c.name == "dog")
    image_id = window.workspace.model.id_at(0)
    session.label([image_id], dog)
    assert bar.show_combo.currentText().startswith("Model disagrees with label (0)")
    qtbot.waitUntil(lambda: results.details.accuracy.text().startswith("100 %"), timeout=3000)
    assert results.comparison.model.index(1, 2).data() == "100 %"


def test_viewer_shows_each_runs_answer(qtbot, window, evaluation):
    ws = window.workspace
    ws.show_filter("all")
    row = next(r for r in range(ws.model.rowCount()) if ws.model.row_at(r).rel_path == "img_007.jpg")
    ws.controller.go_to_row(row)
    ws.show_viewer()
    panel = evaluation.answers_panel
    assert panel.isVisible()
    text = panel.text
    assert "gpt-4o-2024-08-06 (zero-shot): <b>cat</b>" in text and "\u2717" in text
    assert "tuned ft:gpt-4o-2024-08-06:demo::tuned1: <b>dog</b> \u2713" in text
    row9 = next(r for r in range(ws.model.rowCount()) if ws.model.row_at(r).rel_path == "img_009.jpg")
    ws.controller.go_to_row(row9)
    assert "<i>no class</i> (\u201ca llama\u201d)" in panel.text


def test_csv_export(qtbot, window, evaluation, tmp_path):
    results = evaluation.open_results()
    base, _ = _run_ids(results)
    target = tmp_path / "out.csv"
    evaluation.ask_save_path = lambda parent, caption, default: str(target)
    task = evaluation.export_run(base)
    with qtbot.waitSignal(task.finished, timeout=10_000) as blocker:
        pass
    assert blocker.args == [12]
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert len(rows) == 12
    by = {r["path"]: r for r in rows}
    assert by["img_007.jpg"]["label"] == "dog" and by["img_007.jpg"]["predicted"] == "cat"
    assert by["img_007.jpg"]["correct"] == "0"
    assert by["img_009.jpg"]["predicted"] == "" and by["img_009.jpg"]["answer"] == "a llama"
    assert sum(int(r["correct"]) for r in rows) == 6


def test_delete_run(qtbot, window, evaluation):
    results = evaluation.open_results()
    base, tuned = _run_ids(results)
    results.confirm_delete = lambda parent, name: True
    results.select_run(base)
    results.delete_button.click()
    assert _run_ids(results) == [tuned]
    assert results.run_list.count() == 1
