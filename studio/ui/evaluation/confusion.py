"""The confusion matrix as a heat map: rows are the true classes, columns the answers, plus one last
column for answers that named no class.

Colour is the share of the row (the true class), not the raw count, so a rare class's mistakes are as
visible as a common one's: correct answers are shaded green, mistakes red, the stronger the larger the
share. Clicking a cell emits `cell_activated(row, column)`; the integration turns that into a grid
filter showing exactly those images.
"""

from __future__ import annotations

from typing import Any, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from studio.ui.app import theme

UNPARSEABLE_HEADER = "(no class)"
_Index = QModelIndex | QPersistentModelIndex


def cell_color(share: float, correct: bool, dark: bool) -> QColor:
    """Background for a cell holding `share` (0..1) of its row; empty cells stay unpainted-looking."""
    share = max(0.0, min(1.0, share))
    base = QColor("#2e7d32") if correct else QColor("#c62828")
    back = QColor("#202124") if dark else QColor("#ffffff")
    if share <= 0:
        return back
    alpha = 0.15 + 0.85 * share
    r = back.red() + (base.red() - back.red()) * alpha
    g = back.green() + (base.green() - back.green()) * alpha
    b = back.blue() + (base.blue() - back.blue()) * alpha
    return QColor(int(r), int(g), int(b))


class ConfusionModel(QAbstractTableModel):
    """Counts from a matrix of `len(labels)` rows and `len(labels) + 1` columns (last: unparseable)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.labels: list[str] = []
        self.matrix: list[list[int]] = []
        self.dark = False

    def set_matrix(self, labels: Sequence[str], matrix: Sequence[Sequence[int]]) -> None:
        if len(matrix) != len(labels) or any(len(r) != len(labels) + 1 for r in matrix):
            raise ValueError("confusion matrix must have one row per class and one column per class plus one")
        self.beginResetModel()
        self.labels = list(labels)
        self.matrix = [list(r) for r in matrix]
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.labels)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() or not self.labels else len(self.labels) + 1

    def count(self, row: int, column: int) -> int:
        return self.matrix[row][column]

    def row_total(self, row: int) -> int:
        return sum(self.matrix[row])

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        n = self.matrix[r][c]
        total = self.row_total(r)
        correct = c == r
        if role == Qt.ItemDataRole.DisplayRole:
            return str(n) if n else "\u00b7"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.BackgroundRole:
            return cell_color(n / total if total else 0.0, correct, self.dark)
        if role == Qt.ItemDataRole.ForegroundRole:
            bg = cell_color(n / total if total else 0.0, correct, self.dark)
            return theme.readable_text_on(bg)
        if role == Qt.ItemDataRole.ToolTipRole:
            truth = self.labels[r]
            said = self.labels[c] if c < len(self.labels) else None
            share = f" ({n / total:.0%} of the {total} {truth} images)" if total else ""
            if said is None:
                what = f"{n} {truth} image(s) got an answer that names no class{share}."
            elif correct:
                what = f"{n} {truth} image(s) were answered correctly{share}."
            else:
                what = f"{n} {truth} image(s) were answered '{said}'{share}."
            return what + ("\nClick to show them in the grid." if n else "")
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Vertical:
                return self.labels[section] if section < len(self.labels) else None
            return self.labels[section] if section < len(self.labels) else UNPARSEABLE_HEADER
        if role == Qt.ItemDataRole.ToolTipRole:
            if orientation == Qt.Orientation.Vertical:
                return "True class (the label in the project)"
            return "The model's answer" if section < len(self.labels) else "Answers that name no class (count as wrong)"
        return None


EMPTY_MATRIX = "No answers to show: the confusion matrix of the chosen run appears here."


class ConfusionHeatmap(QTableView):
    """Read-only heat map; `cell_activated(true_row, answer_column)` on click or Enter."""

    cell_activated = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("confusionHeatmap")
        self.confusion = ConfusionModel(self)
        self.setModel(self.confusion)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setCornerButtonEnabled(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setMinimumSectionSize(72)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(44)  # big enough to read and to hit
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.setFont(font)
        self.setToolTip("Rows: the true class. Columns: the model's answer. Click a cell to see those images.")
        self.clicked.connect(self._activate)
        self.activated.connect(self._activate)

    def set_matrix(self, labels: Sequence[str], matrix: Sequence[Sequence[int]]) -> None:
        self.confusion.dark = theme.is_dark(self.palette())
        self.confusion.set_matrix(labels, matrix)

    def paintEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().paintEvent(event)
        if self.confusion.rowCount() == 0:  # no run chosen (or no answers yet): not an empty grid
            painter = QPainter(self.viewport())
            painter.setPen(theme.muted_text(self.palette()))
            painter.drawText(QRectF(self.viewport().rect()).adjusted(12, 0, -12, 0),
                             int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), EMPTY_MATRIX)
            painter.end()

    def _activate(self, index: QModelIndex) -> None:
        if index.isValid():
            self.cell_activated.emit(index.row(), index.column())
