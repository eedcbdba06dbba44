"""The comparison lays out runs and a pair's paired result exactly as given, and asks for the pair the
user picked (B against A)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from studio.ui.evaluation.comparison_view import ComparisonView


def _run(acc, lo, hi, n=40, f1=0.5):
    return {"n": n, "accuracy": acc, "accuracy_ci95": [lo, hi], "macro_f1": f1, "unparseable": 1, "cost_usd": 0.5}


RUNS = [
    (1, "Base gpt-4o, zero-shot", _run(0.55, 0.40, 0.69)),
    (2, "Tuned ft:gpt-4o:demo", _run(0.9, 0.77, 0.96, f1=0.88)),
]
COMPARISON = {"n_paired": 40, "accuracy_a": 0.55, "accuracy_b": 0.9, "diff": 0.35, "diff_ci95": [0.2, 0.5],
              "mcnemar_p": 0.00012, "verdict": "The tuned model is better by 35 points (95 % interval 20 to 50); "
              "chance is an unlikely explanation."}


def test_runs_side_by_side(qtbot):
    view = ComparisonView()
    qtbot.addWidget(view)
    view.set_runs(RUNS)
    m = view.model
    assert m.rowCount() == 2
    assert [m.index(1, c).data() for c in range(7)] == [
        "Tuned ft:gpt-4o:demo", "40", "90 %", "77 \u2013 96 %", "0.88", "1", "$0.50"]
    assert [e[0] for e in view.bars.entries] == ["Base gpt-4o, zero-shot", "Tuned ft:gpt-4o:demo"]
    # oldest run is "A" (before), newest "B"
    assert view.pair() == (1, 2)
    assert view.compare_button.isEnabled()


def test_compare_asks_for_the_pair_and_shows_the_verdict(qtbot):
    view = ComparisonView()
    qtbot.addWidget(view)
    view.set_runs(RUNS)
    with qtbot.waitSignal(view.compare_requested) as blocker:
        view.compare_button.click()
    assert blocker.args == [1, 2]
    view.set_comparison(COMPARISON)
    assert view.verdict.text().startswith("The tuned model is better by 35 points")
    assert view.diff.text() == "+35 points  (95 % interval +20 to +50 points)  \u2014 A 55 %, B 90 %"
    assert view.mcnemar.text() == "< 0.001"
    assert view.paired_n.text() == "40"


def test_same_run_twice_cannot_be_compared(qtbot):
    view = ComparisonView()
    qtbot.addWidget(view)
    view.set_runs(RUNS)
    view.combo_b.setCurrentIndex(0)
    assert not view.compare_button.isEnabled()
    assert "two" in view.verdict.text()
    view.set_runs(RUNS[:1])
    assert not view.compare_button.isEnabled()


def test_runs_table_is_a_sound_model_and_double_click_picks_the_run(qtbot, qtmodeltester):
    view = ComparisonView()
    qtbot.addWidget(view)
    view.set_runs(RUNS)
    qtmodeltester.check(view.model, force_py=True)
    assert "95 % confidence" in view.model.headerData(3, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    with qtbot.waitSignal(view.run_chosen) as chosen:
        view.table.doubleClicked.emit(view.model.index(1, 0))
    assert chosen.args == [2]
    view.set_runs([])
    qtmodeltester.check(view.model, force_py=True)
