"""Colours, icons and the style sheet, derived from the current palette so light and dark both work.

Qt 6.5+ with the Fusion style follows the operating system's light/dark setting and swaps the
palette; anything we paint ourselves must therefore ask the palette (or `is_dark()`) at paint time
instead of keeping colours computed at start-up.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication

from studio import APP_ID
from studio.core.models import Verdict
from studio.resource_paths import resource_path

# Badge colours: saturated enough to carry white text on both light and dark backgrounds.
FLAG_COLOR = QColor("#c62828")
PENDING_COLOR = QColor("#757575")
EXCLUDED_COLOR = QColor("#546e7a")
SKIP_COLOR = QColor("#6a1b9a")
MODERATION_COLOR = QColor("#e65100")  # a warning (likely skipped by moderation), not a rule verdict

# Short words for the grid badge; the full "what to do" text comes from the core's verdict message.
VERDICT_BADGE: dict[Verdict, str] = {
    Verdict.FORMAT: "format",
    Verdict.MODE: "colour mode",
    Verdict.TOO_LARGE: "> 10 MB",
    Verdict.CORRUPT: "damaged",
    Verdict.BOMB: "too many px",
    Verdict.ANIMATED: "animated",
    Verdict.UNREADABLE: "unreadable",
}
VERDICT_TITLE: dict[Verdict, str] = {
    Verdict.PENDING: "Not checked yet",
    Verdict.OK: "Accepted by the service",
    Verdict.FORMAT: "Unsupported file format",
    Verdict.MODE: "Unsupported colour mode",
    Verdict.TOO_LARGE: "File larger than 10 MB",
    Verdict.CORRUPT: "Damaged file",
    Verdict.BOMB: "Too many pixels",
    Verdict.ANIMATED: "Animated image",
    Verdict.UNREADABLE: "Unreadable file",
}


def is_dark(palette: QPalette | None = None) -> bool:
    if palette is None:
        palette = QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def muted_text(palette: QPalette | None = None) -> QColor:
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.PlaceholderText)


def banner_colors(level: str, palette: QPalette | None = None) -> tuple[QColor, QColor]:
    """(background, border) for a message banner of `level` ('info', 'warning', 'error')."""
    dark = is_dark(palette)
    table = {
        "info": ("#1d3349", "#3b6ea5") if dark else ("#e3f0fc", "#90b8e0"),
        "warning": ("#4a3b12", "#a8861f") if dark else ("#fff5d6", "#e0c060"),
        "error": ("#4d1f1f", "#b04a4a") if dark else ("#fde4e4", "#e09090"),
    }
    bg, border = table.get(level, table["info"])
    return QColor(bg), QColor(border)


def readable_text_on(color: QColor) -> QColor:
    """Black or white, whichever reads better on `color` (class chips use arbitrary user colours)."""
    r, g, b = color.redF(), color.greenF(), color.blueF()
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return QColor("#000000") if luminance > 0.55 else QColor("#ffffff")


@lru_cache(maxsize=256)
def color_swatch(color: str, size: int = 14) -> QIcon:
    """A rounded colour chip icon for class lists and menus."""
    pm = QPixmap(QSize(size, size))
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QColor(0, 0, 0, 90))
    p.setBrush(QColor(color))
    p.drawRoundedRect(1, 1, size - 2, size - 2, 3, 3)
    p.end()
    return QIcon(pm)


def style_sheet() -> str:
    path = resource_path("styles", "studio.qss")
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def apply_app_style(app: QApplication) -> None:
    """Fusion follows the OS colour scheme on every platform; our sheet only sets spacing and shapes."""
    app.setStyle("Fusion")
    app_icon = resource_path("app", f"{APP_ID}.svg")
    app.setWindowIcon(QIcon(str(app_icon)) if app_icon.is_file() else QIcon())
    app.setDesktopFileName(APP_ID)  # lets Wayland match windows to the installed menu entry
    app.setStyleSheet(style_sheet())
