"""The evaluation window: every run of the project, their comparison, and one run's details.

Left, the runs (newest last, with their state: an unfinished run says how to carry on). Right, two
tabs: "Compare" (side by side and the verdict for a chosen pair) and "Details" (the chosen run's
metrics and confusion heat map). Numbers are re-read when answers arrive and when labels change, so
relabeling an image the model disagreed with updates the counts at once.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studio.core.errors import StudioError
from studio.ui.evaluation import formatting as fmt
from studio.ui.evaluation.comparison_view import ComparisonView
from studio.ui.evaluation.run_view import RunResultsView

STATE_TEXT = {
    "created": "not started",
    "running": "running",
    "cancelled": "cancelled \u2014 Evaluate again to carry on",
    "failed": "stopped \u2014 Evaluate again to carry on",
    "completed": "",
}
INTERRUPTED_TEXT = "interrupted \u2014 resume to finish"


def state_text(run: Any, interrupted: bool) -> str:
    """How a run's state reads in the list; an unfinished run says how far it got and how to go on.
    `interrupted`: stored as running, but nothing in this app is running it (its process was killed)."""
    text = INTERRUPTED_TEXT if interrupted else STATE_TEXT.get(run.state, run.state)
    if run.state != "completed" and run.total:
        text += f" ({run.answered:,} of {run.total:,} answered)"
    return text
_REFRESH_MS = 300


def ask_delete(parent: QWidget, name: str) -> bool:
    answer = QMessageBox.question(
        parent, "Delete the run?", f"Delete the evaluation run \u201c{name}\u201d and its stored answers? "
        "Evaluating the same model again will ask (and pay for) every image again.")
    return answer == QMessageBox.StandardButton.Yes


class EvaluationWindow(QWidget):
    """Signals for what needs the main window: showing images in the grid, a CSV file dialog."""

    show_cell = Signal(int, str, object)  # run id, true class, answer class or None
    show_disagreements = Signal(int)
    export_requested = Signal(int)
    evaluate_requested = Signal()

    def __init__(self, controller: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evaluationWindow")
        self.setWindowTitle("Evaluation results")
        self.controller = controller
        self.confirm_delete = ask_delete
        self._closed = False
        self.run_list = QListWidget()
        self.run_list.setObjectName("runList")
        self.run_list.setWordWrap(True)
        self.run_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.run_list.currentItemChanged.connect(lambda *_: self._show_current())
        self.evaluate_button = QPushButton("Evaluate\u2026")
        self.evaluate_button.clicked.connect(self.evaluate_requested)
        self.delete_button = QPushButton("Delete run")
        self.delete_button.setObjectName("deleteRun")
        self.delete_button.clicked.connect(self._delete_current)
        left_buttons = QHBoxLayout()
        left_buttons.addWidget(self.evaluate_button)
        left_buttons.addWidget(self.delete_button)
        self.empty_hint = QLabel("No evaluations yet. Evaluate\u2026 asks the base model and your tuned model about "
                                 "the test images and compares their answers with your labels.")
        self.empty_hint.setWordWrap(True)
        left = QWidget()
        llay = QVBoxLayout(left)
        llay.setContentsMargins(0, 0, 0, 0)
        llay.addWidget(QLabel("<b>Runs</b>"))
        llay.addWidget(self.run_list, 1)
        llay.addWidget(self.empty_hint)
        llay.addLayout(left_buttons)

        self.comparison = ComparisonView()
        self.comparison.compare_requested.connect(self._compare)
        self.comparison.run_chosen.connect(self.select_run)
        self.details = RunResultsView()
        self.details.show_cell.connect(lambda run, t, p: self.show_cell.emit(run, t, p))
        self.details.show_disagreements.connect(lambda run: self.show_disagreements.emit(run))
        self.details.export_requested.connect(lambda run: self.export_requested.emit(run))
        self.tabs = QTabWidget()
        self.tabs.addTab(self.comparison, "Compare")
        self.tabs.addTab(self.details, "Details")

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.tabs)
        split.setStretchFactor(1, 1)
        split.setSizes([280, 900])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.resize(1200, 780)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(_REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        controller.runs_changed.connect(self.schedule_refresh)
        self.refresh()

    # -- data ---------------------------------------------------------------------------------------

    def schedule_refresh(self, *args: object) -> None:
        """Coalesce bursts (an answer every few milliseconds, a bulk relabel) into one re-read."""
        if not self._closed and not self._timer.isActive():
            self._timer.start()

    def refresh(self) -> None:
        if self._closed:
            return
        keep = self.current_run_id()
        runs = self.controller.runs()
        self.run_list.blockSignals(True)
        self.run_list.clear()
        entries = []
        for run in runs:
            result = self.controller.result(run.id)
            name = run.spec.display_name()
            state = state_text(run, self.controller.is_interrupted(run))
            acc = fmt.pct(result.get("accuracy"), result.get("n")) if result else fmt.DASH
            item = QListWidgetItem(f"{name}\n{acc} of {result.get('n', 0):,} images" + (f" \u00b7 {state}" if state else ""))
            item.setData(Qt.ItemDataRole.UserRole, run.id)
            item.setToolTip(run.error or name)
            self.run_list.addItem(item)
            if result is not None and result.get("n"):
                entries.append((run.id, name, result))
        self.run_list.blockSignals(False)
        self.empty_hint.setVisible(not runs)
        self.delete_button.setEnabled(bool(runs))
        self.comparison.set_runs(entries)
        target = keep if keep in [r.id for r in runs] else (runs[-1].id if runs else None)
        if target is not None:
            self.select_run(target, switch_tab=False)
        else:
            self.details.set_result(None)
        a, b = self.comparison.pair()
        if a is not None and b is not None and a != b:
            self._compare(a, b)

    def current_run_id(self) -> int | None:
        item = self.run_list.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def select_run(self, run_id: int, switch_tab: bool = True) -> None:
        for i in range(self.run_list.count()):
            if self.run_list.item(i).data(Qt.ItemDataRole.UserRole) == run_id:
                self.run_list.setCurrentRow(i)
                break
        self._show_current()
        if switch_tab:
            self.tabs.setCurrentWidget(self.details)

    def _show_current(self) -> None:
        run_id = self.current_run_id()
        run = self.controller.run(run_id) if run_id is not None else None
        if run is None:
            self.details.set_result(None)
            return
        result = self.controller.result(run_id)
        self.details.set_result(result, title=f"{run.spec.display_name()} \u2014 {result.get('n', 0):,} "
                                              f"{run.spec.split} images")

    def _compare(self, a: int, b: int) -> None:
        try:
            self.comparison.set_comparison(self.controller.compare(a, b))
        except StudioError as error:
            self.comparison.set_comparison_error(str(error))

    def shutdown(self) -> None:
        """The project is closing: no re-read may reach its (soon closed) connection any more."""
        self._timer.stop()
        try:
            self.controller.runs_changed.disconnect(self.schedule_refresh)
        except (RuntimeError, TypeError):
            pass
        self._closed = True

    def _delete_current(self) -> None:
        run_id = self.current_run_id()
        run = self.controller.run(run_id) if run_id is not None else None
        if run is None or not self.confirm_delete(self, run.spec.display_name()):
            return
        self.controller.delete_run(run_id)
        self.refresh()
