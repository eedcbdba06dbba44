"""The grid view places tiles by arithmetic: hit tests, scrolling, keyboard moves and selection agree
with what is drawn, at 100,000 rows, and removing a row never makes it lay out the whole list."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, QPoint, QRect, QSize, QStringListModel, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView

from studio.ui.grid.view import ImageGridView

N = 100_000


@pytest.fixture
def view(qtbot):
    model = QStringListModel([""] * N)
    v = ImageGridView()
    v.setModel(model)
    qtbot.addWidget(v)
    v.resize(1000, 700)
    v.show()
    qtbot.waitExposed(v)
    v.setGridSize(QSize(200, 250))
    return v


def test_geometry_hit_tests_and_scrolling_agree(view):
    model = view.model()
    cols = view.columns()
    assert cols == view.viewport().width() // 200
    assert view.verticalScrollBar().maximum() == -(-N // cols) * 250 - view.viewport().height()
    for row in (0, 1, cols - 1, cols, N // 2, N - 1):
        index = model.index(row, 0)
        view.scrollTo(index)
        rect = view.visualRect(index)
        assert view.viewport().rect().contains(rect.center()), row
        assert view.indexAt(rect.center()).row() == row
        assert row in view.visible_rows()
    assert not view.indexAt(QPoint(cols * 200 + 5, 10)).isValid()  # right of the last column


def test_keyboard_moves_in_the_grid(view):
    model, cols = view.model(), view.columns()
    view.setFocus()
    view.setCurrentIndex(model.index(0, 0))
    QTest.keyClick(view, Qt.Key.Key_Right)
    assert view.currentIndex().row() == 1
    QTest.keyClick(view, Qt.Key.Key_Down)
    assert view.currentIndex().row() == 1 + cols
    QTest.keyClick(view, Qt.Key.Key_Up)
    QTest.keyClick(view, Qt.Key.Key_Up)  # already in the first line: stays
    assert view.currentIndex().row() == 1
    QTest.keyClick(view, Qt.Key.Key_End)
    assert view.currentIndex().row() == N - 1
    assert view.indexAt(view.visualRect(view.currentIndex()).center()).row() == N - 1  # scrolled there
    QTest.keyClick(view, Qt.Key.Key_Home)
    assert view.currentIndex().row() == 0 and view.verticalScrollBar().value() == 0


def test_shift_selection_runs_in_reading_order(view):
    model, cols = view.model(), view.columns()
    view.setFocus()
    view.setCurrentIndex(model.index(cols - 1, 0))  # the last tile of the first line
    QTest.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)  # wraps to the next line
    QTest.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert sorted(i.row() for i in view.selectionModel().selectedIndexes()) == [cols - 1, cols, cols + 1]


def test_select_all_repaints_one_screen_not_every_row(view):
    view.selectAll()
    region = view.visualRegionForSelection(view.selectionModel().selection())
    assert view.viewport().rect().adjusted(0, 0, 0, 250).contains(region.boundingRect())
    assert len(view.selectionModel().selection()) == 1


def test_removing_rows_keeps_the_geometry_right(view):
    """What labeling in the "Unlabeled" view does on each key press (its speed: benchmarks/bench_ui.py)."""
    model = view.model()
    row = N // 2
    view.selectionModel().setCurrentIndex(model.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect)
    view.scrollTo(model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtCenter)
    top = view.verticalScrollBar().value()
    for _ in range(5):
        model.removeRows(row, 1)
        view.selectionModel().setCurrentIndex(model.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect)
        view.scrollTo(model.index(row, 0))
    rect = view.visualRect(model.index(row, 0))
    assert view.indexAt(rect.center()).row() == row and view.currentIndex().row() == row
    assert abs(view.verticalScrollBar().value() - top) < 250  # the next image is where the labeled one was
    assert view.viewport().rect().contains(rect.center())
    assert view.verticalScrollBar().maximum() == -(-(N - 5) // view.columns()) * 250 - view.viewport().height()


def test_a_drag_selects_from_the_pressed_tile_to_the_one_under_the_mouse(view):
    model = view.model()
    view.setFocus()
    start = view.visualRect(model.index(2, 0)).center()
    end = view.visualRect(model.index(4, 0)).center()
    view.setSelection(QRect(start, end), QItemSelectionModel.SelectionFlag.ClearAndSelect)
    assert sorted(i.row() for i in view.selectionModel().selectedIndexes()) == [2, 3, 4]
    view.setSelection(QRect(end, start), QItemSelectionModel.SelectionFlag.ClearAndSelect)  # dragged backwards
    assert sorted(i.row() for i in view.selectionModel().selectedIndexes()) == [2, 3, 4]
