"""Wizard step 5: export, upload and job creation running in the background, with Cancel and Retry.

The work runs on a worker thread (`SubmissionRun`), so the window stays responsive and can show each
step. A failure shows the service layer's message (what happened and what to do) and a "Retry"
button that resumes the *same* submission: steps already done (export, uploaded files, a created
job) are recorded in the project and never repeated, so a retry cannot create a second job.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QProgressBar, QPushButton, QVBoxLayout, QWizardPage

from studio.core.errors import StudioError
from studio.ui.finetune.choices import FinetuneChoices
from studio.ui.finetune.controller import FinetuneController, SubmissionRun


class SubmitPage(QWizardPage):
    job_created = Signal(str)
    sign_in_needed = Signal(object)  # ServiceProfile

    def __init__(self, controller: FinetuneController, choices: FinetuneChoices) -> None:
        super().__init__()
        self.controller = controller
        self.choices = choices
        self.run: SubmissionRun | None = None
        self.job_id: str | None = None
        self.state = "idle"  # idle | running | failed | cancelled | created
        self.setTitle("Submitting")
        self.setSubTitle("Exporting the dataset, uploading it and creating the fine-tuning job.")
        self.progress = QProgressBar()
        self.step_label = QLabel()
        self.step_label.setWordWrap(True)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        self.warnings = QListWidget()
        self.warnings.setMaximumHeight(140)
        self.cancel_button = QPushButton("Cancel submission")
        self.retry_button = QPushButton("Retry")
        self.cancel_button.clicked.connect(self.cancel)
        self.retry_button.clicked.connect(self.retry)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.retry_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.step_label)
        layout.addWidget(self.progress)
        layout.addLayout(buttons)
        layout.addWidget(self.result_label)
        self.notes_title = QLabel("Notes from the export:")
        layout.addWidget(self.notes_title)
        layout.addWidget(self.warnings)
        layout.addStretch(1)
        self.notes_title.hide()
        self.warnings.hide()

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        if self.run is not None:
            return
        assert self.choices.profile is not None
        try:
            self.run = self.controller.new_submission(self.choices.profile, self.choices.submit_params())
        except StudioError as error:
            self._set_state("failed", str(error))
            self.retry_button.setEnabled(False)
            return
        self.run.progress.connect(self._on_progress)
        self.run.warning.connect(self._on_warning)
        self.run.created.connect(self._on_created)
        self.run.failed.connect(self._on_failed)
        self.run.cancelled.connect(lambda: self._set_state("cancelled", "The submission was cancelled. Nothing "
                                                           "more was sent; \u201cRetry\u201d carries on from where it stopped."))
        self.start()

    def start(self) -> None:
        assert self.run is not None
        self._set_state("running", "")
        self.progress.setRange(0, 0)
        self.run.start()

    def retry(self) -> None:
        if self.run is not None and self.state in ("failed", "cancelled"):
            self.start()

    def cancel(self) -> None:
        if self.run is not None and self.state == "running":
            self.step_label.setText("Cancelling\u2026")
            self.cancel_button.setEnabled(False)
            self.run.cancel()

    @property
    def running(self) -> bool:
        return self.state == "running"

    def _set_state(self, state: str, message: str) -> None:
        self.state = state
        self.cancel_button.setEnabled(state == "running")
        self.retry_button.setEnabled(state in ("failed", "cancelled"))
        self.cancel_button.setVisible(state != "created")
        self.retry_button.setVisible(state != "created")
        if state != "running":
            self.progress.setRange(0, 1)
            self.progress.setValue(1 if state == "created" else 0)
        color = {"failed": "#c62828", "cancelled": "#8d6e00", "created": "#2e7d32"}.get(state)
        self.result_label.setText(f"<span style='color:{color}'>{message}</span>" if color and message else message)
        self.completeChanged.emit()

    def _on_progress(self, done: int, total: int, message: str) -> None:
        if self.state != "running":
            return
        if message:
            self.step_label.setText(message)
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
        else:
            self.progress.setRange(0, 0)

    def _on_warning(self, message: str) -> None:
        self.warnings.addItem(message)
        self.warnings.show()
        self.notes_title.show()

    def _on_created(self, job_id: str) -> None:
        self.job_id = job_id
        self.step_label.setText("Done.")
        self._set_state(
            "created",
            f"<b>Fine-tuning job {job_id} was created.</b> It runs on the service and the Jobs panel follows it "
            "live; you can close this window, and even the app: monitoring resumes when you reopen the project.",
        )
        self.job_created.emit(job_id)

    def _on_failed(self, message: str, needs_sign_in: bool) -> None:
        self._set_state("failed", f"The submission stopped: {message}")
        if needs_sign_in and self.choices.profile is not None:
            self.sign_in_needed.emit(self.choices.profile)

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        return self.state == "created"
