"""Non-blocking banners above the grid for everything that is not routine: errors, a moved folder,
a read-only project. A modal dialog for a routine error interrupts labeling; a banner waits.

Each banner has a key so the same problem is shown once and can be withdrawn when it is solved
(e.g. "root-3-missing" disappears after Locate… found the folder).
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

from studio.ui.app import theme

Action = tuple[str, Callable[[], None]]


class Banner(QFrame):
    def __init__(self, key: str, level: str, text: str, actions: list[Action], on_close: Callable[[str], None]) -> None:
        super().__init__()
        self.key = key
        self.level = level
        self.setObjectName("banner")
        self.setProperty("level", level)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        icon = {"error": "⛔", "warning": "⚠", "info": "ℹ"}.get(level, "ℹ")
        self.icon = QLabel(icon)
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.icon)
        layout.addWidget(self.label, 1)
        self.buttons: list[QPushButton] = []
        for caption, callback in actions:
            b = QPushButton(caption)
            b.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            b.clicked.connect(lambda checked=False, cb=callback: cb())
            layout.addWidget(b)
            self.buttons.append(b)
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Dismiss")
        close.setAutoRaise(True)
        close.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        close.clicked.connect(lambda: on_close(self.key))
        layout.addWidget(close)

    def paintEvent(self, event) -> None:
        """Colours are looked up at paint time, so a switch to dark mode repaints them correctly."""
        bg, border = theme.banner_colors(self.level, self.palette())
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(border)
        p.setBrush(bg)
        p.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 4, 4)
        p.end()


class MessageBar(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(8, 4, 8, 0)
        self._layout.setSpacing(4)
        self._banners: dict[str, Banner] = {}
        self.setVisible(False)

    def show_message(
        self,
        text: str,
        level: str = "info",
        actions: list[Action] | None = None,
        key: str | None = None,
        timeout_ms: int | None = None,
    ) -> Banner:
        """Show (or replace) a banner; info banners go away by themselves unless `timeout_ms=0`."""
        key = key or f"{level}:{text}"
        self.dismiss(key)
        banner = Banner(key, level, text, actions or [], self.dismiss)
        self._banners[key] = banner
        self._layout.addWidget(banner)
        self.setVisible(True)
        if timeout_ms is None:
            timeout_ms = 8000 if level == "info" else 0
        if timeout_ms:
            QTimer.singleShot(timeout_ms, lambda k=key, b=banner: self._expire(k, b))
        return banner

    def _expire(self, key: str, banner: Banner) -> None:
        if self._banners.get(key) is banner:
            self.dismiss(key)

    def dismiss(self, key: str) -> None:
        banner = self._banners.pop(key, None)
        if banner is not None:
            banner.hide()
            banner.deleteLater()
        self.setVisible(bool(self._banners))

    def clear(self) -> None:
        for key in list(self._banners):
            self.dismiss(key)

    def texts(self) -> list[str]:
        return [b.label.text() for b in self._banners.values()]

    def has(self, key: str) -> bool:
        return key in self._banners
