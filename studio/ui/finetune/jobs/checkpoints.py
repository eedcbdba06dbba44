"""A job's checkpoints: one row per epoch (and per pause), with its metrics and a copyable model id.

The model id is what a user deploys or evaluates, so each row has a Copy button; the metrics come
through the service layer's alias table (`metric_point`), so `valid_mean_token_accuracy` and its
other spellings land in the same column.
"""

from __future__ import annotations

from typing import Any, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QApplication, QHeaderView, QPushButton, QTableWidget, QTableWidgetItem, QWidget

from studio.core.store.job_records import CheckpointRecord
from studio.service.jobs.training_metrics import metric_point
from studio.service.styles import job_hyperparameters

COLUMNS = (
    ("Epoch", None), ("Step", None),
    ("Train loss", "train_loss"), ("Train acc.", "train_accuracy"),
    ("Valid loss", "valid_loss"), ("Valid acc.", "valid_accuracy"),
    ("Full valid loss", "full_valid_loss"), ("Full valid acc.", "full_valid_accuracy"),
    ("Model id", None), ("", None), ("", None),
)
MODEL_COLUMN = 8
COPY_COLUMN = 9
EVALUATE_COLUMN = 10


def job_epochs(raw: dict[str, Any]) -> int | None:
    """The job's number of epochs as the service reports it (None while it is still "auto", which the
    dated Azure API writes as -1)."""
    value = job_hyperparameters(raw).get("n_epochs")
    return value if isinstance(value, int) and value > 0 else None


def epoch_of(step: int | None, total_steps: int | None, epochs: int | None) -> str:
    if not step or not total_steps or not epochs:
        return "\u2014"
    per_epoch = total_steps / epochs
    whole = step / per_epoch
    if abs(whole - round(whole)) < 1e-6:
        return str(int(round(whole)))
    return f"{whole:.1f}"  # a checkpoint taken at a pause, mid-epoch


def copy_text(text: str) -> None:
    QApplication.clipboard().setText(text)


class CheckpointTable(QTableWidget):
    evaluate_requested = Signal(str)  # a checkpoint's model id: "Evaluate…" on that row

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels([c[0] for c in COLUMNS])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(MODEL_COLUMN, QHeaderView.ResizeMode.Stretch)
        self._shown: list[tuple[str, str | None]] = []

    def set_checkpoints(self, checkpoints: Sequence[CheckpointRecord], total_steps: int | None, epochs: int | None) -> None:
        key = [(c.id, c.model_id) for c in checkpoints]
        if key == self._shown and self.rowCount() == len(checkpoints):
            return
        self._shown = key
        self.setRowCount(len(checkpoints))
        for row, checkpoint in enumerate(checkpoints):
            point = metric_point(checkpoint.metrics, step=checkpoint.step_number or 0)
            cells = [epoch_of(checkpoint.step_number, total_steps, epochs), str(checkpoint.step_number or "\u2014")]
            for _, field in COLUMNS[2:8]:
                value = getattr(point, field) if point is not None else None
                cells.append("\u2014" if value is None else f"{value:.4f}")
            cells.append(checkpoint.model_id or "\u2014")
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column < MODEL_COLUMN:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(row, column, item)
            button = QPushButton("Copy")
            button.setToolTip("Copy this checkpoint's model id")
            button.setEnabled(bool(checkpoint.model_id))
            button.clicked.connect(lambda _=False, m=checkpoint.model_id: copy_text(m or ""))
            self.setCellWidget(row, COPY_COLUMN, button)
            evaluate = QPushButton("Evaluate\u2026")
            evaluate.setToolTip("Measure this checkpoint on your test images and compare it with the base model")
            evaluate.setEnabled(bool(checkpoint.model_id))
            evaluate.clicked.connect(lambda _=False, m=checkpoint.model_id: self.evaluate_requested.emit(m or ""))
            self.setCellWidget(row, EVALUATE_COLUMN, evaluate)

    def model_ids(self) -> list[str]:
        return [item.text() for r in range(self.rowCount()) if (item := self.item(r, MODEL_COLUMN)) is not None]

    def evaluate_button(self, row: int) -> QPushButton:
        button = self.cellWidget(row, EVALUATE_COLUMN)
        assert isinstance(button, QPushButton)  # every row gets one in set_checkpoints
        return button

    def copy_button(self, row: int) -> QPushButton:
        button = self.cellWidget(row, COPY_COLUMN)
        assert isinstance(button, QPushButton)  # every row gets one in set_checkpoints
        return button
