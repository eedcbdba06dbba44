"""Evaluating again on a real project file: choices whose every image is already answered offer
nothing to pay for; a run whose process was killed (stored as "running") reads as interrupted, its
estimate counts only the unanswered images, and Start carries it on against the demo service
without asking an answered image again.

The project (tests/ui/evaluation/conftest.py) has two completed runs over all twelve images: base
gpt-4o zero-shot, and a tuned model. Half the images are put into the test split here."""

from __future__ import annotations

import time

import pytest
from PySide6.QtGui import QTextDocument

from eval_ui_flow import demo_service
from studio.core.evaluation.records import EvalAnswer, EvalRunSpec
from studio.core.splits.project_splits import image_splits, set_split_fractions
from studio.core.store.evaluations import EvaluationRepository
from studio.core.store.project_store import ProjectStore
from studio.service.profile import ServiceProfile
from studio.ui.evaluation.integration import install_evaluation
from studio.ui.window.main_window import MainWindow

BASE_41 = "gpt-4.1-2025-04-14"
ANSWERED = 2


def _plain(label) -> str:
    doc = QTextDocument()
    doc.setHtml(label.text())
    return doc.toPlainText()


def _test_split(path) -> list[int]:
    with ProjectStore.open(path) as store:
        set_split_fractions(store, 0.0, 0.5)
        return sorted(i for i, s in image_splits(store).items() if s.value == "test")


def _killed_run(path, test_ids: list[int]) -> int:
    """A gpt-4.1 zero-shot run on the test split whose process died after ANSWERED answers: it is
    stored as "running", as a killed app leaves it."""
    with ProjectStore.open(path) as store:
        repo = EvaluationRepository(store)
        spec = EvalRunSpec(kind="zero_shot", model=BASE_41, split="test", price_input_per_1m=2.0,
                           price_output_per_1m=8.0)
        run_id = repo.create_run(spec, ServiceProfile(kind="demo").to_dict(), test_ids, [], 16, ["cat", "dog", "bird"])
        repo.set_state(run_id, "running")
        for image_id in test_ids[:ANSWERED]:
            repo.add_answer(EvalAnswer(run_id, image_id, "cat", None, 100, 2, 10.0, None, 1000.0))
        return run_id


def _window(qtbot, tmp_path, project):
    window = MainWindow(thumb_dir=tmp_path / "thumbs", auto_scan=False, restore_layout=False)
    qtbot.addWidget(window)
    window.show()
    evaluation = install_evaluation(window, None)
    assert window.open_path(project)
    return window, evaluation


def _only_zero_shot(dialog, base: str) -> None:
    dialog.base_combo.setCurrentText(base)
    for r in range(dialog.table.rowCount()):
        dialog.set_checked(r, r == 0)


@pytest.fixture
def service():
    server, clock = demo_service()
    yield server
    server.stop()
    import studio.service.demo as demo

    demo._server = None


def test_choices_already_answered_offer_nothing_to_pay(qtbot, tmp_path, project):
    _test_split(project)
    window, evaluation = _window(qtbot, tmp_path, project)
    dialog = evaluation.open_dialog()
    _only_zero_shot(dialog, "gpt-4o-2024-08-06")  # the stored "base" run answered every image
    qtbot.waitUntil(lambda: dialog.estimate is not None, timeout=20_000)
    assert dialog.estimate.nothing_to_do
    assert not dialog.start_button.isEnabled()
    assert "Nothing to do" in _plain(dialog.estimate_label)
    assert not dialog.results_button.isHidden()
    base_run = evaluation.controller.runs()[0].id
    assert dialog.estimate.done_run_ids == (base_run,)
    evaluation.project_closed()


def test_killed_run_reads_interrupted_and_resumes_without_paying_twice(qtbot, tmp_path, project, service, db):
    test_ids = _test_split(project)
    run_id = _killed_run(project, test_ids)
    window, evaluation = _window(qtbot, tmp_path, project)
    results = evaluation.open_results()
    texts = [results.run_list.item(i).text() for i in range(results.run_list.count())]
    total = len(test_ids)
    assert any(f"interrupted \u2014 resume to finish ({ANSWERED} of {total} answered)" in t for t in texts), texts
    assert db._q("SELECT state FROM eval_runs WHERE id = ?", (run_id,))[0][0] == "running"  # stored state untouched

    dialog = evaluation.open_dialog()
    dialog.confirm_stop = lambda parent: True
    _only_zero_shot(dialog, BASE_41)
    qtbot.waitUntil(lambda: dialog.estimate is not None, timeout=20_000)
    remaining = total - ANSWERED
    assert dialog.estimate.requests == remaining
    assert f"{ANSWERED} of {total} images answered; only the {remaining} remaining" in _plain(dialog.estimate_label)
    assert dialog.start_button.text() == f"Start ({remaining} requests)"
    before = len(service.state.requests_matching("POST", "chat/completions"))
    with qtbot.waitSignal(evaluation.controller.plan_finished, timeout=60_000) as done:
        dialog.start_button.click()
    assert done.args[0] == [run_id]  # carried on, no new run
    assert len(service.state.requests_matching("POST", "chat/completions")) - before == remaining
    answers = db._q("SELECT image_id, answered_at FROM eval_answers WHERE run_id = ? ORDER BY image_id", (run_id,))
    assert len(answers) == total
    assert all(at == 1000.0 for image_id, at in answers if image_id in test_ids[:ANSWERED])  # kept as they were
    assert db._q("SELECT state FROM eval_runs WHERE id = ?", (run_id,))[0][0] == "completed"
    evaluation.project_closed()
