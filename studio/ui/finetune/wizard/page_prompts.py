"""Wizard step 2: the system message and the instruction, with one example exactly as it will be sent.

The texts are the project's (settings `prompt.system` / `prompt.instruction`, saved when the user
moves on). The preview image is encoded on a worker thread by the export's own encoder, and the
example around it is rebuilt by the export's own `build_example` as the user types, so the JSON shown
is the line the dataset will contain (only the base64 data is shortened for display).
"""

from __future__ import annotations

import base64

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QFontDatabase, QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWizardPage,
)

from studio.core.export.prompts import PLACEHOLDER, default_templates, format_class_list
from studio.ui.finetune.choices import FinetuneChoices
from studio.ui.finetune.controller import FinetuneController
from studio.core.finetune_data import (
    PreviewImage,
    example_display_text,
    preview_example,
    preview_image,
)
from studio.ui.common.tasks import BackgroundTask

THUMB_PX = 180


class PromptsPage(QWizardPage):
    def __init__(self, controller: FinetuneController, choices: FinetuneChoices) -> None:
        super().__init__()
        self.controller = controller
        self.choices = choices
        self.preview: PreviewImage | None = None
        self._preview_key: tuple | None = None
        self._task: BackgroundTask | None = None
        self._index = 0
        self.setTitle("Prompts")
        self.setSubTitle(f"Every example starts with these texts. {PLACEHOLDER} is replaced by the class names.")

        self.system_edit = QPlainTextEdit()
        self.instruction_edit = QPlainTextEdit()
        for edit in (self.system_edit, self.instruction_edit):
            edit.setTabChangesFocus(True)
            edit.setMinimumHeight(56)
            edit.setMaximumHeight(84)
        reset = QPushButton("Use the default texts")
        reset.clicked.connect(self.reset_to_defaults)
        self.classes_label = QLabel()
        self.classes_label.setWordWrap(True)
        texts = QGridLayout()
        texts.addWidget(QLabel("System message:"), 0, 0, Qt.AlignmentFlag.AlignTop)
        texts.addWidget(self.system_edit, 0, 1)
        texts.addWidget(QLabel("Instruction:"), 1, 0, Qt.AlignmentFlag.AlignTop)
        texts.addWidget(self.instruction_edit, 1, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.classes_label, 1)
        bottom.addWidget(reset)
        texts.addLayout(bottom, 2, 1)

        self.thumb = QLabel()
        self.thumb.setFixedSize(THUMB_PX, THUMB_PX)
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumb.setFrameShape(QLabel.Shape.StyledPanel)
        self.image_info = QLabel()
        self.image_info.setWordWrap(True)
        self.next_button = QPushButton("Another example")
        self.next_button.clicked.connect(self.next_example)
        left = QVBoxLayout()
        left.addWidget(self.thumb)
        left.addWidget(self.image_info)
        left.addWidget(self.next_button)
        left.addStretch(1)
        self.json_view = QPlainTextEdit()
        self.json_view.setReadOnly(True)
        self.json_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.json_view.setFont(mono)
        preview_box = QGroupBox("Preview: one training example exactly as it will be sent")
        preview_layout = QHBoxLayout(preview_box)
        preview_layout.addLayout(left)
        preview_layout.addWidget(self.json_view, 1)

        layout = QVBoxLayout(self)
        layout.addLayout(texts)
        layout.addWidget(preview_box, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(200)
        self._debounce.timeout.connect(self.update_example)
        self.system_edit.textChanged.connect(self._debounce.start)
        self.instruction_edit.textChanged.connect(self._debounce.start)
        self._loaded = False

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        if not self._loaded:
            system, instruction = self.controller.prompt_templates()
            self.system_edit.setPlainText(system)
            self.instruction_edit.setPlainText(instruction)
            self._loaded = True
        self.refresh_image()

    def reset_to_defaults(self) -> None:
        system, instruction = default_templates()
        self.system_edit.setPlainText(system)
        self.instruction_edit.setPlainText(instruction)

    # -- the preview image --------------------------------------------------------------------------

    def refresh_image(self, force: bool = False) -> None:
        """Encode the preview image again when what decides its bytes changed (detail, fix)."""
        key = (self.choices.detail, self.choices.fix, self.choices.val_fraction, self._index)
        if key == self._preview_key and not force:
            self.update_example()
            return
        self._preview_key = key
        if self._task is not None:
            self._task.cancel()
        self.image_info.setText("Preparing the preview\u2026")
        options = self.choices.export_options()
        controller, index = self.controller, self._index

        def work(progress, cancel) -> PreviewImage | None:
            store = controller.open_reader()
            try:
                return preview_image(store, options, index)
            finally:
                store.close()

        task = BackgroundTask(work, self)
        task.finished.connect(lambda preview, t=task: self._show_image(preview) if t is self._task else None)
        task.failed.connect(self.image_info.setText)
        self._task = task.start()

    def next_example(self) -> None:
        self._index += 1
        self.refresh_image()

    def _show_image(self, preview: PreviewImage | None) -> None:
        self.preview = preview
        if preview is None:
            self.thumb.clear()
            self.image_info.setText("No training example yet: label some images first.")
            self.json_view.setPlainText("")
            return
        if preview.image is not None:
            pixmap = QPixmap()
            pixmap.loadFromData(base64.b64decode(preview.image.b64))
            self.thumb.setPixmap(pixmap.scaled(THUMB_PX, THUMB_PX, Qt.AspectRatioMode.KeepAspectRatio,
                                               Qt.TransformationMode.SmoothTransformation))
            how = "re-encoded" if preview.image.reencoded else "sent as is"
            self.image_info.setText(
                f"<b>{preview.rel_path}</b><br>answer: \u201c{preview.class_name}\u201d<br>"
                f"{preview.image.width}\u00d7{preview.image.height} {preview.image.mime.split('/')[-1].upper()}, "
                f"{preview.image.raw_bytes / 1024:.1f} KB, {how}<br>example {preview.index + 1} of {preview.count}"
            )
        else:
            self.thumb.clear()
            self.image_info.setText(f"<b>{preview.rel_path}</b> will be left out: {preview.reason}")
        self.next_button.setEnabled(preview.count > 1)
        self.update_example()

    # -- the example around it ----------------------------------------------------------------------

    def update_example(self) -> None:
        self.choices.system = self.system_edit.toPlainText()
        self.choices.instruction = self.instruction_edit.toPlainText()
        names = self.preview.class_names if self.preview is not None else self.controller.class_names()
        self.classes_label.setText(f"{PLACEHOLDER} = {format_class_list(names)}")
        if self.preview is None:
            return
        example = preview_example(self.preview, self.choices.system, self.choices.instruction, self.choices.detail)
        self.json_view.setPlainText(example_display_text(example))

    def example_text(self) -> str:
        return self.json_view.toPlainText()

    def validatePage(self) -> bool:  # noqa: N802 - Qt override
        """Keep the texts in the project (the export reads them from there)."""
        self._debounce.stop()
        self.update_example()
        if not self.controller.read_only:
            self.controller.save_prompt_templates(self.choices.system, self.choices.instruction)
        return True
