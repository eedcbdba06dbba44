"""Which images the grid shows, and in what order: a toolbar of combos and a search box.

The choices are data (`FilterChoice`), so the fine-tuning monitor's "Skipped by service" entry and
any later filter are one more row, not another code path. The combo texts carry live counts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QWidget,
)

from studio.core.models import FLAG_REASONS, ImageFilter
from studio.ui.app import theme
from studio.ui.labeling.session import ProjectSession

SORT_ORDERS: tuple[tuple[str, str], ...] = (
    ("path", "Path"),
    ("size", "File size"),
    ("class", "Class"),
    ("verdict", "Flag reason"),
)


class ElidingComboBox(QComboBox):
    """A combo sized to its current entry (between `min_chars` and `max_chars` characters) whose
    closed label elides a longer entry in the middle, so both ends stay readable: the kind of filter
    at the start ("Model disagrees with label (3)") and what it is about at the end (the run's
    name). The full text is the tooltip, and the drop-down list is as wide as its longest entry."""

    def __init__(self, min_chars: int, max_chars: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._min_chars, self._max_chars = min_chars, max_chars
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(min_chars)
        self.view().setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.currentIndexChanged.connect(lambda _: self.fit_to_text())

    def fit_to_text(self) -> None:
        """Call after changing entries' texts (setItemText does not say so itself)."""
        text = self.currentText()
        self.setToolTip(text)
        self.setMinimumContentsLength(max(self._min_chars, min(len(text), self._max_chars)))
        metrics = self.fontMetrics()
        widest = max((metrics.horizontalAdvance(self.itemText(i)) for i in range(self.count())), default=0)
        self.view().setMinimumWidth(widest + self.iconSize().width() + 40)

    def _label_option(self) -> tuple[QStyleOptionComboBox, int]:
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        field = self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                            QStyle.SubControl.SC_ComboBoxEditField, self)
        icon = option.iconSize.width() + 4 if not option.currentIcon.isNull() else 0
        return option, max(0, field.width() - icon)

    def shown_text(self) -> str:
        """The closed label as painted (elided in the middle when it does not fit)."""
        option, width = self._label_option()
        return self.fontMetrics().elidedText(option.currentText, Qt.TextElideMode.ElideMiddle, width)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QStylePainter(self)
        option, _ = self._label_option()
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        option.currentText = self.shown_text()
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)


@dataclass(frozen=True, slots=True)
class FilterChoice:
    key: str  # stable id, e.g. "all", "unlabeled", "class:3", "flag:mode", "skipped"
    text: str
    flt: ImageFilter


