"""The Checks panel: why images would be rejected by the service, how many, and what to do.

One line per flag reason with its count; clicking a line shows those images in the grid, where each
tile carries the reason and the viewer says what to do about that particular file.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from studio.core.models import FLAG_REASONS, Verdict
from studio.ui.app import theme
from studio.ui.labeling.session import ProjectSession

ADVICE: dict[Verdict, str] = {
    Verdict.FORMAT: "Not JPEG, PNG or WEBP. Re-encode as JPEG or PNG, or exclude them (X).",
    Verdict.MODE: "Not RGB/RGBA (CMYK, grayscale, palette…). Convert to RGB, or exclude them.",
    Verdict.TOO_LARGE: "Larger than 10 MB. Save them smaller, or exclude them.",
    Verdict.CORRUPT: "Damaged or incomplete files. Replace them with intact copies, or exclude them.",
    Verdict.BOMB: "Too many pixels to open safely. Resize with a trusted tool, or exclude them.",
    Verdict.ANIMATED: "Animated. Save the frame you want as a still image, or exclude them.",
    Verdict.UNREADABLE: "Could not be read. Check the files and their permissions, then rescan.",
}

MODERATION_ADVICE = (
    "A warning, not a rule: the service drops training images that show faces or people, and fails the "
    "job past 200 such skips. Exclude them (X), or open one and mark the flag as wrong."
)


def _dot(color: QColor) -> QIcon:
    pm = QPixmap(12, 12)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    p.drawEllipse(1, 1, 10, 10)
    p.end()
    return QIcon(pm)


class ChecksPanel(QWidget):
    show_filter = Signal(str)  # a FilterBar key, e.g. "flag:mode"

    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("checksPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.list = QListWidget()
        self.list.setObjectName("checkReasons")
        self.list.setWordWrap(True)
        self.list.setSpacing(2)
        self.list.itemClicked.connect(lambda item: self.show_filter.emit(item.data(Qt.ItemDataRole.UserRole)))
        self.list.itemActivated.connect(lambda item: self.show_filter.emit(item.data(Qt.ItemDataRole.UserRole)))
        layout.addWidget(self.list, 1)
        hint = QLabel("Click a line to see those images. Flagged images are left out of the dataset "
                      "unless you fix them.")
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        session.counts_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        c = self.session.counts
        self.list.clear()
        flagged = c.flagged_total
        if c.total == 0:
            self.summary.setText("No images yet.")
        elif flagged == 0 and c.pending == 0:
            self.summary.setText(f"✓ All {c.total:,} images meet the service's rules.")
        else:
            parts = [f"<b>{flagged:,}</b> of {c.total:,} images would be rejected by the service."]
            if c.pending:
                parts.append(f"{c.pending:,} are still being checked.")
            self.summary.setText(" ".join(parts))
        for reason in FLAG_REASONS:
            n = c.flagged.get(reason.value, 0)
            if not n:
                continue
            title = theme.VERDICT_TITLE.get(reason, reason.value)
            item = QListWidgetItem(_dot(theme.FLAG_COLOR), f"{title} — {n:,}\n{ADVICE.get(reason, '')}")
            item.setData(Qt.ItemDataRole.UserRole, f"flag:{reason.value}")
            item.setToolTip(ADVICE.get(reason, ""))
            self.list.addItem(item)
        if c.likely_skipped_total:
            kinds = ", ".join(f"{n:,} with a {kind}" for kind, n in sorted(c.likely_skipped.items()))
            item = QListWidgetItem(
                _dot(theme.MODERATION_COLOR),
                f"Likely skipped by moderation — {c.likely_skipped_total:,}\n{kinds}. {MODERATION_ADVICE}",
            )
            item.setData(Qt.ItemDataRole.UserRole, "moderation")
            item.setToolTip(MODERATION_ADVICE)
            self.list.addItem(item)
        for key, count, text, color in (
            ("skipped", c.service_skipped, "Skipped by the service in a fine-tuning run", theme.SKIP_COLOR),
            ("excluded", c.excluded, "Excluded by you (X)", theme.EXCLUDED_COLOR),
        ):
            if count:
                item = QListWidgetItem(_dot(color), f"{text} — {count:,}")
                item.setData(Qt.ItemDataRole.UserRole, key)
                self.list.addItem(item)
