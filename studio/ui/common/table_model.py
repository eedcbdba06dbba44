"""A read-only table model over a Python list of rows, with fixed column titles.

The jobs panel, the event log, the deployments table and the evaluation's per-class and runs tables
are all "a list of records shown as columns"; the row/column counting, header titles and tips and the
reset plumbing live here once, and each model only says how a record reads.
"""

from __future__ import annotations

from typing import Any, Generic, Iterable, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Row = TypeVar("Row")
Index = QModelIndex | QPersistentModelIndex


class RowsTableModel(QAbstractTableModel, Generic[Row]):
    columns: tuple[str, ...] = ()
    column_tips: tuple[str, ...] = ()  # header tooltips, one per column ("" for none); may be shorter


    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section]
        if role == Qt.ItemDataRole.ToolTipRole and section < len(self.column_tips):
            return self.column_tips[section] or None
        return None

    def set_rows(self, rows: Iterable[Row]) -> None:
        """Replace every row (one model reset: views keep their column layout)."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Row]:
        return list(self._rows)

    def row(self, index: int) -> Row:
        return self._rows[index]
