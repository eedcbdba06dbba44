"""Puts the Duplicates window into the main window: "Duplicates..." in the View menu, one window per
open project, closed with the project. Uses only the window's extension points (`view_menu`,
`project_opened` / `project_closed`, `run_task`)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction

from studio.ui.curation.duplicates_view import DuplicatesWindow


class DuplicatesIntegration(QObject):
    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.view: DuplicatesWindow | None = None
        self.action = QAction("Duplicates\u2026", window)
        self.action.setObjectName("actionDuplicates")
        self.action.setToolTip("Find exact and near-duplicate images, keep one, or label a group at once")
        self.action.triggered.connect(self.open)
        window.view_menu.addSeparator()
        window.view_menu.addAction(self.action)
        window.project_opened.connect(lambda _session: self._update())
        window.project_closed.connect(self._project_closed)
        self._update()

    def _update(self) -> None:
        self.action.setEnabled(getattr(self.window, "session", None) is not None)

    def open(self) -> DuplicatesWindow | None:
        session = getattr(self.window, "session", None)
        if session is None:
            return None
        if self.view is None or self.view.session is not session or not self.view.isVisible():
            self._closed()
            self.view = DuplicatesWindow(session, self.window.run_task, self.window)
        self.view.show()
        self.view.raise_()
        self.view.activateWindow()
        return self.view

    def _project_closed(self) -> None:
        self._closed()
        self.action.setEnabled(False)  # the window still holds the session while it announces the close

    def _closed(self) -> None:
        if self.view is not None:
            self.view.close()
            self.view.deleteLater()
            self.view = None
        self._update()


def install_duplicates(window: Any) -> DuplicatesIntegration:
    return DuplicatesIntegration(window)