class FilterBar(QWidget):
    changed = Signal()

    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("filterBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.show_combo = ElidingComboBox(22, 56)
        self.show_combo.setObjectName("showFilter")
        self.folder_combo = QComboBox()
        self.folder_combo.setObjectName("folderFilter")
        self.folder_combo.setMinimumContentsLength(14)
        self.folder_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.search = QLineEdit()
        self.search.setObjectName("searchBox")
        self.search.setPlaceholderText("Search file names (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.sort_combo = QComboBox()
        self.sort_combo.setObjectName("sortOrder")
        for key, text in SORT_ORDERS:
            self.sort_combo.addItem(text, key)
        for label, widget, stretch in (
            ("Show:", self.show_combo, 0),
            ("Folder:", self.folder_combo, 0),
            (None, self.search, 1),
            ("Sort:", self.sort_combo, 0),
        ):
            if label:
                lab = QLabel(label)
                lab.setBuddy(widget)
                layout.addWidget(lab)
            layout.addWidget(widget, stretch)
        self._choices: list[FilterChoice] = []
        self._extra: list[FilterChoice] = []
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(200)
        self._search_timer.timeout.connect(self.changed)
        self.search.textChanged.connect(lambda _: self._search_timer.start())
        self.search.returnPressed.connect(self._search_now)
        self.show_combo.activated.connect(lambda _: self.changed.emit())
        self.folder_combo.activated.connect(lambda _: self.changed.emit())
        self.sort_combo.activated.connect(lambda _: self.changed.emit())
        session.counts_changed.connect(self.refresh_counts)
        session.classes_changed.connect(self.rebuild)
        session.images_changed.connect(self.rebuild_folders)
        self.rebuild()
        self.rebuild_folders()

    # ------------------------------------------------------------------ choices

    def add_choice(self, key: str, text: str, flt: ImageFilter) -> None:
        """Extension point: add a filter entry (e.g. a job's skipped images) at the end of the list."""
        self._extra = [c for c in self._extra if c.key != key] + [FilterChoice(key, text, flt)]
        self.rebuild()

    def _build_choices(self) -> list[FilterChoice]:
        c = self.session.counts
        out = [
            FilterChoice("all", f"All images ({c.total:,})", ImageFilter()),
            FilterChoice("unlabeled", f"Unlabeled ({c.unlabeled:,})", ImageFilter(unlabeled=True)),
        ]
        for info in self.session.classes():
            n = c.per_class.get(info.id, 0)
            out.append(FilterChoice(f"class:{info.id}", f"Class: {info.name} ({n:,})", ImageFilter(class_id=info.id)))
        out.append(FilterChoice("flagged", f"Flagged, any reason ({c.flagged_total:,})", ImageFilter(flagged=True)))
        for reason in FLAG_REASONS:
            n = c.flagged.get(reason.value, 0)
            if n:
                title = theme.VERDICT_TITLE.get(reason, reason.value)
                out.append(FilterChoice(f"flag:{reason.value}", f"Flagged: {title} ({n:,})", ImageFilter(reason=reason)))
        out.append(FilterChoice(
            "moderation", f"Likely skipped: faces, people ({c.likely_skipped_total:,})", ImageFilter(moderation=True)
        ))
        out.append(FilterChoice("excluded", f"Excluded ({c.excluded:,})", ImageFilter(excluded=True)))
        out.append(
            FilterChoice("skipped", f"Skipped by service ({c.service_skipped:,})", ImageFilter(service_skipped=True))
        )
        return out + self._extra

    def rebuild(self) -> None:
        key = self.current_key()
        self._choices = self._build_choices()
        with QSignalBlocker(self.show_combo):
            self.show_combo.clear()
            for choice in self._choices:
                icon = None
                if choice.key.startswith("class:"):
                    info = self.session.class_info(int(choice.key.split(":")[1]))
                    icon = theme.color_swatch(info.color) if info else None
                if icon is not None:
                    self.show_combo.addItem(icon, choice.text, choice.key)
                else:
                    self.show_combo.addItem(choice.text, choice.key)
            self._select_key(key or "all")
        self.show_combo.fit_to_text()

    def refresh_counts(self) -> None:
        """Update the counts in the entries' text without touching the selection."""
        fresh = self._build_choices()
        if [c.key for c in fresh] != [c.key for c in self._choices]:
            self.rebuild()
            return
        self._choices = fresh
        for i, choice in enumerate(fresh):
            self.show_combo.setItemText(i, choice.text)
        self.show_combo.fit_to_text()

    def rebuild_folders(self) -> None:
        current = self.folder_combo.currentData()
        with QSignalBlocker(self.folder_combo):
            self.folder_combo.clear()
            self.folder_combo.addItem("All folders", None)
            for folder in self.session.folders():
                depth = folder.count("/")
                self.folder_combo.addItem("    " * depth + folder.rsplit("/", 1)[-1], folder)
            idx = self.folder_combo.findData(current)
            self.folder_combo.setCurrentIndex(max(0, idx))

    # ------------------------------------------------------------------ state

    def current_key(self) -> str | None:
        return self.show_combo.currentData()

    def _select_key(self, key: str) -> bool:
        idx = self.show_combo.findData(key)
        if idx < 0:
            idx = 0
        self.show_combo.setCurrentIndex(idx)
        return idx >= 0

    def select(self, key: str) -> None:
        """Switch the "Show" filter programmatically (menus, the class panel, tests)."""
        with QSignalBlocker(self.show_combo):
            self._select_key(key)
        self.show_combo.fit_to_text()
        self.changed.emit()

    def current_filter(self) -> ImageFilter:
        idx = self.show_combo.currentIndex()
        base = self._choices[idx].flt if 0 <= idx < len(self._choices) else ImageFilter()
        folder = self.folder_combo.currentData()
        text = self.search.text().strip()
        return replace(base, folder=folder or None, name_contains=text or None)

    def current_order(self) -> str:
        return self.sort_combo.currentData() or "path"

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _search_now(self) -> None:
        self._search_timer.stop()
        self.changed.emit()

