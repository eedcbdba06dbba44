"""A job's event log, filterable by level, that grows as new events arrive.

A running job produces one "metrics" event per training step, which would bury the few messages a
person needs (validation results, skipped images, failures), so step events can be hidden and the
level filter keeps warnings and errors in reach. Events are deduplicated by id, so the view can be
filled from the project records and then fed each poll's new events without double entries.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QCheckBox, QComboBox, QHBoxLayout, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from studio.ui.common.table_model import Index, RowsTableModel
from studio.core.store.job_records import JobEvent

LEVEL_FILTERS = (("All levels", None), ("Warnings and errors", {"warn", "warning", "error"}), ("Errors only", {"error"}))
LEVEL_COLORS = {"warn": QColor("#b26a00"), "warning": QColor("#b26a00"), "error": QColor("#c62828")}
COLUMNS = ("Time", "Level", "Message")


def format_time(timestamp: float, today: dt.date | None = None) -> str:
    when = dt.datetime.fromtimestamp(timestamp)
    if when.date() == (today or dt.date.today()):
        return when.strftime("%H:%M:%S")
    return when.strftime("%Y-%m-%d %H:%M:%S")


class EventLogModel(RowsTableModel[JobEvent]):
    columns = COLUMNS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._ids: set[str] = set()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        event = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (format_time(event.created_at), event.level, event.message)[column]
        if role == Qt.ItemDataRole.ToolTipRole and column == 2:
            return event.message
        if role == Qt.ItemDataRole.ForegroundRole and event.level in LEVEL_COLORS:
            return LEVEL_COLORS[event.level]
        if role == Qt.ItemDataRole.UserRole:
            return event
        return None

    def set_events(self, events: Iterable[JobEvent]) -> None:
        self.beginResetModel()
        self._rows = []
        self._ids = set()
        self._add(sorted(events, key=lambda e: e.created_at))
        self.endResetModel()

    def add_events(self, events: Iterable[JobEvent]) -> int:
        fresh = sorted((e for e in events if e.id not in self._ids), key=lambda e: e.created_at)
        if not fresh:
            return 0
        if self._rows and fresh[0].created_at < self._rows[-1].created_at:
            self.set_events([*self._rows, *fresh])  # late arrival: keep time order
            return len(fresh)
        start = len(self._rows)
        self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
        self._add(fresh)
        self.endInsertRows()
        return len(fresh)

    def _add(self, events: list[JobEvent]) -> None:
        for event in events:
            if event.id not in self._ids:
                self._ids.add(event.id)
                self._rows.append(event)

    def event_at(self, row: int) -> JobEvent:
        return self._rows[row]

    def all_events(self) -> list[JobEvent]:
        return list(self._rows)


class _EventFilter(QSortFilterProxyModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.levels: set[str] | None = None
        self.show_metrics = False

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # noqa: N802
        model = self.sourceModel()
        assert isinstance(model, EventLogModel)  # EventLog sets no other source
        event = model.event_at(source_row)
        if self.levels is not None and event.level not in self.levels:
            return False
        return self.show_metrics or event.type != "metrics"

    def set_filter(self, levels: set[str] | None, show_metrics: bool) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.10; invalidateFilter() is deprecated there
            self.beginFilterChange()
            self.levels, self.show_metrics = levels, show_metrics
            self.endFilterChange()
        else:
            self.levels, self.show_metrics = levels, show_metrics
            self.invalidateFilter()


class EventLog(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = EventLogModel(self)
        self.proxy = _EventFilter(self)
        self.proxy.setSourceModel(self.model)
        self.level_combo = QComboBox()
        for text, _ in LEVEL_FILTERS:
            self.level_combo.addItem(text)
        self.level_combo.currentIndexChanged.connect(self._apply_filter)
        self.metrics_box = QCheckBox("Show step metrics")
        self.metrics_box.toggled.connect(self._apply_filter)
        self.count_label = QLabel()
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Show:"))
        bar.addWidget(self.level_combo)
        bar.addWidget(self.metrics_box)
        bar.addStretch(1)
        bar.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self._update_count()

    def set_level_filter(self, index: int) -> None:
        self.level_combo.setCurrentIndex(index)

    def _apply_filter(self) -> None:
        self.proxy.set_filter(LEVEL_FILTERS[self.level_combo.currentIndex()][1], self.metrics_box.isChecked())
        self._update_count()

    def set_events(self, events: Iterable[JobEvent]) -> None:
        self.model.set_events(events)
        self._update_count()
        self.table.scrollToBottom()

    def add_events(self, events: Iterable[JobEvent]) -> None:
        bar = self.table.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 2
        if self.model.add_events(events):
            self._update_count()
            if at_bottom:
                self.table.scrollToBottom()

    def visible_messages(self) -> list[str]:
        return [self.proxy.index(r, 2).data() for r in range(self.proxy.rowCount())]

    def _update_count(self) -> None:
        self.count_label.setText(f"{self.proxy.rowCount()} of {self.model.rowCount()} events")
