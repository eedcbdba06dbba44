"""The run view and its heat map show exactly the numbers of the result they are given, and a click on
a heat map cell names the true class and the answer of that cell."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from studio.ui.evaluation.confusion import ConfusionHeatmap, cell_color
from studio.ui.evaluation.run_view import RunResultsView

RESULT = {
    "run_id": 7,
    "model": "gpt-4o-2024-08-06",
    "split": "test",
    "n": 20,
    "accuracy": 0.75,
    "accuracy_ci95": [0.531, 0.888],
    "macro_f1": 0.7321,
    "unparseable": 2,
    "per_class": {
        "cat": {"precision": 0.8, "recall": 0.8, "f1": 0.8, "support": 10},
        "dog": {"precision": 0.875, "recall": 0.7, "f1": 0.7778, "support": 10},
        "bird": {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0},
    },
    "confusion": {"labels": ["cat", "dog", "bird"], "matrix": [[8, 1, 0, 1], [2, 7, 0, 1], [0, 0, 0, 0]]},
    "usage": {"prompt_tokens": 12345, "completion_tokens": 40},
    "cost_usd": None,
}


def test_run_view_shows_the_result(qtbot):
    view = RunResultsView()
    qtbot.addWidget(view)
    view.set_result(RESULT)
    assert view.accuracy.text() == "75 %  (95 % interval 53 \u2013 89 %)"
    assert view.macro_f1.text() == "0.73"
    assert view.unparseable.text() == "2 of 20 (counted as wrong)"
    assert view.usage.text() == "12,345 in, 40 out"
    assert view.cost.text() == "no price known"
    model = view.per_class_model
    assert model.rowCount() == 3
    assert [model.index(r, 0).data() for r in range(3)] == ["cat", "dog", "bird"]
    assert model.index(1, 2).data() == "0.70"  # dog recall
    assert model.index(2, 1).data() == "0.00"  # never predicted: precision 0
    assert model.index(0, 4).data() == "10"


def test_heatmap_click_names_the_cell(qtbot):
    view = RunResultsView()
    qtbot.addWidget(view)
    view.set_result(RESULT)
    heat = view.heatmap
    assert heat.confusion.rowCount() == 3 and heat.confusion.columnCount() == 4
    assert heat.confusion.headerData(3, Qt.Orientation.Horizontal) == "(no class)"
    assert heat.confusion.index(1, 0).data() == "2"
    assert heat.confusion.index(2, 2).data() == "\u00b7"  # empty cell
    with qtbot.waitSignal(view.show_cell) as blocker:
        heat.clicked.emit(heat.confusion.index(1, 0))
    assert blocker.args == [7, "dog", "cat"]
    with qtbot.waitSignal(view.show_cell) as blocker:
        heat.clicked.emit(heat.confusion.index(0, 3))
    assert blocker.args == [7, "cat", None]


def test_heat_colour_grows_with_the_share():
    light_err = cell_color(0.1, False, False)
    strong_err = cell_color(0.9, False, False)
    assert strong_err.red() > strong_err.green()
    assert strong_err.green() < light_err.green()  # stronger share, deeper red
    good = cell_color(0.8, True, False)
    assert good.green() > good.red()
    assert cell_color(0.0, True, False).name() == "#ffffff"


def test_bad_matrix_is_refused(qtbot):
    heat = ConfusionHeatmap()
    qtbot.addWidget(heat)
    with pytest.raises(ValueError):
        heat.set_matrix(["a", "b"], [[1, 2], [3, 4]])  # missing the "no class" column


def test_empty_view_disables_actions(qtbot):
    view = RunResultsView()
    qtbot.addWidget(view)
    assert not view.export_button.isEnabled()
    view.set_result(RESULT)
    assert view.export_button.isEnabled()
    with qtbot.waitSignal(view.export_requested) as blocker:
        view.export_button.click()
    assert blocker.args == [7]
