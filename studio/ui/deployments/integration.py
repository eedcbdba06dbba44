"""Plugs deployments into the main window: Fine-tune ▸ Deployments… and Try it…, and "Deploy…" in
a job window. One call after fine-tuning is installed: `install_deployments(window, finetune)`.

The windows belong to the open project and close with it. Evaluation (eval-ui) offers its action on
a deployment with `set_evaluate_handler(fn(deployment_name))`; the Evaluate button shows only then.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction

from studio.service.deployments import direct_targets
from studio.ui.deployments.context import DeploymentsContext
from studio.ui.deployments.try_it import TryItWindow
from studio.ui.deployments.window import ConfirmFn, DeploymentsWindow


class DeploymentsIntegration(QObject):

    def __init__(self, window: Any, finetune: Any, *, confirm: ConfirmFn | None = None,
                 manager_factory: Any = None) -> None:
        super().__init__(window)
        self.window = window
        self.finetune = finetune
        self.confirm = confirm
        self.manager_factory = manager_factory
        self.context: DeploymentsContext | None = None
        self.deployments_window: DeploymentsWindow | None = None
        self.try_window: TryItWindow | None = None
        self.evaluate_handler: Callable[[str], None] | None = None

        self.action_deployments = QAction("Deployments\u2026", window)
        self.action_deployments.setObjectName("actionDeployments")
        self.action_deployments.setToolTip("Deploy fine-tuned models, see what is deployed and what it costs, delete")
        self.action_deployments.triggered.connect(lambda: self.show_deployments())
        self.action_try = QAction("Try it\u2026", window)
        self.action_try.setObjectName("actionTryIt")
        self.action_try.setToolTip("Ask a model or deployment about one image")
        self.action_try.triggered.connect(lambda: self.show_try_it(use_grid=True))
        window.finetune_menu.addSeparator()
        window.finetune_menu.addAction(self.action_deployments)
        window.finetune_menu.addAction(self.action_try)
        finetune.controller_changed.connect(self._controller_changed)
        finetune.job_view_opened.connect(lambda view: view.deploy_requested.connect(self.deploy_job))
        self._controller_changed(finetune.controller)

    # -- project ------------------------------------------------------------------------------------

    def _controller_changed(self, controller: Any) -> None:
        for w in (self.deployments_window, self.try_window):
            if w is not None:
                w.close()
                w.deleteLater()
        self.deployments_window = None
        self.try_window = None
        self.context = None
        if controller is not None:
            self.context = DeploymentsContext(controller.session, lambda: controller.profile,
                                              controller.credentials, manager_factory=self.manager_factory)
        for action in (self.action_deployments, self.action_try):
            action.setEnabled(self.context is not None)

    # -- windows ------------------------------------------------------------------------------------

    def show_deployments(self) -> DeploymentsWindow | None:
        if self.context is None:
            return None
        if self.deployments_window is None:
            w = DeploymentsWindow(self.context, self.window, confirm=self.confirm)
            w.setWindowFlag(Qt.WindowType.Window, True)
            w.try_it_requested.connect(lambda name: self.show_try_it(prefer=name))
            w.settings_requested.connect(self._open_settings)
            w.evaluate_requested.connect(self._evaluate)
            w.can_evaluate = self.evaluate_handler is not None or getattr(self.window, "evaluation", None) is not None
            self.deployments_window = w
        self.deployments_window.show()
        self.deployments_window.raise_()
        self.deployments_window.activateWindow()
        return self.deployments_window

    def show_try_it(self, prefer: str | None = None, use_grid: bool = False) -> TryItWindow | None:
        if self.context is None:
            return None
        if self.try_window is None:
            w = TryItWindow(self.context, self.window, grid_image=self._grid_image)
            w.setWindowFlag(Qt.WindowType.Window, True)
            self.try_window = w
        if prefer:
            self.try_window.prefer(prefer)
            if self.try_window.isVisible():
                self.try_window.load_targets()  # a new deployment: refresh the list
        if use_grid and self._grid_image() is not None:
            self.try_window.use_grid_image()
        self.try_window.show()
        self.try_window.raise_()
        self.try_window.activateWindow()
        return self.try_window

    def deploy_job(self, job_id: str) -> Any:
        """From a job window: the Deploy dialog with this job's model and checkpoints."""
        window = self.show_deployments()
        if window is None or self.context is None:
            return None
        candidates = [t for t in direct_targets(self.context.session) if t.job_id == job_id]
        final = next((t.model for t in candidates if t.kind == "fine_tuned"), None)
        return window.open_deploy(model=final, candidates=candidates or None)

    def set_evaluate_handler(self, handler: Callable[[str], None] | None) -> None:
        """Evaluation (eval-ui) opens its Evaluate dialog on a deployment name; shows the Evaluate button."""
        self.evaluate_handler = handler
        if self.deployments_window is not None:
            self.deployments_window.can_evaluate = handler is not None
            self.deployments_window._update_buttons()

    def _evaluate(self, name: str) -> None:
        """Open evaluation on this deployment: a handler if one was set, else eval-ui's Evaluate dialog
        (`window.evaluation.open_dialog`) with the served model preselected and the deployment filled in."""
        if self.evaluate_handler is not None:
            self.evaluate_handler(name)
            return
        evaluation = getattr(self.window, "evaluation", None)
        window = self.deployments_window
        info = next((d for d in window.model.deployments() if d.name == name), None) if window is not None else None
        if evaluation is None or info is None:
            return
        dialog = evaluation.open_dialog(preselect=info.model)
        if dialog is not None and hasattr(dialog, "set_deployment"):
            dialog.set_deployment(info.model, name)

    def _grid_image(self) -> Path | None:
        workspace = getattr(self.window, "workspace", None)
        controller = getattr(workspace, "controller", None)
        image = controller.current_image() if controller is not None else None
        return Path(image.abs_path) if image is not None else None

    def _open_settings(self) -> None:
        if self.finetune.open_service_settings() and self.deployments_window is not None:
            self.deployments_window.refresh()


def install_deployments(window: Any, finetune: Any, **kwargs: Any) -> DeploymentsIntegration:
    """Add deployments to `window` next to fine-tuning (`finetune` = the FinetuneIntegration)."""
    return DeploymentsIntegration(window, finetune, **kwargs)
