"""The Deployments window: the resource's deployments, and Deploy / Try it / Evaluate / Delete.

Lists come from the service in the background; this project's deployments are bold with the job or
checkpoint they serve; the lifetime column ticks every minute without a network call. When the
profile signs in with an API key the window says that deployments need Microsoft Entra ID and offers
the service settings, instead of failing on the first request.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from studio.service.deployments import DeploymentInfo, direct_targets
from studio.service.deployments.errors import API_KEY_CANNOT_MANAGE
from studio.service.deployments.management import supports_deployments
from studio.service.deployments.targets import CallTarget
from studio.ui.common.tasks import BackgroundTask
from studio.ui.deployments.context import DeploymentsContext
from studio.ui.deployments.deploy_dialog import DeployDialog
from studio.ui.deployments.model import DeploymentsModel
from studio.service.profile import save_project_profile


class ResourceDialog(QDialog):
    """Subscription id, resource group and resource name: what Resource Manager needs to find the resource."""

    def __init__(self, subscription: str, group: str, account: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Azure resource")
        self.sub = QLineEdit(subscription)
        self.sub.setPlaceholderText("00000000-0000-0000-0000-000000000000")
        self.group = QLineEdit(group)
        self.account = QLineEdit(account)
        self.account.setPlaceholderText("the name before .openai.azure.com")
        form = QFormLayout(self)
        note = QLabel("Found in the Azure portal on the resource's Overview page. Kept in this project (no secrets).")
        note.setWordWrap(True)
        form.addRow(note)
        form.addRow("Subscription id", self.sub)
        form.addRow("Resource group", self.group)
        form.addRow("Resource name", self.account)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[str, str, str]:
        return self.sub.text(), self.group.text(), self.account.text()

ConfirmFn = Callable[[str, str], bool]


def ask_user(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(parent, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def deployable_targets(context: DeploymentsContext) -> list[CallTarget]:
    """This project's succeeded jobs' models and checkpoints (no base models: those are not fine-tuned)."""
    return [t for t in direct_targets(context.session) if t.kind in ("fine_tuned", "checkpoint")]


class DeploymentsWindow(QWidget):
    try_it_requested = Signal(str)  # deployment name
    evaluate_requested = Signal(str)  # deployment name (eval-ui opens its Evaluate dialog on it)
    settings_requested = Signal()  # the user wants to switch to Entra sign-in
    deployments_changed = Signal()

    def __init__(self, context: DeploymentsContext, parent: QWidget | None = None, *,
                 confirm: ConfirmFn | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Deployments")
        self.setObjectName("deploymentsWindow")
        self.context = context
        self.confirm = confirm or (lambda title, text: ask_user(self, title, text))
        self.task: BackgroundTask | None = None
        self.deploy_dialog: DeployDialog | None = None
        self.can_evaluate = False  # set by whoever handles evaluate_requested (eval-ui)

        self.where = QLabel()
        self.where.setObjectName("deploymentsWhere")
        self.where.setWordWrap(True)
        self.notice = QLabel()
        self.notice.setObjectName("deploymentsNotice")
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice.hide()
        self.settings_button = QPushButton("Sign in with Microsoft Entra ID…")
        self.settings_button.setObjectName("deploymentsSignIn")
        self.settings_button.clicked.connect(self.settings_requested)
        self.settings_button.hide()
        self.resource_button = QPushButton("Azure resource…")
        self.resource_button.setObjectName("deploymentsResource")
        self.resource_button.setToolTip("Subscription, resource group and name of the Azure OpenAI resource in Resource Manager")
        self.resource_button.clicked.connect(lambda: self.edit_resource())

        self.model = DeploymentsModel(self)
        self.table = QTableView()
        self.table.setObjectName("deploymentsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.table.doubleClicked.connect(lambda *_: self._try_selected())

        self.refresh_button = QPushButton("Refresh")
        self.deploy_button = QPushButton("Deploy…")
        self.try_button = QPushButton("Try it…")
        self.evaluate_button = QPushButton("Evaluate…")
        self.delete_button = QPushButton("Delete…")
        for name, button in (("deploymentsRefresh", self.refresh_button), ("deploymentsDeploy", self.deploy_button),
                             ("deploymentsTry", self.try_button), ("deploymentsEvaluate", self.evaluate_button),
                             ("deploymentsDelete", self.delete_button)):
            button.setObjectName(name)
        self.refresh_button.clicked.connect(self.refresh)
        self.deploy_button.clicked.connect(lambda: self.open_deploy())
        self.try_button.clicked.connect(self._try_selected)
        self.evaluate_button.clicked.connect(self._evaluate_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.evaluate_button.setToolTip("Evaluate this deployment on the project's test set")

        self.status = QLabel()
        self.status.setObjectName("deploymentsStatus")
        self.status.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(self.where, 1)
        top.addWidget(self.resource_button)
        top.addWidget(self.refresh_button)
        buttons = QHBoxLayout()
        for button in (self.deploy_button, self.try_button, self.evaluate_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.delete_button)
        notice_row = QHBoxLayout()
        notice_row.addWidget(self.notice, 1)
        notice_row.addWidget(self.settings_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(notice_row)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)

        self.clock = QTimer(self)
        self.clock.setInterval(60_000)
        self.clock.timeout.connect(self.model.refresh_times)
        self.clock.start()
        self.resize(1100, 420)
        self._update_buttons()

    # -- state --------------------------------------------------------------------------------------

    def edit_resource(self, values: tuple[str, str, str] | None = None) -> bool:
        """Enter the resource's ARM address once (when it cannot be found from the endpoint); it is kept
        in the project's service profile. `values` answers the dialog without showing it (tests)."""
        profile = self.context.profile()
        if not profile.is_azure:
            return False
        if values is None:
            dialog = ResourceDialog(profile.subscription_id, profile.resource_group, profile.account_name, self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return False
            values = dialog.values()
        sub, rg, account = (v.strip() for v in values)
        if not (sub and rg and account):
            return False
        save_project_profile(self.context.session, replace(profile, subscription_id=sub, resource_group=rg, account_name=account))
        self.refresh()
        return True

    def selected(self) -> DeploymentInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.at(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        info = self.selected()
        busy = self.task is not None
        self.refresh_button.setEnabled(not busy)
        self.deploy_button.setEnabled(not busy and self._can_manage())
        self.resource_button.setVisible(self.context.profile().is_azure)
        self.try_button.setEnabled(info is not None and info.ready)
        self.evaluate_button.setVisible(self.can_evaluate)
        self.evaluate_button.setEnabled(info is not None and info.ready)
        self.delete_button.setEnabled(info is not None and not busy and self._can_manage())

    def _can_manage(self) -> bool:
        profile = self.context.profile()
        return supports_deployments(profile) and (profile.kind == "demo" or profile.auth == "entra")

    def _show_notice(self, text: str, sign_in: bool = False, error: bool = True) -> None:
        self.notice.setText(text)
        self.notice.setStyleSheet("color: #c62828;" if error else "")
        self.notice.setVisible(bool(text))
        self.settings_button.setVisible(sign_in)

    # -- list ---------------------------------------------------------------------------------------

    def refresh(self) -> BackgroundTask | None:
        profile = self.context.profile()
        self.where.setText(f"<b>{profile.display_name()}</b>")
        if not supports_deployments(profile):
            self.model.set_deployments([])
            self._show_notice("OpenAI has no deployments: a fine-tuned model or checkpoint is called directly. "
                              "Use Try it to ask one about an image.", error=False)
            self._update_buttons()
            return None
        if profile.kind != "demo" and profile.auth != "entra":
            self.model.set_deployments([])
            self._show_notice(API_KEY_CANNOT_MANAGE, sign_in=True)
            self._update_buttons()
            return None
        if self.task is not None:
            return self.task

        def work(manager: Any, progress: Any, cancel: Any) -> tuple[list[DeploymentInfo], str]:
            infos = manager.list()
            return infos, manager.target.describe()

        task = BackgroundTask(self.context.with_manager(work), self, title="Listing deployments")
        task.finished.connect(self._listed)
        task.failed.connect(lambda message: self._show_notice(message, sign_in="Entra" in message or "401" in message))
        task.ended.connect(self._task_ended)
        self.task = task
        self.status.setText("Asking Azure for the deployments…")
        self._update_buttons()
        task.start()
        return task

    def _listed(self, result: tuple[list[DeploymentInfo], str]) -> None:
        infos, where = result
        current = self.selected()
        self.model.set_deployments(infos)
        self.where.setText(f"<b>{self.context.profile().display_name()}</b> — {where}")
        self._show_notice("")
        ours = sum(1 for i in infos if i.ours)
        self.status.setText(f"{len(infos)} deployment{'s' if len(infos) != 1 else ''}, {ours} made by this project "
                            "(bold)." if infos else "No deployments yet. Deploy a finished job's model to try it.")
        if current is not None:
            for row, info in enumerate(infos):
                if info.name == current.name:
                    self.table.selectRow(row)

    def _task_ended(self) -> None:
        self.task = None
        self._update_buttons()

    # -- actions ------------------------------------------------------------------------------------

    def open_deploy(self, model: str | None = None, candidates: Sequence[CallTarget] | None = None,
                    purpose: str | None = None) -> DeployDialog | None:
        if not self._can_manage():
            self.refresh()
            return None
        candidates = list(candidates) if candidates is not None else deployable_targets(self.context)
        if not candidates:
            QMessageBox.information(self, "Nothing to deploy yet",
                                    "This project has no finished fine-tuning job yet. Fine-tune a model first; "
                                    "when its job has succeeded, its model and checkpoints can be deployed here.")
            return None
        dialog = DeployDialog(self.context, candidates, self, preselect=model, purpose=purpose)
        dialog.deployed.connect(self._deployed)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.deploy_dialog = dialog
        dialog.show()
        return dialog

    def _deployed(self, info: DeploymentInfo) -> None:
        self.deployments_changed.emit()
        self.status.setText(f"'{info.name}' is ready. Try it, or evaluate it on the test set.")
        self.refresh()

    def _try_selected(self) -> None:
        info = self.selected()
        if info is not None and info.ready:
            self.try_it_requested.emit(info.name)

    def _evaluate_selected(self) -> None:
        info = self.selected()
        if info is not None and info.ready:
            self.evaluate_requested.emit(info.name)

    def delete_selected(self) -> BackgroundTask | None:
        info = self.selected()
        if info is None or self.task is not None:
            return None
        extra = "" if info.ours else "\n\nThis deployment was not made by this project; someone else may be using it."
        if not self.confirm("Delete deployment",
                            f"Delete deployment '{info.name}' ({info.model})?\n\nCalls to it stop working at once. The "
                            f"fine-tuned model itself is kept and can be deployed again.{extra}"):
            return None
        return self.delete(info.name)

    def delete(self, name: str) -> BackgroundTask:
        task = BackgroundTask(self.context.with_manager(lambda m, p, c: m.delete(name, p, c)), self,
                              title=f"Deleting {name}")
        task.progress.connect(lambda _d, _t, message: self.status.setText(message))
        task.finished.connect(lambda _: self._deleted(name))
        task.failed.connect(lambda message: self._show_notice(message))
        task.ended.connect(self._after_delete)
        self.task = task
        self._update_buttons()
        task.start()
        return task

    def _deleted(self, name: str) -> None:
        self.deployments_changed.emit()
        self.status.setText(f"'{name}' deleted.")

    def _after_delete(self) -> None:
        self.task = None
        self.refresh()

    def showEvent(self, event: Any) -> None:  # noqa: N802
        super().showEvent(event)
        if not self.model.deployments() and self.task is None:
            self.refresh()


__all__ = ["DeploymentsWindow", "deployable_targets"]
