"""The Jobs panel: this project's fine-tuning jobs, live, and submissions that did not finish.

A dock so it can sit next to the grid while the user keeps labeling. Rows come from the project's
job records and are updated in place from the controller's snapshots (status, duration, trained
tokens). A submission that stopped before its job existed (failed, cancelled, or cut by a crash) is
offered for "Retry", which resumes that same submission: it can never create a second job.
"""

from __future__ import annotations

import time
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from studio.ui.common.table_model import Index, RowsTableModel
from studio.core.store import job_records as jr
from studio.service.jobs.monitor import JobSnapshot
from studio.ui.finetune.controller import FinetuneController, SubmissionRun
from studio.ui.finetune.jobs.status import format_duration, format_timestamp, format_tokens, status_color, status_label

COLUMNS = ("Job", "Status", "Base model", "Created", "Duration", "Trained tokens", "Fine-tuned model")


class JobsTableModel(RowsTableModel[jr.JobRecord]):
    columns = COLUMNS

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        job = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(job, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == 1:
            return status_color(job.status)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 1 and job.error:
                return job.error.get("message")
            return self._text(job, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (4, 5):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return job.id
        return None

    @staticmethod
    def _text(job: jr.JobRecord, column: int) -> str:
        if column == 0:
            return job.id
        if column == 1:
            return status_label(job.status)
        if column == 2:
            return job.base_model or "\u2014"
        if column == 3:
            return format_timestamp(job.created_at)
        if column == 4:
            if job.terminal or job.created_at is None:
                return format_duration(job.duration)
            return format_duration(max(0.0, time.time() - job.created_at))
        if column == 5:
            return format_tokens(job.trained_tokens)
        return job.fine_tuned_model or ""

    def set_jobs(self, jobs: list[jr.JobRecord]) -> None:
        self.beginResetModel()
        self._rows = list(jobs)
        self.endResetModel()

    def update_job(self, job: jr.JobRecord) -> bool:
        for row, known in enumerate(self._rows):
            if known.id == job.id:
                self._rows[row] = job
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
                return True
        return False

    def job_id_at(self, row: int) -> str:
        return self._rows[row].id

    def status_of(self, job_id: str) -> str | None:
        return next((j.status for j in self._rows if j.id == job_id), None)


class JobListPanel(QWidget):
    open_job = Signal(str)
    new_finetune = Signal()
    service_settings = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller: FinetuneController | None = None
        self.model = JobsTableModel(self)
        self._retry_runs: dict[int, SubmissionRun] = {}
        self.finetune_button = QPushButton("Fine-tune\u2026")
        self.finetune_button.clicked.connect(self.new_finetune)
        self.service_label = QLabel()
        self.service_button = QPushButton("Service\u2026")
        self.service_button.clicked.connect(self.service_settings)
        top = QHBoxLayout()
        top.addWidget(self.finetune_button)
        top.addWidget(self.service_label, 1)
        top.addWidget(self.service_button)
        self.submissions_box = QWidget()
        self.submissions_layout = QVBoxLayout(self.submissions_box)
        self.submissions_layout.setContentsMargins(0, 0, 0, 0)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda index: self.open_job.emit(self.model.job_id_at(index.row())))
        self.table.activated.connect(lambda index: self.open_job.emit(self.model.job_id_at(index.row())))
        self.empty_label = QLabel("No fine-tuning jobs in this project yet. Click \u201cFine-tune\u2026\u201d to start one.")
        self.empty_label.setWordWrap(True)
        self.open_button = QPushButton("Open job")
        self.open_button.clicked.connect(self._open_selected)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.submissions_box)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.open_button)
        self.set_controller(None)

    # -- wiring -------------------------------------------------------------------------------------

    def set_controller(self, controller: FinetuneController | None) -> None:
        if self.controller is not None:
            for signal, slot in self._connections():
                signal.disconnect(slot)
        self.controller = controller
        if controller is not None:
            for signal, slot in self._connections():
                signal.connect(slot)
        for widget in (self.finetune_button, self.service_button, self.open_button, self.table):
            widget.setEnabled(controller is not None)
        self.refresh()

    def _connections(self) -> list[tuple[Any, Any]]:
        c = self.controller
        assert c is not None
        return [(c.jobs_changed, self.refresh), (c.job_updated, self._on_snapshot),
                (c.submissions_changed, self._refresh_submissions), (c.profile_changed, self._show_service)]

    def refresh(self) -> None:
        jobs = self.controller.jobs() if self.controller is not None else []
        self.model.set_jobs(jobs)
        self.empty_label.setVisible(self.controller is not None and not jobs)
        self._refresh_submissions()
        self._show_service()

    def _on_snapshot(self, job_id: str, snap: JobSnapshot) -> None:
        if not self.model.update_job(snap.job):
            self.refresh()

    def _show_service(self, *_: object) -> None:
        if self.controller is None:
            self.service_label.setText("No project open.")
            return
        self.service_label.setText(f"Service: {self.controller.profile.display_name()}")

    def _open_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.open_job.emit(self.model.job_id_at(rows[0].row()))

    # -- unfinished submissions ---------------------------------------------------------------------

    def _refresh_submissions(self) -> None:
        while self.submissions_layout.count():
            item = self.submissions_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        if self.controller is None:
            return
        for record in self.controller.unfinished_submissions():
            self.submissions_layout.addWidget(self._submission_row(record))

    def _submission_row(self, record: jr.SubmissionRecord) -> QWidget:
        row = QWidget()
        row.setObjectName(f"submission-{record.id}")
        label = QLabel(self._submission_text(record))
        label.setWordWrap(True)
        label.setStyleSheet("color: #8d6e00;")
        retry = QPushButton("Retry")
        retry.setToolTip("Carry on from where it stopped. Files already uploaded are reused; no second job is created.")
        retry.clicked.connect(lambda _=False, sid=record.id, lab=label, btn=retry: self.retry_submission(sid, lab, btn))
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label, 1)
        layout.addWidget(retry)
        return row

    @staticmethod
    def _submission_text(record: jr.SubmissionRecord) -> str:
        when = format_timestamp(record.created_at)
        if record.state == "cancelled":
            return f"A submission from {when} was cancelled before its job was created."
        reason = f": {record.error}" if record.error else " (the app closed while it was running)."
        return f"A submission from {when} did not finish{reason}"

    def retry_submission(self, submission_id: int, label: QLabel | None = None, button: QPushButton | None = None) -> SubmissionRun:
        assert self.controller is not None
        run = self.controller.resume_submission(submission_id)
        self._retry_runs[submission_id] = run
        if label is not None:
            def show(text: str, label: QLabel = label) -> None:
                if text and _alive(label):
                    label.setText(text)

            run.progress.connect(lambda done, total, message: show(message))
            run.failed.connect(lambda message, _: show(f"Still failing: {message}"))
        if button is not None:
            button.setEnabled(False)

            def enable(*_: object, button: QPushButton = button) -> None:
                if _alive(button):
                    button.setEnabled(True)

            run.failed.connect(enable)
            run.cancelled.connect(enable)
        run.created.connect(lambda job_id, sid=submission_id: self._retry_done(sid, job_id))
        run.start()
        return run

    def _retry_done(self, submission_id: int, job_id: str) -> None:
        self._retry_runs.pop(submission_id, None)
        self.refresh()
        self.open_job.emit(job_id)


def _alive(widget: QWidget) -> bool:
    """False once Qt deleted the widget (the row was rebuilt while a retry was running)."""
    return shiboken6.isValid(widget)


class JobsDock(QDockWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Fine-tuning jobs", parent)
        self.setObjectName("finetune-jobs-dock")
        self.panel = JobListPanel(self)
        self.setWidget(self.panel)
