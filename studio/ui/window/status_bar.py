"""The status bar: what is shown and counted, short confirmations, and progress + Cancel for long work."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar, QWidget

from studio.ui.common.tasks import BackgroundTask


class StudioStatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusBar")
        self.task_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setMaximumHeight(16)
        self.progress.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelTask")
        self.cancel_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.cancel_button.clicked.connect(self._cancel)
        self.counts = QLabel()
        self.counts.setObjectName("counts")
        for w in (self.task_label, self.progress, self.cancel_button):
            self.addPermanentWidget(w)
            w.hide()
        self.addPermanentWidget(self.counts)
        self._tasks: list[BackgroundTask] = []

    def toast(self, text: str, msecs: int = 4000) -> None:
        self.showMessage(text, msecs)

    def set_counts(self, text: str) -> None:
        self.counts.setText(text)

    # ------------------------------------------------------------------ tasks

    def track(self, task: BackgroundTask) -> None:
        """Show `task`'s progress with a Cancel button until it ends."""
        self._tasks.append(task)
        task.progress.connect(lambda done, total, message, t=task: self._show(t, done, total if total >= 0 else None, message))
        task.ended.connect(lambda t=task: self._on_ended(t))
        self._show(task, 0, None, task.title)

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    def _show(self, task: BackgroundTask, done: int, total: int | None, message: str) -> None:
        if not self._tasks or self._tasks[-1] is not task:
            return
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
            self.task_label.setText(f"{message or task.title}: {done:,} / {total:,}")
        else:
            self.progress.setRange(0, 0)  # busy indicator
            self.task_label.setText(message or task.title)
        for w in (self.task_label, self.progress, self.cancel_button):
            w.show()
        self.cancel_button.setEnabled(not task.cancel_token.cancelled)

    def _on_ended(self, task: BackgroundTask) -> None:
        if task in self._tasks:
            self._tasks.remove(task)
        if self._tasks:
            self._show(self._tasks[-1], 0, None, self._tasks[-1].title)
        else:
            for w in (self.task_label, self.progress, self.cancel_button):
                w.hide()

    def _cancel(self) -> None:
        if self._tasks:
            task = self._tasks[-1]
            task.cancel()
            self.cancel_button.setEnabled(False)
            self.task_label.setText(f"Cancelling {task.title.lower()}…")
