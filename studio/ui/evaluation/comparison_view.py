"""Runs side by side, written for someone who is not a statistician.

Top: one row per run (accuracy and macro-F1 with their 95 % intervals) and a bar per run whose
whisker is the interval, so overlapping uncertainty is visible without reading numbers. Bottom: two
runs picked as "before" (A) and "after" (B); for those the paired difference on the images both
answered, its interval, the exact McNemar p, and the one plain sentence the core writes. The numbers
come from the core (the same function `studio-cli compare` prints); this view only lays them out.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from studio.ui.app import theme
from studio.ui.common.table_model import Index, RowsTableModel
from studio.ui.evaluation import formatting as fmt

COLUMNS = ("Run", "Images", "Accuracy", "95 % interval", "Macro-F1", "No class", "Cost")
RunEntry = tuple[Any, str, Mapping[str, Any]]  # (run id, display name, result in the CLI JSON shape)


class RunsTableModel(RowsTableModel[RunEntry]):
    columns = COLUMNS
    column_tips = ("", "", "", "With 95 % confidence the model's accuracy on images like these lies in this range. "
                   "It narrows with more test images.")

    def set_runs(self, runs: Sequence[RunEntry]) -> None:
        self.set_rows(runs)

    def run_id_at(self, row: int) -> Any:
        return self.row(row)[0]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        run_id, name, r = self.row(index.row())
        n = int(r.get("n") or 0)
        c = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            f1_ci = r.get("macro_f1_ci95")
            return [
                name,
                f"{n:,}",
                fmt.pct(r.get("accuracy"), n),
                fmt.interval(r.get("accuracy_ci95"), n),
                fmt.f1(r.get("macro_f1")) + (f"  ({fmt.f1(f1_ci[0])} \u2013 {fmt.f1(f1_ci[1])})" if f1_ci else ""),
                f"{int(r.get('unparseable') or 0):,}",
                fmt.money(r.get("cost_usd")),
            ][c]
        if role == Qt.ItemDataRole.TextAlignmentRole and c > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return run_id
        if role == Qt.ItemDataRole.ToolTipRole and c == 3:
            return self.column_tips[3]
        return None


EMPTY_BARS = "No finished runs yet: each run's accuracy and its 95 % interval appear here."


class IntervalBars(QWidget):
    """Accuracy as horizontal bars with interval whiskers, 0-100 %, one per run."""

    ROW = 26

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("intervalBars")
        self.entries: list[tuple[str, float, tuple[float, float] | None]] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_entries(self, entries: Sequence[tuple[str, float, tuple[float, float] | None]]) -> None:
        self.entries = list(entries)
        self.setFixedHeight(max(1, len(self.entries)) * self.ROW + 24)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(520, max(1, len(self.entries)) * self.ROW + 24)

    def paintEvent(self, event: Any) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text = pal.color(pal.ColorRole.WindowText)
        muted = theme.muted_text(pal)
        if not self.entries:  # a bare 0-100 % axis with nothing on it looks broken: say what will be here
            p.setPen(muted)
            p.drawText(QRectF(self.rect()), int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), EMPTY_BARS)
            p.end()
            return
        metrics = p.fontMetrics()
        label_w = min(max((metrics.horizontalAdvance(e[0]) for e in self.entries), default=60) + 12, self.width() // 3)
        left, right = label_w, self.width() - 60
        span = max(10, right - left)
        bar = QColor("#3b6ea5")
        for i, (name, acc, ci) in enumerate(self.entries):
            y = i * self.ROW + 4
            p.setPen(text)
            p.drawText(QRectF(0, y, label_w - 8, self.ROW - 6), int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                       metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, label_w - 8))
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(bar)
            p.drawRoundedRect(QRectF(left, y + 5, span * acc, self.ROW - 16), 3, 3)
            if ci is not None:
                p.setPen(QPen(text, 2))
                lo, hi = left + span * ci[0], left + span * ci[1]
                mid = y + (self.ROW - 6) / 2
                p.drawLine(int(lo), int(mid), int(hi), int(mid))
                p.drawLine(int(lo), int(mid - 6), int(lo), int(mid + 6))
                p.drawLine(int(hi), int(mid - 6), int(hi), int(mid + 6))
            p.setPen(text)
            p.drawText(QRectF(right + 6, y, 54, self.ROW - 6), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                       fmt.pct(acc))
        axis_y = len(self.entries) * self.ROW + 6
        p.setPen(muted)
        for tick in (0, 25, 50, 75, 100):
            x = left + span * tick / 100
            p.drawLine(int(x), axis_y, int(x), axis_y + 4)
            p.drawText(QRectF(x - 20, axis_y + 4, 40, 14), int(Qt.AlignmentFlag.AlignCenter), f"{tick} %")
        p.end()


class ComparisonView(QWidget):
    """`compare_requested(run_a, run_b)` when the user picks a pair; the owner answers with
    `set_comparison(result)` (the `studio-cli compare` JSON shape) or `set_comparison_error(text)`."""

    compare_requested = Signal(object, object)
    run_chosen = Signal(object)  # a row was double-clicked: show that run's details

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("comparisonView")
        self.model = RunsTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("runsTable")
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda idx: self.run_chosen.emit(self.model.run_id_at(idx.row())))
        self.bars = IntervalBars()

        self.combo_a = QComboBox()
        self.combo_a.setObjectName("compareA")
        self.combo_b = QComboBox()
        self.combo_b.setObjectName("compareB")
        for combo in (self.combo_a, self.combo_b):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.currentIndexChanged.connect(self._pair_changed)
        self.compare_button = QPushButton("Compare")
        self.compare_button.setObjectName("compareButton")
        self.compare_button.clicked.connect(self._request)
        pick = QHBoxLayout()
        pick.addWidget(QLabel("Is"))
        pick.addWidget(self.combo_b)
        pick.addWidget(QLabel("better than"))
        pick.addWidget(self.combo_a)
        pick.addWidget(QLabel("?"))
        pick.addWidget(self.compare_button)
        pick.addStretch(1)

        self.verdict = QLabel()
        self.verdict.setObjectName("verdict")
        self.verdict.setWordWrap(True)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        vfont = self.verdict.font()
        vfont.setPointSizeF(vfont.pointSizeF() * 1.25)
        vfont.setBold(True)
        self.verdict.setFont(vfont)
        self.diff = QLabel()
        self.diff.setObjectName("pairedDiff")
        self.mcnemar = QLabel()
        self.mcnemar.setObjectName("mcnemarP")
        self.mcnemar.setToolTip("Exact McNemar test on the images where exactly one of the two runs was right: "
                                "how likely a difference this large is if the two models were equally good.")
        self.paired_n = QLabel()
        self.paired_n.setObjectName("pairedN")
        detail = QFormLayout()
        detail.addRow("Images both runs answered:", self.paired_n)
        detail.addRow("Difference in accuracy (B \u2212 A):", self.diff)
        detail.addRow("Chance explanation (McNemar p):", self.mcnemar)
        pair_box = QGroupBox("Which is better?")
        pair_layout = QVBoxLayout(pair_box)
        pair_layout.addLayout(pick)
        pair_layout.addWidget(self.verdict)
        pair_layout.addLayout(detail)

        runs_box = QGroupBox("Runs side by side")
        runs_layout = QVBoxLayout(runs_box)
        runs_layout.addWidget(self.table)
        runs_layout.addWidget(self.bars)

        layout = QVBoxLayout(self)
        layout.addWidget(runs_box)
        layout.addWidget(pair_box)
        layout.addStretch(1)
        self.set_comparison(None)

    # -- runs ---------------------------------------------------------------------------------------

    def set_runs(self, runs: Sequence[RunEntry]) -> None:
        """All runs of the project, oldest first; keeps the chosen pair when both still exist."""
        keep_a, keep_b = self.combo_a.currentData(), self.combo_b.currentData()
        self.model.set_runs(runs)
        self._fit_table()
        self.bars.set_entries([
            (name, float(r.get("accuracy") or 0.0),
             tuple(r["accuracy_ci95"]) if r.get("accuracy_ci95") else None)
            for _, name, r in runs
        ])
        for combo in (self.combo_a, self.combo_b):
            combo.blockSignals(True)
            combo.clear()
            for run_id, name, _ in runs:
                combo.addItem(name, run_id)
            combo.blockSignals(False)
        ids = [r[0] for r in runs]
        if keep_a in ids and keep_b in ids:
            self.combo_a.setCurrentIndex(ids.index(keep_a))
            self.combo_b.setCurrentIndex(ids.index(keep_b))
        elif len(ids) >= 2:
            self.combo_a.setCurrentIndex(0)  # the oldest (usually the base model) as "before"
            self.combo_b.setCurrentIndex(len(ids) - 1)
        self._pair_changed()

    def _fit_table(self) -> None:
        """As tall as its rows (up to ten): the verdict below is what the user came for."""
        self.table.resizeRowsToContents()
        rows = min(10, max(2, self.model.rowCount()))
        height = self.table.horizontalHeader().height() + rows * (self.table.rowHeight(0) or 28) + 6
        self.table.setFixedHeight(height)

    def select_pair(self, run_a: Any, run_b: Any) -> None:
        ia, ib = self.combo_a.findData(run_a), self.combo_b.findData(run_b)
        if ia >= 0 and ib >= 0:
            self.combo_a.setCurrentIndex(ia)
            self.combo_b.setCurrentIndex(ib)
            self._request()

    def pair(self) -> tuple[Any, Any]:
        return self.combo_a.currentData(), self.combo_b.currentData()

    def _pair_changed(self) -> None:
        a, b = self.pair()
        ok = a is not None and b is not None and a != b
        self.compare_button.setEnabled(ok)
        self.set_comparison(None, "" if ok else "Evaluate two models (or pick two different runs) to compare them.")

    def _request(self) -> None:
        a, b = self.pair()
        if a is not None and b is not None and a != b:
            self.compare_requested.emit(a, b)

    # -- result -------------------------------------------------------------------------------------

    def set_comparison(self, result: Mapping[str, Any] | None, hint: str = "") -> None:
        if result is None:
            self.verdict.setText(hint or "Press Compare.")
            for lab in (self.diff, self.mcnemar, self.paired_n):
                lab.setText(fmt.DASH)
            return
        self.verdict.setText(str(result.get("verdict") or ""))
        n = int(result.get("n_paired") or 0)
        self.paired_n.setText(f"{n:,}")
        self.diff.setText(
            f"{fmt.points(result.get('diff'))}  (95 % interval {fmt.points_interval(result.get('diff_ci95'))})"
            f"  \u2014 A {fmt.pct(result.get('accuracy_a'), n)}, B {fmt.pct(result.get('accuracy_b'), n)}")
        self.mcnemar.setText(fmt.p_value(result.get("mcnemar_p")))

    def set_comparison_error(self, text: str) -> None:
        self.set_comparison(None)
        self.verdict.setText(text)
