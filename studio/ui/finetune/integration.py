"""Plugs fine-tuning into the main window: menu actions, the Jobs dock, job windows, re-attach.

One call from the app: `install_finetune(main_window)`. It uses the main window's extension points
(`finetune_menu`, `action_finetune`, `action_jobs`, `add_panel`, `project_opened` / `project_closed`,
`show_message`, `workspace.show_filter`) and touches nothing else. For each opened project it
creates a `FinetuneController`, re-attaches the jobs that were still running when the project was
last open, and closes everything again when the project closes (a submission cut by that resumes
with "Retry" next time).

When the service reports skipped images, the images are marked in the project by the service layer;
this module then tells the window (`service_skips_changed` with the image ids, and the session's
`notify_images_changed`) so the grid's badges and the "Skipped by service" filter count follow.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog

from studio.core.errors import StudioError
from studio.service.profile import ServiceProfile
from studio.ui.app import settings as app_settings
from studio.ui.finetune.controller import FinetuneConfig, FinetuneController
from studio.ui.finetune.credentials import FinetuneCredentials
from studio.ui.finetune.service_settings import ServiceSettingsDialog
from studio.ui.finetune.sign_in import SignInDialog
from studio.ui.finetune.wizard.wizard import FinetuneWizard
from studio.ui.finetune.jobs.list_panel import JobListPanel
from studio.ui.finetune.jobs.job_view import ConfirmFn, JobView

SKIPPED_FILTER_KEY = "skipped"


class FinetuneIntegration(QObject):
    service_skips_changed = Signal(object)  # list[int]: images the service skipped (grid rows to reload)
    controller_changed = Signal(object)  # FinetuneController | None
    job_view_opened = Signal(object)  # JobView: features add their hooks (e.g. Evaluate…)

    def __init__(self, window: Any, *, credentials: FinetuneCredentials | None = None,
                 config: FinetuneConfig | None = None, confirm: ConfirmFn | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.credentials = credentials or FinetuneCredentials()
        self.config = config or FinetuneConfig()
        self.confirm = confirm
        self.controller: FinetuneController | None = None
        self.session: Any = None
        self.wizard: FinetuneWizard | None = None
        self.job_views: dict[str, JobView] = {}

        self.panel = JobListPanel()
        self.panel.open_job.connect(self.open_job)
        self.panel.new_finetune.connect(self.open_wizard)
        self.panel.service_settings.connect(self.open_service_settings)
        self.dock = window.add_panel(self.panel, "Fine-tuning jobs", "finetuneJobsDock")
        self.dock.hide()

        self.action_finetune: QAction = window.action_finetune
        self.action_jobs: QAction = window.action_jobs
        self.action_finetune.triggered.connect(self.open_wizard)
        self.action_jobs.triggered.connect(self.show_jobs)
        self.action_service = QAction("Service settings\u2026", window)
        self.action_service.setObjectName("actionFinetuneService")
        self.action_service.triggered.connect(self.open_service_settings)
        window.finetune_menu.addSeparator()
        window.finetune_menu.addAction(self.action_service)
        window.project_opened.connect(self.project_opened)
        window.project_closed.connect(self.project_closed)
        self._update_actions()
        if getattr(window, "session", None) is not None:
            self.project_opened(window.session)

    # -- project life -------------------------------------------------------------------------------

    def project_opened(self, session: Any) -> None:
        self.project_closed()
        self.session = session
        try:
            self.controller = FinetuneController(session, credentials=self.credentials, config=self.config, parent=self)
        except StudioError as error:
            self.window.show_message(f"Fine-tuning is not available for this project: {error}", "warning")
            self.controller = None
            self._update_actions()
            return
        self.controller.service_skips_changed.connect(self._on_skips)
        self.panel.set_controller(self.controller)
        running = self.controller.attach_running()
        if running or self.controller.jobs() or self.controller.unfinished_submissions():
            self.dock.show()
        if running:
            n = len(running)
            self.window.show_message(
                f"Following {n} fine-tuning job{'s' if n != 1 else ''} that {'are' if n != 1 else 'is'} still running.",
                "info", [("Show jobs", self.show_jobs)], key="finetune-attached",
            )
        self._update_actions()
        self.controller_changed.emit(self.controller)

    def project_closed(self) -> None:
        if self.wizard is not None:
            self.wizard.close()
            self.wizard = None
        for view in list(self.job_views.values()):
            view.close()
        self.job_views.clear()
        self.panel.set_controller(None)
        if self.controller is not None:
            self.controller.close()
            self.controller.deleteLater()
            self.controller = None
            self.controller_changed.emit(None)
        self.session = None
        self._update_actions()

    def _update_actions(self) -> None:
        writable = self.controller is not None and not self.controller.read_only
        self.action_finetune.setEnabled(writable)
        self.action_finetune.setToolTip("" if writable else "Open a project you can write to first.")
        self.action_jobs.setEnabled(self.controller is not None)
        self.action_jobs.setToolTip("")

    # -- windows ------------------------------------------------------------------------------------

    def open_wizard(self) -> FinetuneWizard | None:
        if self.controller is None or self.controller.read_only:
            return None
        if self.wizard is not None and self.wizard.isVisible():
            self.wizard.raise_()
            self.wizard.activateWindow()
            return self.wizard
        wizard = FinetuneWizard(self.controller, self.window)
        wizard.job_created.connect(self._job_created)
        wizard.sign_in_needed.connect(self.sign_in)
        wizard.finished.connect(lambda _: setattr(self, "wizard", None) if self.wizard is wizard else None)
        self.wizard = wizard
        wizard.show()
        return wizard

    def _job_created(self, job_id: str) -> None:
        self.dock.show()
        self.open_job(job_id)

    def show_jobs(self) -> None:
        self.dock.show()
        self.dock.raise_()

    def open_job(self, job_id: str) -> JobView | None:
        if self.controller is None:
            return None
        view = self.job_views.get(job_id)
        if view is None:
            view = JobView(self.controller, job_id, confirm=self.confirm, parent=self.window)
            view.setWindowFlag(Qt.WindowType.Window, True)
            view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
            view.resize(1100, 760)
            view.show_skipped_requested.connect(self.show_skipped)
            view.sign_in_requested.connect(self.sign_in)
            view.destroyed.connect(lambda *_, j=job_id: self.job_views.pop(j, None))
            self.job_views[job_id] = view
            self.job_view_opened.emit(view)
        view.show()
        view.raise_()
        view.activateWindow()
        return view

    def open_service_settings(self) -> bool:
        profile = self.controller.profile if self.controller is not None else app_settings.load_profile()
        dialog = ServiceSettingsDialog(self.credentials, profile, self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        chosen = dialog.chosen_profile()
        if chosen is None:
            return False
        if self.controller is not None:
            self.controller.set_profile(chosen)
            self.controller.credentials_changed()
        else:
            app_settings.save_profile(chosen)
        return True

    def sign_in(self, profile: ServiceProfile) -> bool:
        dialog = SignInDialog(profile, self.credentials, self.window)
        ok = dialog.exec() == QDialog.DialogCode.Accepted
        if ok and self.controller is not None:
            self.controller.credentials_changed()
        return ok

    # -- skipped images -----------------------------------------------------------------------------

    def _on_skips(self, image_ids: list[int]) -> None:
        self.service_skips_changed.emit(image_ids)
        if self.session is not None and hasattr(self.session, "notify_images_changed"):
            self.session.notify_images_changed()  # recount + requery: badges and filter counts follow
        n = len(image_ids)
        self.window.show_message(
            f"The fine-tuning service skipped {n} image{'s' if n != 1 else ''}; {'they are' if n != 1 else 'it is'} "
            "marked in the grid with the reason.",
            "warning", [("Show them", self.show_skipped)], key="finetune-skips",
        )

    def show_skipped(self) -> None:
        workspace = getattr(self.window, "workspace", None)
        if workspace is not None:
            workspace.show_filter(SKIPPED_FILTER_KEY)
        self.window.raise_()
        self.window.activateWindow()


def install_finetune(window: Any, *, credentials: FinetuneCredentials | None = None,
                     config: FinetuneConfig | None = None, confirm: ConfirmFn | None = None) -> FinetuneIntegration:
    """Add fine-tuning to `window` (a `MainWindow`); returns the integration object (keep it, or not:
    it is parented to the window)."""
    return FinetuneIntegration(window, credentials=credentials, config=config, confirm=confirm)

