"""One fine-tuning job, live: status, progress, curves, checkpoints, events, and its controls.

Everything shown comes from the project's job records first (so a finished job or a job from before
a restart renders at once, offline) and is then updated from the controller's snapshots, which
carry only what each poll added. A network problem is shown in the header as "Reconnecting…" and
polling carries on by itself; nothing here ever opens an error dialog for it. Pause, resume and
cancel ask for confirmation, because cancel cannot be undone and pause/resume change billing.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studio.core.store import job_records as jr
from studio.service.jobs.monitor import JobSnapshot
from studio.service.profile import ServiceProfile
from studio.ui.finetune.controller import FinetuneController
from studio.ui.finetune.jobs.charts import TrainingCharts
from studio.ui.finetune.jobs.checkpoints import CheckpointTable, copy_text, job_epochs
from studio.ui.finetune.jobs.event_log import EventLog
from studio.ui.finetune.jobs.status import (
    format_duration, format_eta, format_timestamp, format_tokens, is_waiting, status_color, status_label,
)

ConfirmFn = Callable[[QWidget, str, str, str], bool]


def confirm_action(parent: QWidget, title: str, text: str, ok_text: str) -> bool:
    """Ask before a job action; replaceable (tests pass their own)."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent)
    ok = box.addButton(ok_text, QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Keep as is", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    return box.clickedButton() is ok


CONFIRM_TEXT = {
    "pause": ("Pause the job?", "Training stops after the current step and a checkpoint is saved. You can resume "
              "it later; a paused job may not be charged, but it keeps its place only for a limited time.",
              "Pause job"),
    "resume": ("Resume the job?", "Training continues from where it was paused, and is charged again.", "Resume job"),
    "cancel": ("Cancel the job?", "The job stops for good and cannot be resumed. Work done so far may still be "
               "charged, and no final model is produced.", "Cancel job"),
}
DASH = "\u2014"
BUSY_TEXT = {"pause": "Pausing\u2026", "resume": "Resuming\u2026", "cancel": "Cancelling\u2026"}


def estimated_finish(job: jr.JobRecord, events: list[jr.JobEvent], step: int | None, total: int | None,
                     now: float | None = None) -> float | None:
    """The service's estimate when it gives one, else the pace of the step events so far."""
    if job.estimated_finish:
        return job.estimated_finish
    if job.status != "running" or not step or not total or step >= total:
        return None
    timed = [(e.data["step"], e.created_at) for e in events
             if e.type == "metrics" and isinstance(e.data, dict) and isinstance(e.data.get("step"), int)]
    if len(timed) < 2:
        return None
    (s0, t0), (s1, t1) = min(timed), max(timed)
    if s1 <= s0 or t1 <= t0:
        return None
    return t1 + (total - s1) * (t1 - t0) / (s1 - s0)


class JobView(QWidget):
    show_skipped_requested = Signal()  # "Show them": the main window filters the grid to skipped images
    sign_in_requested = Signal(object)  # ServiceProfile
    deploy_requested = Signal(str)  # job id: deploy its model or a checkpoint (ui/deployments)
    evaluate_requested = Signal(str, str)  # model id (final model or a checkpoint), job id

    def __init__(self, controller: FinetuneController, job_id: str, *, confirm: ConfirmFn | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.job_id = job_id
        self.confirm = confirm or confirm_action
        self.setWindowTitle(f"Fine-tuning job {job_id}")
        self._job: jr.JobRecord | None = None
        self._step: int | None = None
        self._total: int | None = None
        self._busy: str | None = None
        self.connection_state = "ok"  # "ok" | "reconnecting" | "problem"
        self._build()
        controller.job_updated.connect(self._on_snapshot)
        controller.job_problem.connect(self._on_problem)
        controller.action_finished.connect(self._on_action_finished)
        self.reload()
        if self._job is None or not self._job.terminal:
            controller.watch(job_id)

    # -- layout -------------------------------------------------------------------------------------

    def _build(self) -> None:
        self.title = QLabel(f"<b>Job</b> {self.job_id}")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        copy_id = QPushButton("Copy id")
        copy_id.clicked.connect(lambda: copy_text(self.job_id))
        self.status_label = QLabel()
        self.status_label.setStyleSheet("font-weight: bold; padding: 2px 8px; border-radius: 4px;")
        self.connection_label = QLabel()
        self.connection_label.setWordWrap(True)
        self.connection_label.hide()
        self.sign_in_button = QPushButton("Sign in\u2026")
        self.sign_in_button.hide()
        self.sign_in_button.clicked.connect(self._request_sign_in)
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addWidget(copy_id)
        top.addStretch(1)
        top.addWidget(self.status_label)

        self.details = QLabel()
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.eta_label = QLabel()
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.eta_label)

        self.pause_button = QPushButton("Pause")
        self.resume_button = QPushButton("Resume")
        self.cancel_button = QPushButton("Cancel job")
        self.pause_button.clicked.connect(lambda: self.request_action("pause"))
        self.resume_button.clicked.connect(lambda: self.request_action("resume"))
        self.cancel_button.clicked.connect(lambda: self.request_action("cancel"))
        self.action_label = QLabel()
        actions = QHBoxLayout()
        for button in (self.pause_button, self.resume_button, self.cancel_button):
            actions.addWidget(button)
        actions.addWidget(self.action_label, 1)

        self.model_edit = QLineEdit()
        self.model_edit.setReadOnly(True)
        copy_model = QPushButton("Copy")
        copy_model.setToolTip("Copy the fine-tuned model id")
        copy_model.clicked.connect(lambda: copy_text(self.model_edit.text()))
        self.model_row = QWidget()
        model_layout = QHBoxLayout(self.model_row)
        model_layout.setContentsMargins(0, 0, 0, 0)
        model_layout.addWidget(QLabel("<b>Fine-tuned model:</b>"))
        model_layout.addWidget(self.model_edit, 1)
        model_layout.addWidget(copy_model)
        self.deploy_button = QPushButton("Deploy\u2026")
        self.deploy_button.setObjectName("jobDeploy")
        self.deploy_button.setToolTip("Deploy this model or one of its checkpoints, to try and evaluate it")
        self.deploy_button.clicked.connect(lambda: self.deploy_requested.emit(self.job_id))
        model_layout.addWidget(self.deploy_button)
        self.evaluate_button = QPushButton("Evaluate\u2026")
        self.evaluate_button.setObjectName("evaluateJobModel")
        self.evaluate_button.setToolTip("Is the tuned model better than the base model? Measure both on your test images.")
        self.evaluate_button.clicked.connect(lambda: self.evaluate_requested.emit(self.model_edit.text(), self.job_id))
        model_layout.addWidget(self.evaluate_button)

        self.error_label = _banner("error")
        self.skip_banner = QFrame()
        self.skip_banner.setFrameShape(QFrame.Shape.StyledPanel)
        self.skip_label = QLabel()
        self.skip_label.setWordWrap(True)
        show_skipped = QPushButton("Show them")
        show_skipped.clicked.connect(self.show_skipped_requested)
        skip_layout = QHBoxLayout(self.skip_banner)
        skip_layout.addWidget(self.skip_label, 1)
        skip_layout.addWidget(show_skipped)

        self.charts = TrainingCharts()
        self.checkpoints = CheckpointTable()
        self.checkpoints.evaluate_requested.connect(lambda model: self.evaluate_requested.emit(model, self.job_id))
        self.event_log = EventLog()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.charts, "Curves")
        self.tabs.addTab(self.checkpoints, "Checkpoints")
        self.tabs.addTab(self.event_log, "Events")

        connection_row = QHBoxLayout()
        connection_row.addWidget(self.connection_label, 1)
        connection_row.addWidget(self.sign_in_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.details)
        layout.addLayout(connection_row)
        layout.addLayout(progress_row)
        layout.addLayout(actions)
        layout.addWidget(self.model_row)
        layout.addWidget(self.error_label)
        layout.addWidget(self.skip_banner)
        layout.addWidget(self.tabs, 1)

    # -- data ---------------------------------------------------------------------------------------

    def reload(self) -> None:
        """Render everything from the project records (first show, and after the job finished)."""
        self._job = self.controller.job(self.job_id)
        points = self.controller.metrics(self.job_id)
        self._step = points[-1].step if points else None
        self._total = next((p.total_steps for p in reversed(points) if p.total_steps), None)
        self.charts.set_total_steps(self._total)
        self.charts.set_points(points)
        self.event_log.set_events(self.controller.events(self.job_id))
        self._show_checkpoints(self.controller.checkpoints(self.job_id))
        self._render()

    def _on_snapshot(self, job_id: str, snap: JobSnapshot) -> None:
        if job_id != self.job_id:
            return
        was_terminal = self._job is not None and self._job.terminal
        self._job = snap.job
        if snap.reconnecting:
            self._set_connection("reconnecting", snap.message or "", snap.retry_in)
        else:
            self._set_connection("ok")
        if snap.step is not None:
            self._step, self._total = snap.step, snap.total_steps or self._total
        self.charts.set_total_steps(self._total)
        self.charts.add_points(snap.new_metrics)
        self.event_log.add_events(snap.new_events)
        self._show_checkpoints(snap.checkpoints)
        if snap.terminal and not snap.reconnecting and not was_terminal:
            self.reload()  # the results file may have filled steps the events did not carry
            return
        self._render()

    def _on_problem(self, job_id: str, message: str, kind: str) -> None:
        if job_id == self.job_id:
            self._set_connection("problem", message, None, sign_in=kind == "sign_in")

    def _show_checkpoints(self, checkpoints: list[jr.CheckpointRecord]) -> None:
        epochs = job_epochs(self._job.raw) if self._job is not None else None
        self.checkpoints.set_checkpoints(checkpoints, self._total, epochs)
        self.tabs.setTabText(1, f"Checkpoints ({len(checkpoints)})" if checkpoints else "Checkpoints")

    # -- rendering ----------------------------------------------------------------------------------

    def _render(self) -> None:
        job = self._job
        status = job.status if job is not None else "unknown"
        self.status_label.setText(status_label(status))
        color = status_color(status)
        self.status_label.setStyleSheet(
            "font-weight: bold; padding: 2px 8px; border-radius: 4px;"
            + (f" color: white; background: {color.name()};" if color is not None else "")
        )
        if job is not None:
            parts = [f"Base model: {job.base_model or DASH}"]
            if job.suffix:
                parts.append(f"suffix: {job.suffix}")
            parts.append(f"created {format_timestamp(job.created_at)}")
            if job.terminal:
                parts.append(f"took {format_duration(job.duration)}")
            parts.append(f"trained tokens: {format_tokens(job.trained_tokens)}")
            self.details.setText(" \u00b7 ".join(parts))
        total, step = self._total, self._step or 0
        if status == "succeeded" and total:
            step = total
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(min(step, total))
            self.progress.setFormat(f"Step {step} / {total}")
        else:
            busy = is_waiting(status)
            self.progress.setRange(0, 0 if busy else 1)
            self.progress.setValue(0)
            self.progress.setFormat(status_label(status))
        finish = estimated_finish(job, self.event_log.model.all_events(), step, total) if job is not None else None
        self.eta_label.setText(
            f"Estimated finish: {format_eta(finish)}" if finish and job is not None and not job.terminal else ""
        )
        self.model_row.setVisible(bool(job and job.fine_tuned_model))
        self.model_edit.setText((job.fine_tuned_model or "") if job else "")
        error = (job.error or {}).get("message") if job is not None else None
        self.error_label.setVisible(bool(error))
        self.error_label.setText(f"The job failed: {error}" if error else "")
        self._render_skips()
        self._render_buttons()

    def _render_skips(self) -> None:
        skips = self.controller.service_skips(self.job_id)
        if not skips:
            self.skip_banner.hide()
            return
        reasons = Counter(s.reason for s in skips)
        listed = "; ".join(f"{reason} ({n})" for reason, n in reasons.most_common())
        n = len({s.image_id for s in skips})
        self.skip_label.setText(
            f"<b>The service skipped {n} image{'s' if n != 1 else ''}</b>: {listed}. They are marked in the grid; "
            "fix or exclude them before the next run."
        )
        self.skip_banner.show()

    def _profile(self) -> ServiceProfile:
        if self._job is not None and self._job.profile:
            try:
                return ServiceProfile.from_dict(self._job.profile)
            except Exception:  # noqa: BLE001 - an unreadable stored profile falls back to the current one
                pass
        return self.controller.profile

    def _render_buttons(self) -> None:
        status = self._job.status if self._job is not None else "unknown"
        terminal = self._job is not None and self._job.terminal
        idle = self._busy is None
        self.pause_button.setEnabled(idle and status == "running" and self._profile().supports_pause)
        self.resume_button.setEnabled(idle and status == "paused")
        self.cancel_button.setEnabled(idle and not terminal and self._job is not None)
        self.pause_button.setVisible(not terminal)
        self.resume_button.setVisible(not terminal)
        self.cancel_button.setVisible(not terminal)
        if idle and not self.action_label.text().startswith("Could not"):
            self.action_label.setText("")

    def _set_connection(self, state: str, message: str = "", retry_in: float | None = None, sign_in: bool = False) -> None:
        self.connection_state = state
        self.sign_in_button.setVisible(sign_in)
        if state == "ok":
            self.connection_label.hide()
            return
        if state == "reconnecting":
            when = f" Next try in {max(1, round(retry_in))} s." if retry_in else ""
            self.connection_label.setText(f"\u26a0 Reconnecting\u2026{when} {message}".strip())
        else:
            self.connection_label.setText(f"\u26a0 {message}")
        self.connection_label.show()

    # -- actions ------------------------------------------------------------------------------------

    def request_action(self, verb: str) -> bool:
        """Ask, then pause / resume / cancel; returns whether the request was sent."""
        title, text, ok_text = CONFIRM_TEXT[verb]
        if not self.confirm(self, title, text, ok_text):
            return False
        self._busy = verb
        self.action_label.setText(BUSY_TEXT[verb])
        self._render_buttons()
        {"pause": self.controller.pause, "resume": self.controller.resume, "cancel": self.controller.cancel_job}[verb](self.job_id)
        return True

    def _on_action_finished(self, job_id: str, verb: str, ok: bool, message: str) -> None:
        if job_id != self.job_id:
            return
        self._busy = None
        self.action_label.setText("" if ok else f"Could not {verb} the job: {message}")
        self._render_buttons()

    def _request_sign_in(self) -> None:
        self.sign_in_requested.emit(self._profile())

    # -- for tests and screenshots ------------------------------------------------------------------

    @property
    def status_text(self) -> str:
        return self.status_label.text()

    @property
    def connection_text(self) -> str:
        return self.connection_label.text() if self.connection_label.isVisible() or self.connection_state != "ok" else ""


def _banner(level: str) -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    color = "#c62828" if level == "error" else "#8d6e00"
    label.setStyleSheet(f"border: 1px solid {color}; border-radius: 4px; padding: 6px; color: {color};")
    label.hide()
    return label


def open_job_window(controller: FinetuneController, job_id: str, parent: QWidget | None = None) -> JobView:
    """A job view as its own window (one per job is the caller's business)."""
    view = JobView(controller, job_id, parent=parent)
    view.setWindowFlag(Qt.WindowType.Window, True)
    view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    view.resize(1100, 760)
    view.show()
    return view

