""""Try it": drop or pick an image (or take the one selected in the grid), choose a model or deployment,
and see its answer with the tokens and the time it took.

The picker lists what a chat call can name for the current service (`call_targets`): the ready
deployments on Azure and in the demo, the project's fine-tuned models, checkpoints and the base
models on OpenAI. The question is the one the training examples asked (the project's prompts).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.errors import StudioError
from studio.service.deployments import Answer, ask_image, call_targets, project_prompts
from studio.service.deployments.targets import CallTarget
from studio.ui.common.tasks import BackgroundTask
from studio.ui.deployments.context import DeploymentsContext

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.gif *.bmp *.tif *.tiff);;All files (*)"


class ImageDropArea(QFrame):
    """Shows the chosen image; accepts a dropped image file."""

    dropped = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tryItDrop")
        self.setAcceptDrops(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumSize(QSize(320, 260))
        self.label = QLabel("Drop an image here\nor choose one below", self)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)

    def show_image(self, path: Path) -> None:
        pixmap = QPixmap(str(path))
        if pixmap.isNull():
            self.label.setText(f"{path.name}\n(no preview)")
            return
        self.label.setPixmap(pixmap.scaled(self.size() - QSize(16, 16), Qt.AspectRatioMode.KeepAspectRatio,
                                           Qt.TransformationMode.SmoothTransformation))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.dropped.emit(url.toLocalFile())
                event.acceptProposedAction()
                return


class TryItWindow(QWidget):
    answered = Signal(object)  # Answer

    def __init__(self, context: DeploymentsContext, parent: QWidget | None = None, *,
                 grid_image: Callable[[], Path | None] | None = None) -> None:
        """`grid_image()`: the image currently selected in the main window's grid, if any."""
        super().__init__(parent)
        self.setWindowTitle("Try it")
        self.setObjectName("tryItWindow")
        self.context = context
        self.grid_image = grid_image
        self.image_path: Path | None = None
        self.task: BackgroundTask | None = None
        self.targets_task: BackgroundTask | None = None
        self._preferred: str | None = None

        self.drop = ImageDropArea()
        self.drop.dropped.connect(lambda p: self.set_image(Path(p)))
        self.choose_button = QPushButton("Choose image…")
        self.choose_button.setObjectName("tryItChoose")
        self.choose_button.clicked.connect(self._choose)
        self.grid_button = QPushButton("Use the grid's image")
        self.grid_button.setObjectName("tryItFromGrid")
        self.grid_button.setToolTip("The image selected in the main window's grid")
        self.grid_button.clicked.connect(self.use_grid_image)
        self.grid_button.setEnabled(grid_image is not None)
        self.image_name = QLabel("")
        self.image_name.setObjectName("tryItImageName")
        self.image_name.setWordWrap(True)

        self.target_combo = QComboBox()
        self.target_combo.setObjectName("tryItTarget")
        self.target_combo.setMinimumContentsLength(40)
        self.reload_button = QPushButton("Reload list")
        self.reload_button.clicked.connect(self.load_targets)
        self.ask_button = QPushButton("Ask")
        self.ask_button.setObjectName("tryItAsk")
        self.ask_button.setDefault(True)
        self.ask_button.clicked.connect(self.ask)

        self.answer = QPlainTextEdit()
        self.answer.setObjectName("tryItAnswer")
        self.answer.setReadOnly(True)
        self.answer.setPlaceholderText("The model's answer appears here.")
        self.answer.setMaximumHeight(110)
        self.tokens = QLabel("")
        self.tokens.setObjectName("tryItTokens")
        self.latency = QLabel("")
        self.latency.setObjectName("tryItLatency")
        self.status = QLabel("")
        self.status.setObjectName("tryItStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        pick_row = QHBoxLayout()
        pick_row.addWidget(self.choose_button)
        pick_row.addWidget(self.grid_button)
        target_row = QHBoxLayout()
        target_row.addWidget(self.target_combo, 1)
        target_row.addWidget(self.reload_button)
        form = QFormLayout()
        form.addRow("Ask", target_row)
        form.addRow("", self.ask_button)
        form.addRow("Answer", self.answer)
        form.addRow("Tokens", self.tokens)
        form.addRow("Latency", self.latency)
        left = QVBoxLayout()
        left.addWidget(self.drop, 1)
        left.addLayout(pick_row)
        left.addWidget(self.image_name)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addStretch(1)
        right.addWidget(self.status)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addLayout(right, 1)
        self.resize(900, 420)
        self._update()

    # -- inputs -------------------------------------------------------------------------------------

    def set_image(self, path: Path) -> None:
        self.image_path = Path(path)
        self.drop.show_image(self.image_path)
        self.image_name.setText(str(self.image_path))
        self.answer.clear()
        self.tokens.clear()
        self.latency.clear()
        self._update()

    def use_grid_image(self) -> None:
        path = self.grid_image() if self.grid_image is not None else None
        if path is None:
            self.status.setText("Select an image in the grid first.")
            return
        self.set_image(path)

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose an image", "", IMAGE_FILTER)
        if path:
            self.set_image(Path(path))

    def prefer(self, model: str) -> None:
        """Select `model` (a deployment name or model id) once the list has it."""
        self._preferred = model
        self._select_preferred()

    def _select_preferred(self) -> None:
        if self._preferred is None:
            return
        for i in range(self.target_combo.count()):
            target = self.target_combo.itemData(i)
            if isinstance(target, CallTarget) and target.model == self._preferred:
                self.target_combo.setCurrentIndex(i)
                return

    def chosen_target(self) -> CallTarget | None:
        data = self.target_combo.currentData()
        return data if isinstance(data, CallTarget) else None

    def _update(self) -> None:
        busy = self.task is not None
        self.ask_button.setEnabled(not busy and self.image_path is not None and self.chosen_target() is not None)
        self.reload_button.setEnabled(self.targets_task is None)

    # -- targets ------------------------------------------------------------------------------------

    def load_targets(self) -> BackgroundTask | None:
        if self.targets_task is not None:
            return self.targets_task
        context = self.context
        profile = context.profile()

        stores = context.session.stores
        has_deployments = context.has_deployments

        def work(progress: Any, cancel: Any) -> list[CallTarget]:
            store = stores.open()
            try:
                manager = context.manager(profile, store) if has_deployments else None
                return call_targets(profile, store, manager=manager)
            finally:
                store.close()

        task = BackgroundTask(work, self, title="Listing models and deployments")
        task.finished.connect(self._targets_loaded)
        task.failed.connect(lambda message: self.status.setText(message))
        task.ended.connect(self._targets_ended)
        self.targets_task = task
        self.status.setText("Looking up what can be asked…")
        self._update()
        task.start()
        return task

    def _targets_ended(self) -> None:
        self.targets_task = None
        self._update()

    def _ask_ended(self) -> None:
        self.task = None
        self._update()

    def _targets_loaded(self, targets: list[CallTarget]) -> None:
        self.target_combo.clear()
        for target in targets:
            self.target_combo.addItem(target.label, target)
        self._select_preferred()
        if targets:
            self.status.setText("")
        elif self.context.has_deployments:
            self.status.setText("No deployment is ready. Deploy a finished job's model first (Deployments ▸ Deploy…).")
        else:
            self.status.setText("Nothing to ask yet.")
        self._update()

    # -- ask ----------------------------------------------------------------------------------------

    def ask(self) -> BackgroundTask | None:
        target = self.chosen_target()
        if target is None or self.image_path is None or self.task is not None:
            return None
        context = self.context
        profile = context.profile()
        image = self.image_path

        stores = context.session.stores
        try:
            credentials = context.credentials.resolve(profile)
        except StudioError as error:  # no key saved / not signed in: say how to sign in
            self._failed(str(error))
            return None

        def work(progress: Any, cancel: Any) -> Answer:
            store = stores.open_reader()
            try:
                prompts = project_prompts(store)
            finally:
                store.close()
            return ask_image(profile, credentials, target.model, image, prompts)

        task = BackgroundTask(work, self, title=f"Asking {target.model}")
        task.finished.connect(self._answered)
        task.failed.connect(self._failed)
        task.ended.connect(self._ask_ended)
        self.task = task
        self.answer.clear()
        self.status.setStyleSheet("")
        self.status.setText(f"Asking {target.model}…")
        self._update()
        task.start()
        return task

    def _answered(self, answer: Answer) -> None:
        self.answer.setPlainText(answer.text or "(empty answer)")
        prompt = "?" if answer.prompt_tokens is None else f"{answer.prompt_tokens:,}"
        completion = "?" if answer.completion_tokens is None else f"{answer.completion_tokens:,}"
        self.tokens.setText(f"{prompt} in, {completion} out")
        self.latency.setText(f"{answer.latency_s:.2f} s")
        served = f" (served by {answer.served_by})" if answer.served_by and answer.served_by != answer.model else ""
        self.status.setText(f"Answered by {answer.model}{served}.")
        self.answered.emit(answer)

    def _failed(self, message: str) -> None:
        self.status.setStyleSheet("color: #c62828;")
        self.status.setText(message)

    def showEvent(self, event: Any) -> None:  # noqa: N802
        super().showEvent(event)
        if self.target_combo.count() == 0 and self.targets_task is None:
            self.load_targets()
