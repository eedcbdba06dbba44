"""Wizard step 4: tokens and cost before anything is uploaded, then "Submit".

The numbers come from the export's `estimate_project` (image tokens by the documented tile rule,
text tokens approximated offline) on a worker thread. The price per million training tokens is the
user's: pre-filled from the shipped table, editable, remembered per model. With epochs on "auto"
the service decides, so the page shows a range rather than pretending to know.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QVBoxLayout, QWizard, QWizardPage

from studio.service.model_names import parse_model_name
from studio.core.export import Estimate, estimate_project
from studio.core.money import usd_range
from studio.ui.app import settings as app_settings
from studio.ui.finetune.choices import FinetuneChoices
from studio.ui.finetune.controller import FinetuneController
from studio.ui.common.tasks import BackgroundTask


def _range(low: float, likely: float, high: float, fmt: str) -> str:
    if low == high:
        return fmt.format(likely)
    return f"{fmt.format(likely)} (between {fmt.format(low)} and {fmt.format(high)})"


def base_model_of(model: str) -> str:
    """The price-table key for a model id (a fine-tuned model of either name family is priced as its base)."""
    return parse_model_name(model).base


class EstimatePage(QWizardPage):
    def __init__(self, controller: FinetuneController, choices: FinetuneChoices) -> None:
        super().__init__()
        self.controller = controller
        self.choices = choices
        self.estimate: Estimate | None = None
        self._task: BackgroundTask | None = None
        self.setTitle("Estimate and submit")
        self.setSubTitle("What this run will cost, before anything is uploaded.")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "Submit")

        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        numbers = QGroupBox("Tokens and cost")
        self.form = QFormLayout(numbers)
        self.fields: dict[str, QLabel] = {}
        for key, label in (
            ("examples", "Examples (training / validation):"),
            ("per_epoch", "Training tokens per epoch:"),
            ("epochs", "Epochs:"),
            ("billed", "Billed training tokens:"),
            ("cost", "Estimated cost:"),
        ):
            value = QLabel("\u2026")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[key] = value
            self.form.addRow(label, value)
        self.price_spin = QDoubleSpinBox()
        self.price_spin.setRange(0.0, 10_000.0)
        self.price_spin.setDecimals(2)
        self.price_spin.setPrefix("$ ")
        self.price_spin.setSpecialValueText("unknown")
        self.price_spin.setToolTip("Your provider's training price per 1 million tokens. Check the current price list.")
        price_row = QHBoxLayout()
        price_row.addWidget(self.price_spin)
        price_row.addWidget(QLabel("per 1M training tokens (check your provider's current price)"), 1)
        self.form.insertRow(4, "Price:", price_row)
        # Plain, readable text like the dataset page's note (a disabled label read as greyed-out, "not
        # applicable" text, and an estimate failure shown there was nearly invisible).
        self.notes_label = QLabel()
        self.notes_label.setObjectName("estimateNotes")
        self.notes_label.setWordWrap(True)
        self.notes_label.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(numbers)
        layout.addWidget(self.notes_label)
        layout.addStretch(1)
        self.price_spin.valueChanged.connect(self._price_changed)

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        c = self.choices
        price = app_settings.load_price(base_model_of(c.model))
        self.price_spin.blockSignals(True)
        self.price_spin.setValue(price or 0.0)
        self.price_spin.blockSignals(False)
        c.price_per_1m = price
        hp = ", ".join(f"{name}: {value}" for name, value in (
            ("epochs", c.n_epochs), ("batch size", c.batch_size), ("learning-rate multiplier", c.learning_rate_multiplier)))
        service = c.profile.display_name() if c.profile else "\u2014"
        tier = f" \u00b7 training type: {c.training_type}" if c.profile and c.profile.is_azure else ""
        suffix = f" \u00b7 suffix: {c.suffix}" if c.suffix else ""
        self.summary_label.setText(
            f"<b>Service:</b> {service}{tier}<br><b>Model:</b> {c.model}{suffix}<br><b>Training:</b> {hp} "
            f"\u00b7 image detail: {c.detail}"
        )
        self.recompute()

    def _price_changed(self, value: float) -> None:
        self.choices.price_per_1m = value or None
        app_settings.save_price(base_model_of(self.choices.model), value or None)
        self.recompute()

    def recompute(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self.estimate = None
        self.completeChanged.emit()
        options = self.choices.export_options()
        controller = self.controller

        def work(progress, cancel) -> Estimate:
            store = controller.open_reader()
            try:
                return estimate_project(store, options)
            finally:
                store.close()

        task = BackgroundTask(work, self)
        task.finished.connect(lambda estimate, t=task: self._show(estimate) if t is self._task else None)
        task.failed.connect(lambda text, t=task: self._failed(text) if t is self._task else None)
        self._task = task.start()

    def _show(self, estimate: Estimate) -> None:
        self.estimate = estimate
        splits = estimate.splits
        train = splits["train"].examples if "train" in splits else 0
        valid = splits["validation"].examples if "validation" in splits else 0
        self.fields["examples"].setText(f"{train:,} / {valid:,}")
        self.fields["per_epoch"].setText(f"{estimate.training_tokens_per_epoch:,}")
        epochs = str(estimate.epochs) if estimate.epochs is not None else (
            f"auto (likely {estimate.epochs_likely}, between {estimate.epochs_low} and {estimate.epochs_high})")
        self.fields["epochs"].setText(epochs)
        self.fields["billed"].setText(_range(*estimate.billed_tokens, "{:,}"))
        cost = estimate.cost
        self.fields["cost"].setText(usd_range(*cost) if cost is not None else "unknown (set a price)")
        notes = list(estimate.notes)
        if self.choices.profile is not None and self.choices.profile.kind == "demo":
            notes.insert(0, "The demo service is free: this is what the same run would cost on a real service.")
        self.notes_label.setText(" ".join(notes))
        self.completeChanged.emit()

    def _failed(self, text: str) -> None:
        for value in self.fields.values():
            value.setText("\u2014")
        self.notes_label.setText(f"The estimate could not be made: {text}")

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        return self.estimate is not None
