"""Deploy a fine-tuned model or checkpoint: choose the type, see what it costs, watch it provision.

Developer is preselected: no hosting fee, 24-hour lifetime, no SLA — the right choice for trying and
evaluating. Standard and Global Standard show the hourly hosting price (a setting, editable here and
kept in the project) and the 15-day inactivity rule, and Deploy stays disabled until the user ticks
that they accept the hourly fee. Provisioning runs in the background with progress and Cancel
(cancel deletes the half-made deployment).
"""

from __future__ import annotations

from typing import Any, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.core.money import usd
from studio.service.deployments import DeploymentInfo, DeploymentType, DeployRequest, default_name, hosting_price
from studio.service.deployments.pricing import is_default_price, set_hosting_price
from studio.service.deployments.targets import CallTarget
from studio.ui.common.tasks import BackgroundTask
from studio.ui.deployments.context import DeploymentsContext


class DeployDialog(QDialog):
    deployed = Signal(object)  # DeploymentInfo

    def __init__(self, context: DeploymentsContext, candidates: Sequence[CallTarget], parent: QWidget | None = None,
                 *, preselect: str | None = None, purpose: str | None = None) -> None:
        """`candidates`: deployable models (kind fine_tuned / checkpoint) with their job and step."""
        super().__init__(parent)
        self.setWindowTitle("Deploy a fine-tuned model")
        self.setObjectName("deployDialog")
        self.context = context
        self.purpose = purpose
        self.task: BackgroundTask | None = None
        self._candidates = list(candidates)
        self._name_edited = False
        self._price_kind: DeploymentType | None = None

        self.model_combo = QComboBox()
        self.model_combo.setObjectName("deployModel")
        for target in self._candidates:
            self.model_combo.addItem(target.label, target)
        if preselect:
            for i, target in enumerate(self._candidates):
                if target.model == preselect:
                    self.model_combo.setCurrentIndex(i)
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("deployName")
        self.name_edit.textEdited.connect(lambda _: setattr(self, "_name_edited", True))
        self.capacity = QSpinBox()
        self.capacity.setRange(1, 10_000)
        self.capacity.setValue(50)
        self.capacity.setSuffix(" K tokens/min")
        self.capacity.setToolTip("Throughput limit in thousands of tokens per minute; counts against your quota.")

        form = QFormLayout()
        form.addRow("Model", self.model_combo)
        form.addRow("Deployment name", self.name_edit)
        form.addRow("Capacity", self.capacity)

        self.type_group = QButtonGroup(self)
        types_box = QGroupBox("Deployment type")
        types_layout = QVBoxLayout(types_box)
        self.type_buttons: dict[DeploymentType, QRadioButton] = {}
        for kind in DeploymentType:
            button = QRadioButton(kind.label + (" (recommended for trying and evaluating)" if kind is DeploymentType.DEVELOPER else ""))
            button.setObjectName(f"deployType_{kind.value}")
            self.type_group.addButton(button)
            self.type_buttons[kind] = button
            note = QLabel(kind.summary)
            note.setWordWrap(True)
            note.setContentsMargins(24, 0, 0, 4)
            types_layout.addWidget(button)
            types_layout.addWidget(note)
        self.type_buttons[DeploymentType.DEVELOPER].setChecked(True)

        self.fee_box = QGroupBox("Hosting fee")
        fee_layout = QVBoxLayout(self.fee_box)
        price_row = QHBoxLayout()
        self.price = QDoubleSpinBox()
        self.price.setObjectName("deployPrice")
        self.price.setRange(0.0, 1000.0)
        self.price.setDecimals(2)
        self.price.setPrefix("$ ")
        self.price.setSuffix(" per hour")
        self.price_note = QLabel()
        self.price_note.setWordWrap(True)
        price_row.addWidget(self.price)
        price_row.addWidget(self.price_note, 1)
        self.fee_text = QLabel()
        self.fee_text.setWordWrap(True)
        self.fee_text.setObjectName("deployFeeText")
        self.accept_fee = QCheckBox("I understand this deployment is billed every hour until I delete it.")
        self.accept_fee.setObjectName("deployAcceptFee")
        fee_layout.addLayout(price_row)
        fee_layout.addWidget(self.fee_text)
        fee_layout.addWidget(self.accept_fee)

        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.hide()
        self.status = QLabel()
        self.status.setObjectName("deployStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.buttons = QDialogButtonBox()
        self.deploy_button = QPushButton("Deploy")
        self.deploy_button.setObjectName("deployButton")
        self.deploy_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.buttons.addButton(self.deploy_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.deploy_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self._cancel_or_close)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(types_box)
        layout.addWidget(self.fee_box)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

        self.type_group.buttonToggled.connect(lambda *_: self._update())
        self.model_combo.currentIndexChanged.connect(lambda *_: self._update())
        self.accept_fee.toggled.connect(lambda *_: self._update())
        self.price.valueChanged.connect(lambda *_: self._update_fee_text())
        self._update()
        self.resize(620, self.sizeHint().height())

    # -- state --------------------------------------------------------------------------------------

    def chosen_type(self) -> DeploymentType:
        for kind, button in self.type_buttons.items():
            if button.isChecked():
                return kind
        return DeploymentType.DEVELOPER

    def chosen_target(self) -> CallTarget | None:
        data = self.model_combo.currentData()
        return data if isinstance(data, CallTarget) else None

    def _update(self) -> None:
        kind = self.chosen_type()
        target = self.chosen_target()
        if target is not None and not self._name_edited:
            self.name_edit.setText(default_name(DeployRequest(model=target.model, type=kind,
                                                              checkpoint_step=target.checkpoint_step), set()))
        self.fee_box.setVisible(kind.hourly_fee)
        if kind.hourly_fee and self._price_kind is not kind:  # the saved price, once per type switch
            self._price_kind = kind
            price = hosting_price(self.context.session, kind) or 0.0
            default = is_default_price(self.context.session, kind)
            self.price.blockSignals(True)
            self.price.setValue(price)
            self.price.blockSignals(False)
            self.price_note.setText("Azure's example price; set your region's price from the Azure pricing page."
                                    if default else "Your price setting for this project.")
            self._update_fee_text()
        busy = self.task is not None
        ok = target is not None and not busy and (not kind.hourly_fee or self.accept_fee.isChecked())
        self.deploy_button.setEnabled(ok)
        self.adjustSize()

    def _update_fee_text(self) -> None:
        hourly = self.price.value()
        self.fee_text.setText(
            f"About {usd(hourly * 24)} per day and {usd(hourly * 24 * 30)} per 30 days while it exists, whether or not "
            "it is called, plus the tokens you use. Azure deletes a fine-tuned deployment that has had no calls for "
            "15 days (the model is kept and can be deployed again).")

    # -- run ----------------------------------------------------------------------------------------

    def start(self) -> BackgroundTask | None:
        target = self.chosen_target()
        if target is None or self.task is not None:
            return None
        kind = self.chosen_type()
        if kind.hourly_fee:
            if not self.accept_fee.isChecked():
                return None
            set_hosting_price(self.context.session, kind, self.price.value())
        request = DeployRequest(model=target.model, name=self.name_edit.text().strip() or None, type=kind,
                                capacity=self.capacity.value(), job_id=target.job_id,
                                checkpoint_step=target.checkpoint_step, purpose=self.purpose)
        task = BackgroundTask(self.context.with_manager(lambda m, p, c: m.deploy(request, p, c)), self,
                              title=f"Deploying {request.name or target.model}")
        task.progress.connect(lambda _d, _t, message: self.status.setText(message))
        task.finished.connect(self._finished)
        task.failed.connect(self._failed)
        task.cancelled.connect(self._cancelled)
        task.ended.connect(self._ended)
        self.task = task
        self.progress.show()
        self.status.setStyleSheet("")
        self.status.setText("Asking Azure to deploy…")
        self.cancel_button.setText("Cancel deployment")
        for widget in (self.model_combo, self.name_edit, self.capacity, self.fee_box):
            widget.setEnabled(False)
        for button in self.type_buttons.values():
            button.setEnabled(False)
        self._update()
        task.start()
        return task

    def _finished(self, info: DeploymentInfo) -> None:
        self.deployed.emit(info)
        self.status.setText(f"'{info.name}' is ready.")
        self.accept()

    def _failed(self, message: str) -> None:
        self.status.setStyleSheet("color: #c62828;")
        self.status.setText(message)

    def _cancelled(self) -> None:
        self.status.setStyleSheet("")
        self.status.setText("Cancelled. What had been started was deleted again, so nothing is billed for it.")

    def _ended(self) -> None:
        self.task = None
        self.progress.hide()
        self.cancel_button.setText("Close")
        for widget in (self.model_combo, self.name_edit, self.capacity, self.fee_box):
            widget.setEnabled(True)
        for button in self.type_buttons.values():
            button.setEnabled(True)
        self._update()

    def _cancel_or_close(self) -> None:
        if self.task is not None:
            self.status.setText("Cancelling: deleting what was started…")
            self.task.cancel()
            return
        self.reject()

    def closeEvent(self, event: Any) -> None:  # noqa: N802
        if self.task is not None:
            self.task.cancel()
        super().closeEvent(event)
