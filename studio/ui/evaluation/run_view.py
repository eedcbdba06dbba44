"""One evaluation run's results: the headline numbers with their intervals, the per-class table, the
confusion heat map, and what the run used (tokens, cost).

Takes the run's result in the CLI's stable JSON shape (`accuracy`, `accuracy_ci95`, `macro_f1`,
`per_class`, `confusion`, `usage`, `cost_usd`, ...), so the app and the CLI show the same numbers from
the same computation. Emits signals for what needs the window: showing images, exporting.
"""

from __future__ import annotations

from typing import Any, Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from studio.ui.common.table_model import Index, RowsTableModel
from studio.ui.evaluation import formatting as fmt
from studio.ui.evaluation.confusion import ConfusionHeatmap

PER_CLASS_COLUMNS = ("Class", "Precision", "Recall", "F1", "Images")
PER_CLASS_TIPS = (
    "The class (its images are the rows of the matrix)",
    "Of the images the model called this class, the share that really are (0 when it never said it)",
    "Of the images of this class, the share the model recognised",
    "The balance of precision and recall (harmonic mean)",
    "How many test images have this label",
)


PerClassRow = tuple[str, float, float, float, int]  # class, precision, recall, F1, support


class PerClassModel(RowsTableModel[PerClassRow]):
    columns = PER_CLASS_COLUMNS
    column_tips = PER_CLASS_TIPS

    def set_per_class(self, labels: list[str], per_class: Mapping[str, Mapping[str, Any]]) -> None:
        rows: list[PerClassRow] = []
        for name in labels:
            m = per_class.get(name) or {}
            rows.append((name, float(m.get("precision", 0.0)), float(m.get("recall", 0.0)),
                         float(m.get("f1", 0.0)), int(m.get("support", 0))))
        self.set_rows(rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.row(index.row())
        c = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if c == 0:
                return row[0]
            if c == 4:
                return f"{row[4]:,}"
            value = row[c]
            return fmt.f1(value if isinstance(value, float) else None)
        if role == Qt.ItemDataRole.TextAlignmentRole and c > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return row[c]
        return None


def _value_label(name: str) -> QLabel:
    lab = QLabel()
    lab.setObjectName(name)
    lab.setTextFormat(Qt.TextFormat.PlainText)  # values such as "< $0.01" are text, never markup
    lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    lab.setWordWrap(True)
    return lab


class RunResultsView(QWidget):
    """Shows one run. `show_cell(run_id, true_label, answer_label_or_None)` when a heat map cell is
    clicked; `export_requested(run_id)` for the CSV button."""

    show_cell = Signal(object, str, object)
    export_requested = Signal(object)
    show_disagreements = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runResultsView")
        self.result: Mapping[str, Any] | None = None
        self.title = QLabel()
        self.title.setObjectName("runTitle")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.title.setFont(font)

        self.accuracy = _value_label("runAccuracy")
        self.macro_f1 = _value_label("runMacroF1")
        self.unparseable = _value_label("runUnparseable")
        self.usage = _value_label("runUsage")
        self.cost = _value_label("runCost")
        big = self.accuracy.font()
        big.setPointSizeF(big.pointSizeF() * 1.15)
        big.setBold(True)
        self.accuracy.setFont(big)
        summary = QFormLayout()
        summary.addRow("Accuracy:", self.accuracy)
        summary.addRow("Macro-F1:", self.macro_f1)
        summary.addRow("No class in answer:", self.unparseable)
        summary.addRow("Tokens used:", self.usage)
        summary.addRow("Cost:", self.cost)

        self.export_button = QPushButton("Export CSV\u2026")
        self.export_button.setObjectName("exportRunCsv")
        self.export_button.setToolTip("Every image with its label and this run's answer, for a spreadsheet")
        self.export_button.clicked.connect(lambda: self.export_requested.emit(self.run_id))
        self.disagree_button = QPushButton("Show images where the model disagrees")
        self.disagree_button.setObjectName("showDisagreements")
        self.disagree_button.setToolTip(
            "Filter the grid to the images whose label this run's answer contradicts: the quickest way to "
            "find labeling mistakes. Relabel there; the counts follow."
        )
        self.disagree_button.clicked.connect(lambda: self.show_disagreements.emit(self.run_id))
        buttons = QHBoxLayout()
        buttons.addWidget(self.disagree_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)

        self.per_class_model = PerClassModel(self)
        self.per_class = QTableView()
        self.per_class.setObjectName("perClassTable")
        self.per_class.setModel(self.per_class_model)
        self.per_class.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.per_class.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.per_class.verticalHeader().hide()
        self.per_class.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.per_class.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        per_class_box = QGroupBox("Per class")
        QVBoxLayout(per_class_box).addWidget(self.per_class)

        self.heatmap = ConfusionHeatmap()
        self.heatmap.cell_activated.connect(self._cell)
        heat_box = QGroupBox("Confusion matrix")
        heat_layout = QVBoxLayout(heat_box)
        axes = QLabel("Rows: the label in your project. Columns: the model's answer. Green: right; red: wrong "
                      "(the deeper, the larger the share of that row). Click a cell to see its images.")
        axes.setWordWrap(True)
        heat_layout.addWidget(axes)
        heat_layout.addWidget(self.heatmap, 1)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(per_class_box)
        split.addWidget(heat_box)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(summary)
        layout.addLayout(buttons)
        layout.addWidget(split, 1)
        self.set_result(None)

    @property
    def run_id(self) -> Any:
        return None if self.result is None else self.result.get("run_id")

    def set_result(self, result: Mapping[str, Any] | None, title: str | None = None) -> None:
        self.result = result
        has = result is not None
        self.export_button.setEnabled(has)
        self.disagree_button.setEnabled(has)
        if result is None:
            self.title.setText("No run chosen")
            for lab in (self.accuracy, self.macro_f1, self.unparseable, self.usage, self.cost):
                lab.setText(fmt.DASH)
            self.per_class_model.set_per_class([], {})
            self.heatmap.set_matrix([], [])
            return
        n = int(result.get("n") or 0)
        self.title.setText(title or f"{result.get('model', '?')} on {n:,} {result.get('split', '')} images")
        self.accuracy.setText(fmt.with_interval(result.get("accuracy"), result.get("accuracy_ci95"), n))
        f1_ci = result.get("macro_f1_ci95")
        self.macro_f1.setText(fmt.f1(result.get("macro_f1")) + (
            f"  (95 % interval {fmt.f1(f1_ci[0])} \u2013 {fmt.f1(f1_ci[1])})" if f1_ci else ""))
        unparseable = int(result.get("unparseable") or 0)
        self.unparseable.setText(
            f"{unparseable:,} of {n:,}" + (" (counted as wrong)" if unparseable else ""))
        usage = result.get("usage") or {}
        self.usage.setText(f"{fmt.tokens(usage.get('prompt_tokens'))} in, {fmt.tokens(usage.get('completion_tokens'))} out")
        self.cost.setText(fmt.money(result.get("cost_usd")))
        confusion = result.get("confusion") or {"labels": [], "matrix": []}
        labels = list(confusion.get("labels") or [])
        self.per_class_model.set_per_class(labels, result.get("per_class") or {})
        self.heatmap.set_matrix(labels, confusion.get("matrix") or [])

    def _cell(self, row: int, column: int) -> None:
        labels = self.heatmap.confusion.labels
        answer = labels[column] if column < len(labels) else None
        self.show_cell.emit(self.run_id, labels[row], answer)
