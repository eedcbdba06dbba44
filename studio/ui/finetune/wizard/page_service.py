"""Wizard step 3: where to train (service and sign-in) and what (model, suffix, hyperparameters).

The service part is the same editor as "Service settings…"; the choice made here is saved as the
user's service. The model list offers the two vision base models and this project's own fine-tuned
models (continuous fine-tuning); "Load my models" adds the account's other fine-tuned models from
the service. Hyperparameters default to "auto": the service picks them from the dataset size, which
is what most users should do.
"""

from __future__ import annotations

import re

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWizardPage,
)

from studio.core.errors import StudioError
from studio.service.clients import FineTunedModel, list_fine_tuned_models
from studio.service.styles import TRAINING_TYPE_NEEDS_DATED
from studio.service.profile import BASE_MODELS, ServiceProfile
from studio.service.submit.params import SUFFIX_MAX
from studio.ui.finetune.choices import AUTO, FinetuneChoices
from studio.ui.finetune.controller import FinetuneController
from studio.core.finetune_data import project_model_choices
from studio.ui.finetune.service_settings import ServiceProfileEditor
from studio.ui.common.tasks import run_in_background

DETAILS = (
    ("low", "low \u2013 512 px, 85 tokens per image (cheapest; enough for most classes)"),
    ("high", "high \u2013 full detail in 512 px tiles (for small details; costs more)"),
    ("auto", "auto \u2013 the service decides (estimated as high)"),
)
TRAINING_TYPES = (
    ("standard", "Standard (regional, keeps data in the region)"),
    ("global", "Global (cheaper, no data residency)"),
    ("developer", "Developer (cheapest, may be paused by the service)"),
)


class SuffixValidator(QValidator):
    """Model suffixes as every provider accepts them: lowercase letters, digits, '-' and '_'.

    Capitals are lowered as the user types instead of being refused, which would feel broken.
    """

    _ALLOWED = re.compile(f"[a-z0-9_-]{{0,{SUFFIX_MAX}}}")

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        lowered = text.lower()
        if self._ALLOWED.fullmatch(lowered):
            return QValidator.State.Acceptable, lowered, pos
        return QValidator.State.Invalid, text, pos


