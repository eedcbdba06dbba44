"""The issue's "done when", end to end in the real window against the demo service: a new user with
the demo project (its test share set, the rest of its images labeled) fine-tunes, evaluates the base
model zero-shot and the tuned model, reads which is better and by how much, sees the confusion
matrices, and finds the demo's planted label mistakes with the disagreement filter; fixing one
updates the counts."""

from __future__ import annotations

import pytest

from eval_ui_flow import demo_project, demo_service, fine_tune, pump
from studio.core.demo_dataset import PEOPLE_PHOTOS
from studio.ui.evaluation.integration import DISAGREE_KEY, install_evaluation
from studio.ui.evaluation.plan import FINE_TUNED, ZERO_SHOT
from studio.ui.finetune.controller import FinetuneConfig
from studio.ui.finetune.integration import install_finetune
from studio.ui.window.main_window import MainWindow

FAST = FinetuneConfig(poll_interval=0.05, file_poll_interval=0.02, request_timeout=10.0, export_workers=0)


@pytest.fixture
def service():
    server, clock = demo_service()
    yield server, clock
    server.stop()
    import studio.service.demo as demo

    demo._server = None


def test_new_user_finds_out_whether_fine_tuning_paid(qtbot, tmp_path, service):
    server, clock = service
    project, planted = demo_project(tmp_path)
    assert len(planted) == 3, "the demo plants one label mistake per shape in the test split"
    window = MainWindow(thumb_dir=tmp_path / "thumbs", auto_scan=False, restore_layout=False)
    qtbot.addWidget(window)
    window.show()
    finetune = install_finetune(window, config=FAST, confirm=lambda *a: True)
    evaluation = install_evaluation(window, finetune, concurrency=4)
    assert window.open_path(project)
    job_id, model = fine_tune(finetune, clock)

    # Fine-tune ▸ Evaluate…: base zero-shot and the new tuned model are ticked, the test split chosen
    evaluation.action_evaluate.trigger()
    dialog = evaluation.dialog
    dialog.confirm_stop = lambda parent: True
    plan, _ = dialog.plan()
    assert [(r.kind, r.model) for r in plan.runs] == [(ZERO_SHOT, "gpt-4o-2024-08-06"), (FINE_TUNED, model)]
    assert plan.split == "test"
    qtbot.waitUntil(dialog.start_button.isEnabled, timeout=20_000)  # only after the estimate
    assert "requests" in dialog.estimate_label.text()
    with qtbot.waitSignal(evaluation.controller.plan_finished, timeout=120_000) as done:
        dialog.start_button.click()
    base_run, tuned_run = done.args[0]
    dialog.results_button.click()

    results = evaluation.results
    assert results is not None and results.isVisible()
    assert results.comparison.pair() == (base_run, tuned_run)
    verdict = results.comparison.verdict.text()  # the core's sentence, shown as it is
    assert verdict == evaluation.controller.compare(base_run, tuned_run)["verdict"]
    assert "points" in verdict and "Tuned model" in verdict, verdict
    assert "chance is an unlikely explanation" in verdict, verdict  # the demo's test split is big enough
    diff = evaluation.controller.compare(base_run, tuned_run)["diff"]
    assert diff > 0.2  # the tuned model clearly beats the base model on the demo
    assert results.comparison.diff.text().startswith(f"+{diff * 100:.0f} points")

    # the tuned run's confusion matrix and the disagreement filter: the planted mistakes
    results.select_run(tuned_run)
    matrix = results.details.heatmap.confusion.matrix
    n_test = sum(sum(row) for row in matrix)
    assert n_test == evaluation.controller.result(tuned_run)["n"] > 0
    results.details.disagree_button.click()
    ws = window.workspace
    assert ws.filter_bar.current_key() == DISAGREE_KEY
    shown = {ws.model.row_at(r).rel_path for r in range(ws.model.rowCount())}
    assert set(planted) <= shown, (planted, shown)
    # besides the planted mistakes, only photos of people (they show no shape) may disagree
    assert shown - set(planted) <= {rel for rel, _name, _label in PEOPLE_PHOTOS}, shown

    # relabel one planted image as the model says: counts follow
    before = evaluation.controller.result(tuned_run)["accuracy"]
    first = next(r for r in range(ws.model.rowCount()) if ws.model.row_at(r).rel_path == planted[0])
    image_id = ws.model.id_at(first)
    answer = next(a for run, a in evaluation.controller.answers_for_image(image_id) if run.id == tuned_run)
    window.session.label([image_id], answer.predicted_class_id)
    assert ws.filter_bar.show_combo.currentText().startswith(f"Model disagrees with label ({len(shown) - 1})")
    pump(lambda: evaluation.controller.result(tuned_run)["accuracy"] > before, timeout=5)
    qtbot.waitUntil(lambda: results.comparison.model.index(1, 2).data() ==
                    f"{evaluation.controller.result(tuned_run)['accuracy'] * 100:.0f} %", timeout=5000)
    evaluation.project_closed()
    window.close()
