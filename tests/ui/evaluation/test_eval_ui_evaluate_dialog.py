"""The Evaluate dialog: nothing starts before the estimate for exactly the current choices has
arrived; Azure needs a deployment per model; progress and cancel reach the user.

The controller here is a stand-in with the real controller's signals (the end-to-end test drives the
real one against the emulator); it records what the dialog asked for."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal

from studio.ui.evaluation.evaluate_dialog import EvaluateDialog
from studio.ui.evaluation.plan import CHECKPOINT, FEW_SHOT, FINE_TUNED, ZERO_SHOT, ModelChoice, PlanEstimate, PlanProgress

BASES = ("gpt-4o-2024-08-06", "gpt-4.1-2025-04-14")
CHOICES = [
    ModelChoice(FINE_TUNED, "ft:gpt-4o-2024-08-06:demo::abc", "Tuned (job ftjob-1)", "ftjob-1"),
    ModelChoice(CHECKPOINT, "ft:gpt-4o-2024-08-06:demo::abc:ckpt-step-10", "Checkpoint step 10", "ftjob-1"),
]


class FakeController(QObject):
    estimate_ready = Signal(object, object, str)
    progress = Signal(object)
    run_finished = Signal(int)
    plan_finished = Signal(object)
    plan_failed = Signal(str)
    plan_cancelled = Signal()

    def __init__(self):
        super().__init__()
        self.estimates = []
        self.started = []
        self.cancels = 0

    def request_estimate(self, plan):
        self.estimates.append(plan)

    def start(self, plan):
        self.started.append(plan)

    def cancel(self):
        self.cancels += 1


def _answer(ctl, dialog, requests=40):
    plan = ctl.estimates[-1]
    ctl.estimate_ready.emit(plan, PlanEstimate(requests, 12000, 80, 0.42, (("a", 20, 6000), ("b", 20, 6000))), "")


def _dialog(qtbot, **kw):
    ctl = FakeController()
    dialog = EvaluateDialog(ctl, CHOICES, base_models=BASES, **kw)
    dialog.confirm_stop = lambda parent: True
    qtbot.addWidget(dialog)
    return ctl, dialog


def test_defaults_and_estimate_gate(qtbot):
    ctl, dialog = _dialog(qtbot)
    # base zero-shot and the newest tuned model are ticked; the test split is the default
    plan, _ = dialog.plan()
    assert [(r.kind, r.model) for r in plan.runs] == [(ZERO_SHOT, BASES[0]), (FINE_TUNED, CHOICES[0].model)]
    assert plan.split == "test"
    assert not dialog.start_button.isEnabled()
    qtbot.waitUntil(lambda: len(ctl.estimates) == 1)
    dialog.start()  # before the estimate: refused
    assert ctl.started == []
    _answer(ctl, dialog)
    assert dialog.start_button.isEnabled()
    assert "40 requests" in dialog.estimate_label.text() and "$0.42" in dialog.estimate_label.text()
    # a change invalidates the estimate; a late answer for the old choices is ignored
    old = ctl.estimates[-1]
    dialog.set_checked(dialog.row_of(CHOICES[1].model), True)
    assert not dialog.start_button.isEnabled()
    ctl.estimate_ready.emit(old, PlanEstimate(40, 1, 1, None), "")
    assert not dialog.start_button.isEnabled()
    qtbot.waitUntil(lambda: len(ctl.estimates) == 2)
    _answer(ctl, dialog, 60)
    dialog.start_button.click()
    assert len(ctl.started) == 1 and len(ctl.started[0].runs) == 3


def test_few_shot_k_and_split(qtbot):
    ctl, dialog = _dialog(qtbot, selection=[3, 4, 5])
    dialog.set_checked(1, True)
    dialog.shots.setValue(5)
    dialog.split_selection.setChecked(True)
    plan, _ = dialog.plan()
    few = [r for r in plan.runs if r.kind == FEW_SHOT][0]
    assert few.shots == 5 and few.title == f"{BASES[0]}, 5-shot"
    assert plan.split == "selection" and plan.image_ids == (3, 4, 5)
    dialog.base_combo.setCurrentIndex(1)
    plan, _ = dialog.plan()
    assert plan.runs[0].model == BASES[1]


def test_nothing_ticked_or_no_selection(qtbot):
    ctl, dialog = _dialog(qtbot)
    assert not dialog.split_selection.isEnabled()  # nothing selected in the grid
    for r in range(dialog.table.rowCount()):
        dialog.set_checked(r, False)
    assert dialog.plan()[0] is None
    assert dialog.estimate_label.text() == "Tick at least one model."


def test_azure_needs_a_deployment_per_model(qtbot):
    ctl, dialog = _dialog(qtbot, azure=True)
    assert not dialog.table.isColumnHidden(3)
    plan, problem = dialog.plan()
    assert plan is None and "deployment" in problem
    dialog.deployment_edit(0).setText("gpt4o-base")
    dialog.deployment_edit(dialog.row_of(CHOICES[0].model)).setText("tuned-dev")
    plan, _ = dialog.plan()
    assert [r.deployment for r in plan.runs] == ["gpt4o-base", "tuned-dev"]


def test_preselected_unknown_model_goes_into_the_other_row(qtbot):
    ctl, dialog = _dialog(qtbot, preselect="ft:gpt-4.1-2025-04-14:x::y")
    plan, _ = dialog.plan()
    assert [r.model for r in plan.runs] == [BASES[0], "ft:gpt-4.1-2025-04-14:x::y"]


def test_progress_cancel_and_finish(qtbot):
    ctl, dialog = _dialog(qtbot)
    qtbot.waitUntil(lambda: len(ctl.estimates) == 1)
    _answer(ctl, dialog)
    dialog.start_button.click()
    assert dialog.running and dialog.cancel_button.isVisible() is dialog.isVisible()
    ctl.progress.emit(PlanProgress(0, 2, "gpt-4o, zero-shot", 10, 20, 0.7))
    assert dialog.progress.value() == 10
    assert "Run 1 of 2" in dialog.progress_label.text() and "70 %" in dialog.progress_label.text()
    dialog.cancel_button.click()
    assert ctl.cancels == 1
    ctl.plan_cancelled.emit()
    assert not dialog.running and "kept" in dialog.progress_label.text()
    # start again (resume), then finish
    qtbot.waitUntil(lambda: dialog.start_button.isEnabled() or len(ctl.estimates) > 1)
    _answer(ctl, dialog)
    dialog.start_button.click()
    ctl.run_finished.emit(11)
    ctl.plan_finished.emit([11, 12])
    assert not dialog.running
    with qtbot.waitSignal(dialog.results_requested) as blocker:
        dialog.results_button.click()
    assert blocker.args == [[11, 12]]


def test_failure_message_is_shown(qtbot):
    ctl, dialog = _dialog(qtbot)
    qtbot.waitUntil(lambda: len(ctl.estimates) == 1)
    _answer(ctl, dialog)
    dialog.start_button.click()
    ctl.plan_failed.emit("The deployment 'x' does not exist. Deploy the model first.")
    assert "does not exist" in dialog.progress_label.text()
    assert not dialog.running


def test_listed_deployments_fill_the_azure_cells(qtbot):
    ctl, dialog = _dialog(qtbot, azure=True)
    tuned = dialog.row_of(CHOICES[0].model)
    dialog.deployment_edit(0).setText("my-base")  # typed before the list arrived: kept
    dialog.set_deployment_choices([("tuned-dev", CHOICES[0].model), ("other", "gpt-4.1-2025-04-14")])
    assert dialog.deployment_edit(0).text() == "my-base"
    assert dialog.deployment_edit(tuned).text() == "tuned-dev"  # the one deployment serving that model
    combo = dialog.deployment_combo(0)
    combo.setCurrentIndex(combo.findData("other"))  # shown as "other (serves gpt-4.1-…)"
    plan, _ = dialog.plan()
    assert [r.deployment for r in plan.runs] == ["other", "tuned-dev"]


def test_set_deployment_from_the_deployments_window(qtbot):
    ctl, dialog = _dialog(qtbot, azure=True)
    checkpoint = dialog.row_of(CHOICES[1].model)
    dialog.set_deployment(CHOICES[1].model, "ckpt-dev")
    assert dialog.is_checked(checkpoint)
    assert dialog.deployment_edit(checkpoint).text() == "ckpt-dev"
    dialog.set_deployment("ft:gpt-4.1-2025-04-14:x::z", "elsewhere")  # not one of this project's models
    assert dialog.other_edit.text() == "ft:gpt-4.1-2025-04-14:x::z"


def _plain(label):
    """What a rich-text label shows on screen (tags rendered, entities decoded)."""
    from PySide6.QtGui import QTextDocument

    doc = QTextDocument()
    doc.setHtml(label.text())
    return doc.toPlainText()


def test_progress_bar_is_full_when_the_run_finished(qtbot):
    ctl, dialog = _dialog(qtbot)
    qtbot.waitUntil(lambda: len(ctl.estimates) == 1)
    _answer(ctl, dialog)
    dialog.start_button.click()
    ctl.progress.emit(PlanProgress(1, 2, "tuned", 20, 20, 0.9))
    ctl.plan_finished.emit([11, 12])
    assert dialog.progress.isVisible() is dialog.isVisible()
    assert dialog.progress.maximum() > 0 and dialog.progress.value() == dialog.progress.maximum()


def test_tiny_cost_and_the_prices_used_read_correctly(qtbot):
    ctl, dialog = _dialog(qtbot)
    assert dialog.price_in.text() == "list price"  # no price of the user's: the list price is used
    qtbot.waitUntil(lambda: len(ctl.estimates) == 1)
    plan = ctl.estimates[-1]
    prices = (("gpt-4o, zero-shot", 2.5, 10.0, "list price"), ("Tuned", 3.75, 15.0, "list price"))
    ctl.estimate_ready.emit(plan, PlanEstimate(2, 170, 32, 0.0004, (), (), prices=prices), "")
    shown = _plain(dialog.estimate_label)
    assert "about < $0.01" in shown
    assert "gpt-4o, zero-shot: $2.50 in / $10.00 out per 1M tokens (list price)" in shown


def test_nothing_to_do_when_every_image_is_already_answered(qtbot):
    ctl, dialog = _dialog(qtbot)
    qtbot.waitUntil(lambda: len(ctl.estimates) == 1)
    plan = ctl.estimates[-1]
    done = PlanEstimate(0, 0, 0, None, (), (), carried=(("base", 18, 18), ("tuned", 18, 18)), done_run_ids=(4, 5))
    ctl.estimate_ready.emit(plan, done, "")
    assert not dialog.start_button.isEnabled() and dialog.start_button.text() == "Start"
    assert "Nothing to do" in _plain(dialog.estimate_label) and "requests" not in _plain(dialog.estimate_label)
    assert not dialog.results_button.isHidden()
    with qtbot.waitSignal(dialog.results_requested) as blocker:
        dialog.results_button.click()
    assert blocker.args == [[4, 5]]
    dialog.split_validation.setChecked(True)  # other choices: the old results are no longer the answer
    assert dialog.results_button.isHidden()


def test_resuming_says_how_many_remain(qtbot):
    ctl, dialog = _dialog(qtbot)
    qtbot.waitUntil(lambda: len(ctl.estimates) == 1)
    plan = ctl.estimates[-1]
    ctl.estimate_ready.emit(plan, PlanEstimate(11, 1100, 88, 0.01, (("base", 11, 1100),), (),
                                               carried=(("base", 7, 18),)), "")
    assert "7 of 18 images answered; only the 11 remaining" in _plain(dialog.estimate_label)
    assert dialog.start_button.isEnabled() and dialog.start_button.text() == "Start (11 requests)"
