"""Wizard step 1: what goes into the dataset, what is left out, and what could go wrong.

The table shows per class how many images train, validate and are held out for testing, in the
project's stored splits (`studio.core.splits`); turning a share previews the change (only as many
images as needed move) and submitting stores it. The test split is never uploaded.

Counts come from the export's own plan (see `finetune_project_data.dataset_summary`) computed on a
worker thread, so what this page promises is what the export writes. Flagged images are listed by
reason with their fate, and the "Fix" switch shows at once which of them would go in as repaired
copies. A dataset the service would refuse (fewer than 10 training examples) stops the wizard here
with the reason; weaker problems are warnings the user may accept.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizardPage,
)

from studio.ui.finetune.choices import FinetuneChoices
from studio.ui.finetune.controller import FinetuneController
from studio.core.finetune_data import DatasetSummary, dataset_summary, skip_risk_text
from studio.core.splits.project_splits import split_settings
from studio.ui.common.tasks import BackgroundTask
from studio.ui.app.theme import VERDICT_TITLE


def _table(columns: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    return table


def fit_height(table: QTableWidget, max_rows: int = 12) -> None:
    """Make a short table exactly as tall as its rows (up to `max_rows`), so no empty block remains."""
    rows = min(table.rowCount(), max_rows)
    height = table.horizontalHeader().height() + 2 * table.frameWidth()
    height += sum(table.rowHeight(r) for r in range(rows))
    table.setFixedHeight(height + 2)


def _cell(text: str, right: bool = False, bold: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if bold:
        font = item.font()
        font.setBold(True)
        item.setFont(font)
    return item


class DatasetPage(QWizardPage):
    def __init__(self, controller: FinetuneController, choices: FinetuneChoices) -> None:
        super().__init__()
        self.controller = controller
        self.choices = choices
        self.summary: DatasetSummary | None = None
        self._task: BackgroundTask | None = None
        self.setTitle("Dataset")
        self.setSubTitle("The labeled images: training and validation are uploaded; the test images stay "
                         "here, held out to evaluate the base and the tuned model on.")

        stored = split_settings(controller.session)
        if choices.val_fraction is None:
            choices.val_fraction = stored.val_fraction
        if choices.test_fraction is None:
            choices.test_fraction = stored.test_fraction
        self.val_spin = QSpinBox()
        self.val_spin.setRange(0, 50)
        self.val_spin.setSuffix(" %")
        self.val_spin.setValue(round(choices.val_fraction * 100))
        self.val_spin.setToolTip("Share of each class kept for validation (the service reports validation loss "
                                 "and accuracy on it). Each image keeps its split from one export to the next.")
        self.test_spin = QSpinBox()
        self.test_spin.setRange(0, 50)
        self.test_spin.setSuffix(" %")
        self.test_spin.setValue(round(choices.test_fraction * 100))
        self.test_spin.setToolTip("Share of each class held out for testing: never uploaded, used by Evaluate to "
                                  "compare models. Test images stay in the test split unless you lower this share.")
        self.fix_box = QCheckBox("Fix flagged images where possible (a repaired copy is uploaded; originals are never changed)")
        self.fix_box.setChecked(choices.fix)
        options = QHBoxLayout()
        options.addWidget(QLabel("Validation share:"))
        options.addWidget(self.val_spin)
        options.addSpacing(16)
        options.addWidget(QLabel("Test share:"))
        options.addWidget(self.test_spin)
        options.addStretch(1)

        self.class_table = _table(["Class", "Training", "Validation", "Test (kept here)", "Total"])
        self.class_table.horizontalHeader().setStretchLastSection(False)
        self.class_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.flag_table = _table(["Flagged for", "Images", "What happens"])
        self.flag_box = QGroupBox("Flagged images")
        flag_layout = QVBoxLayout(self.flag_box)
        flag_layout.addWidget(self.fix_box)
        flag_layout.addWidget(self.flag_table)
        self.note_label = QLabel()
        self.note_label.setWordWrap(True)
        self.warning_label = QLabel()
        self.warning_label.setWordWrap(True)
        self.warning_label.setTextFormat(Qt.TextFormat.RichText)
        self.status_label = QLabel("Counting\u2026")
        # Moderation warning: examples the detector flagged (faces, people) that the service will likely skip.
        self.skip_box = QGroupBox("Likely skipped by the service's moderation")
        self.skip_box.setObjectName("moderationRisk")
        self.skip_label = QLabel()
        self.skip_label.setObjectName("moderationRiskText")
        self.skip_label.setWordWrap(True)
        self.skip_label.setTextFormat(Qt.TextFormat.RichText)
        self.leave_out_button = QPushButton("Leave them out")
        self.leave_out_button.setObjectName("leaveOutLikelySkipped")
        self.leave_out_button.setToolTip("Exclude these images from the dataset (Edit ▸ Undo brings them back)")
        self.leave_out_button.clicked.connect(self.leave_out_likely_skipped)
        skip_layout = QHBoxLayout(self.skip_box)
        skip_layout.addWidget(self.skip_label, 1)
        skip_layout.addWidget(self.leave_out_button, 0, Qt.AlignmentFlag.AlignTop)
        self.skip_box.hide()

        layout = QVBoxLayout(self)
        layout.addLayout(options)
        layout.addWidget(self.class_table)
        layout.addWidget(self.skip_box)
        layout.addWidget(self.flag_box)
        layout.addWidget(self.note_label)
        layout.addWidget(self.warning_label)
        layout.addStretch(1)
        layout.addWidget(self.status_label)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.recompute)
        self.val_spin.valueChanged.connect(self._options_changed)
        self.test_spin.valueChanged.connect(self._options_changed)
        self.fix_box.toggled.connect(self._options_changed)

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        self.recompute()

    def _options_changed(self) -> None:
        self.choices.val_fraction = self.val_spin.value() / 100
        self.choices.test_fraction = self.test_spin.value() / 100
        self.choices.fix = self.fix_box.isChecked()
        self._debounce.start()

    def recompute(self) -> None:
        """Count again on a worker thread; a newer request supersedes an older one."""
        if self._task is not None:
            self._task.cancel()
        self.summary = None
        self.status_label.setText("Counting\u2026")
        self.completeChanged.emit()
        options = self.choices.export_options()
        controller = self.controller

        def work(progress, cancel) -> DatasetSummary | None:
            store = controller.open_reader()
            try:
                summary = dataset_summary(store, options)
            finally:
                store.close()
            return None if cancel.cancelled else summary

        task = BackgroundTask(work, self)
        task.finished.connect(lambda summary, t=task: self._show(summary) if t is self._task else None)
        task.failed.connect(self._failed)
        self._task = task.start()

    def _failed(self, message: str) -> None:
        self.status_label.setText(message)

    def _show(self, summary: DatasetSummary | None) -> None:
        if summary is None:
            return
        self.summary = summary
        rows = summary.classes
        self.class_table.setRowCount(len(rows) + 1)
        for r, counts in enumerate(rows):
            self.class_table.setItem(r, 0, _cell(counts.name))
            self.class_table.setItem(r, 1, _cell(str(counts.per_split.get("train", 0)), True))
            self.class_table.setItem(r, 2, _cell(str(counts.per_split.get("validation", 0)), True))
            self.class_table.setItem(r, 3, _cell(str(counts.per_split.get("test", 0)), True))
            self.class_table.setItem(r, 4, _cell(str(counts.total), True))
        last = len(rows)
        self.class_table.setItem(last, 0, _cell("All classes", bold=True))
        self.class_table.setItem(last, 1, _cell(str(summary.totals.get("train", 0)), True, True))
        self.class_table.setItem(last, 2, _cell(str(summary.totals.get("validation", 0)), True, True))
        self.class_table.setItem(last, 3, _cell(str(summary.totals.get("test", 0)), True, True))
        self.class_table.setItem(last, 4, _cell(str(summary.examples), True, True))
        fit_height(self.class_table)

        self.flag_table.setRowCount(len(summary.flagged))
        for r, group in enumerate(summary.flagged):
            self.flag_table.setItem(r, 0, _cell(VERDICT_TITLE.get(group.verdict, group.verdict.value)))
            self.flag_table.setItem(r, 1, _cell(str(group.count), True))
            self.flag_table.setItem(r, 2, _cell(group.fate))
        fit_height(self.flag_table, max_rows=8)
        self.flag_box.setVisible(bool(summary.flagged))
        if summary.flagged:
            self.flag_box.setTitle(f"Flagged images: {summary.left_out} left out, {summary.fixed} fixed")

        notes = []
        if summary.unlabeled:
            notes.append(f"{summary.unlabeled} unlabeled image(s) are not part of the dataset.")
        if summary.excluded:
            notes.append(f"{summary.excluded} image(s) are excluded by you.")
        self.note_label.setText(" ".join(notes))
        lines = [f"<p style='color:#c62828'><b>Cannot submit:</b> {summary.blocking}</p>"] if summary.blocking else []
        lines += [f"<p style='color:#b26a00'>\u26a0 {w}</p>" for w in summary.warnings]
        self.warning_label.setText("".join(lines))
        self.warning_label.setVisible(bool(lines))
        self._show_skip_risk(summary)
        uploaded = summary.totals.get("train", 0) + summary.totals.get("validation", 0)
        held_out = summary.totals.get("test", 0)
        self.status_label.setText(f"{uploaded} examples will be uploaded; {held_out} test images stay here.")
        self.completeChanged.emit()

    def _show_skip_risk(self, summary: DatasetSummary) -> None:
        risk = summary.skip_risk
        self.skip_box.setVisible(risk is not None)
        if risk is None:
            return
        loud = risk in ("near", "over")
        color = "#c62828" if loud else "#b26a00"
        text = skip_risk_text(summary.likely_skipped)
        self.skip_label.setText(
            f"<p style='color:{color}'>{'<b>' if loud else ''}\u26a0 {text}{'</b>' if loud else ''}</p>"
            "<p>A local detector predicts this; it can be wrong. Filter <i>Likely skipped</i> in the grid to check them.</p>"
        )
        self.skip_box.setProperty("risk", risk)
        self.leave_out_button.setEnabled(not self.controller.read_only)

    def leave_out_likely_skipped(self) -> None:
        """One click: exclude every flagged example (undoable in the main window) and count again."""
        if self.summary is None or not self.summary.likely_skipped_ids:
            return
        if self.controller.session.set_excluded(list(self.summary.likely_skipped_ids), True):
            self.recompute()

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        return self.summary is not None and self.summary.blocking is None