def _auto_spin(maximum: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(0, maximum)
    spin.setSpecialValueText(AUTO)
    return spin


class ServicePage(QWizardPage):
    def __init__(self, controller: FinetuneController, choices: FinetuneChoices) -> None:
        super().__init__()
        self.controller = controller
        self.choices = choices
        self.setTitle("Service and model")
        self.setSubTitle("Where the job runs, which model it starts from, and how it trains.")

        self.editor = ServiceProfileEditor(controller.credentials)
        service_box = QGroupBox("Service")
        QVBoxLayout(service_box).addWidget(self.editor)

        self.model_combo = QComboBox()
        self.model_combo.setEditable(True)
        self.model_combo.setMinimumContentsLength(40)
        self.load_models_button = QPushButton("Load my models")
        self.load_models_button.setToolTip("Add the fine-tuned models of this account, for continuous fine-tuning.")
        self.load_models_button.clicked.connect(self.load_models)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model_combo, 1)
        model_row.addWidget(self.load_models_button)
        self.suffix_edit = QLineEdit()
        self.suffix_edit.setPlaceholderText(f"optional, up to {SUFFIX_MAX} of a-z 0-9 - _")
        self.suffix_edit.setValidator(SuffixValidator(self.suffix_edit))
        self.epochs_spin = _auto_spin(50)
        self.batch_spin = _auto_spin(256)
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setRange(0.0, 100.0)
        self.lr_spin.setDecimals(2)
        self.lr_spin.setSingleStep(0.1)
        self.lr_spin.setSpecialValueText(AUTO)
        self.detail_combo = QComboBox()
        for value, text in DETAILS:
            self.detail_combo.addItem(text, value)
        self.training_type_label = QLabel("Training type:")
        self.training_type_combo = QComboBox()
        for value, text in TRAINING_TYPES:
            self.training_type_combo.addItem(text, value)
        # Shown on Azure's v1 API, where `trainingType` is not defined (api-spec-facts §1).
        self.training_type_note = QLabel(TRAINING_TYPE_NEEDS_DATED)
        self.training_type_note.setWordWrap(True)
        model_box = QGroupBox("Model and training")
        form = QFormLayout(model_box)
        form.addRow("Start from:", model_row)
        form.addRow("Model suffix:", self.suffix_edit)
        form.addRow("Epochs:", self.epochs_spin)
        form.addRow("Batch size:", self.batch_spin)
        form.addRow("Learning-rate multiplier:", self.lr_spin)
        form.addRow("Image detail:", self.detail_combo)
        form.addRow(self.training_type_label, self.training_type_combo)
        form.addRow("", self.training_type_note)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c62828;")

        layout = QVBoxLayout(self)
        layout.addWidget(service_box)
        layout.addWidget(model_box)
        layout.addWidget(self.error_label)
        layout.addStretch(1)

        self.editor.profile_changed.connect(self._profile_changed)
        self.editor.credentials_changed.connect(controller.credentials_changed)
        self.model_combo.currentTextChanged.connect(lambda _: self.completeChanged.emit())
        self._fill_models([])

    # -- models -------------------------------------------------------------------------------------

    def _fill_models(self, extra: list[FineTunedModel]) -> None:
        current = self.model_combo.currentText() or self.choices.model
        self.model_combo.clear()
        for model in BASE_MODELS:
            self.model_combo.addItem(f"{model} (base model)", model)
        seen = set(BASE_MODELS)
        for model, label in project_model_choices(self.controller.jobs()):
            self.model_combo.addItem(label, model)
            seen.add(model)
        for found in extra:
            if found.model_id not in seen:
                self.model_combo.addItem(f"{found.model_id} (from {found.base_model})", found.model_id)
                seen.add(found.model_id)
        index = self.model_combo.findData(current)
        if index >= 0:
            self.model_combo.setCurrentIndex(index)
        else:
            self.model_combo.setEditText(current)

    def load_models(self) -> None:
        profile = self.editor.profile()
        if profile is None:
            return
        self.load_models_button.setEnabled(False)
        credentials = self.controller.credentials

        def work(progress, cancel) -> list[FineTunedModel]:
            return list_fine_tuned_models(profile, credentials.resolve(profile))

        def done(models: list[FineTunedModel]) -> None:
            self.load_models_button.setEnabled(True)
            self._fill_models(models)
            self.error_label.setText("" if models else "No fine-tuned models were found on this account yet.")

        def failed(message: str) -> None:
            self.load_models_button.setEnabled(True)
            self.error_label.setText(message)

        run_in_background(work, done, failed, parent=self)

    def chosen_model(self) -> str:
        index = self.model_combo.currentIndex()
        text = self.model_combo.currentText().strip()
        if index >= 0 and text == self.model_combo.itemText(index):
            return str(self.model_combo.itemData(index))
        return text  # typed or pasted by the user

    # -- page life ----------------------------------------------------------------------------------

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        if self.choices.profile is None:
            self.choices.profile = self.controller.profile
            self.editor.set_profile(self.choices.profile)
        self._fill_models([])

    def _profile_changed(self, profile: ServiceProfile | None) -> None:
        if profile is not None:
            self.choices.profile = profile
        azure = bool(profile and profile.is_azure)
        tiers = bool(profile and profile.supports_training_type)
        self.training_type_label.setVisible(azure)
        self.training_type_combo.setVisible(azure)
        self.training_type_combo.setEnabled(tiers)
        if azure and not tiers:
            self.training_type_combo.setCurrentIndex(max(0, self.training_type_combo.findData("standard")))
        self.training_type_combo.setToolTip("" if tiers else TRAINING_TYPE_NEEDS_DATED)
        self.training_type_note.setVisible(azure and not tiers)
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        return self.editor.profile() is not None and bool(self.chosen_model())

    def store_choices(self) -> None:
        c = self.choices
        c.profile = self.editor.profile()
        c.model = self.chosen_model()
        c.suffix = self.suffix_edit.text().strip()
        c.n_epochs = self.epochs_spin.value() or AUTO
        c.batch_size = self.batch_spin.value() or AUTO
        c.learning_rate_multiplier = round(self.lr_spin.value(), 4) or AUTO
        c.detail = self.detail_combo.currentData()
        c.training_type = self.training_type_combo.currentData()

    def validatePage(self) -> bool:  # noqa: N802 - Qt override
        self.store_choices()
        profile = self.choices.profile
        if profile is None:
            return False
        if self.controller.credentials.needs_sign_in(profile):
            self.error_label.setText(f"Sign in to {profile.display_name()} first: click \u201cSign in\u2026\u201d above.")
            return False
        if not re.match(r"^[\w.:-]+$", self.choices.model):
            self.error_label.setText("The model name has characters no model id contains. Pick one from the list.")
            return False
        try:
            self.choices.submit_params().validate(profile.is_azure, kind=profile.kind)
        except StudioError as error:
            self.error_label.setText(str(error))
            return False
        self.error_label.setText("")
        self.controller.set_profile(profile)
        return True
