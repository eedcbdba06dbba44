"""The first screen without a project: recent projects, a new project from a folder, the demo."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio import APP_NAME
from studio.ui.app import settings as app_settings


class StartScreen(QWidget):
    new_from_folder = Signal()
    open_project = Signal()
    open_demo = Signal()
    open_path = Signal(Path)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("startScreen")
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        col = QVBoxLayout()
        col.addStretch(1)
        title = QLabel(APP_NAME)
        title.setObjectName("startTitle")
        col.addWidget(title)
        sub = QLabel("Curate an image-classification dataset, then fine-tune a vision model on it.")
        sub.setObjectName("startSubtitle")
        sub.setWordWrap(True)
        col.addWidget(sub)
        col.addSpacing(18)
        buttons = QHBoxLayout()
        self.new_button = QPushButton("New project from folder…")
        self.new_button.setObjectName("newFromFolder")
        self.new_button.setDefault(True)
        self.open_button = QPushButton("Open project…")
        self.demo_button = QPushButton("Open demo project")
        self.demo_button.setObjectName("openDemo")
        self.demo_button.setToolTip("60 generated images of shapes, some already labeled and some flagged")
        self.new_button.clicked.connect(self.new_from_folder)
        self.open_button.clicked.connect(self.open_project)
        self.demo_button.clicked.connect(self.open_demo)
        for b in (self.new_button, self.open_button, self.demo_button):
            b.setMinimumHeight(36)
            buttons.addWidget(b)
        col.addLayout(buttons)
        drop = QLabel("…or drop an image folder or a project file anywhere on this window.")
        drop.setObjectName("hint")
        col.addWidget(drop)
        col.addSpacing(18)
        self.recent_label = QLabel("<b>Recent projects</b>")
        col.addWidget(self.recent_label)
        self.recent = QListWidget()
        self.recent.setObjectName("recentProjects")
        self.recent.setFrameShape(QFrame.Shape.StyledPanel)
        self.recent.setMinimumHeight(160)
        self.recent.itemActivated.connect(self._activated)
        col.addWidget(self.recent)
        col.addStretch(2)
        holder = QWidget()
        holder.setLayout(col)
        holder.setMaximumWidth(720)
        holder.setMinimumWidth(520)
        outer.addWidget(holder, 4)
        outer.addStretch(1)
        self.refresh()

    def refresh(self) -> None:
        self.recent.clear()
        for path in app_settings.recent_projects():
            exists = path.is_file()
            item = QListWidgetItem(f"{path.stem}    —    {path.parent}" + ("" if exists else "   (not found)"))
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            item.setToolTip(str(path))
            if not exists:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.recent.addItem(item)
        has = self.recent.count() > 0
        self.recent.setVisible(has)
        self.recent_label.setVisible(has)
        if has:
            self.recent.setCurrentRow(0)

    def _activated(self, item: QListWidgetItem) -> None:
        self.open_path.emit(Path(item.data(Qt.ItemDataRole.UserRole)))
