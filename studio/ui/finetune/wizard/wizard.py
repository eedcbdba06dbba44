"""The "Fine-tune…" wizard: dataset -> prompts -> service and model -> estimate -> submit.

Five short pages over one `FinetuneChoices`, so every page works from the same decisions. The wizard
is not modal: it can stay open while the user keeps working, and the submission runs in the
background. Closing it while a submission runs asks first; a cancelled submission can be resumed
later from the Jobs panel without creating a second job.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMessageBox, QWidget, QWizard

from studio.ui.finetune.choices import FinetuneChoices
from studio.ui.finetune.controller import FinetuneController
from studio.ui.finetune.wizard.page_dataset import DatasetPage
from studio.ui.finetune.wizard.page_estimate import EstimatePage
from studio.ui.finetune.wizard.page_prompts import PromptsPage
from studio.ui.finetune.wizard.page_service import ServicePage
from studio.ui.finetune.wizard.page_submit import SubmitPage

ConfirmFn = Callable[[QWidget, str, str], bool]


def confirm_stop(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(parent, title, text,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


class FinetuneWizard(QWizard):
    job_created = Signal(str)
    sign_in_needed = Signal(object)  # ServiceProfile

    def __init__(self, controller: FinetuneController, parent: QWidget | None = None, *,
                 confirm: ConfirmFn | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.confirm = confirm or confirm_stop
        self.choices = FinetuneChoices(export_extra=controller.export_options_extra())
        self.setWindowTitle(f"Fine-tune \u2013 {controller.project_name}")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.FinishButton, "Close")
        self.dataset_page = DatasetPage(controller, self.choices)
        self.prompts_page = PromptsPage(controller, self.choices)
        self.service_page = ServicePage(controller, self.choices)
        self.estimate_page = EstimatePage(controller, self.choices)
        self.submit_page = SubmitPage(controller, self.choices)
        for page in (self.dataset_page, self.prompts_page, self.service_page, self.estimate_page, self.submit_page):
            self.addPage(page)
        self.submit_page.job_created.connect(self.job_created)
        self.submit_page.sign_in_needed.connect(self.sign_in_needed)
        self.resize(900, 720)

    def reject(self) -> None:
        """Cancel / Esc / close: stop a running submission only when the user agrees."""
        if self.submit_page.running:
            if not self.confirm(self, "Stop the submission?",
                                "The upload is still running. Stop it? You can resume it later from the Jobs "
                                "panel; no second job will be created."):
                return
            self.submit_page.cancel()
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self.submit_page.running and not self.confirm(
            self, "Stop the submission?",
            "The upload is still running. Stop it? You can resume it later from the Jobs panel.",
        ):
            event.ignore()
            return
        if self.submit_page.running:
            self.submit_page.cancel()
        super().closeEvent(event)
