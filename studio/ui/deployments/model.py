"""The deployments table: one row per deployment of the resource, this project's ones in bold.

Age and remaining lifetime are computed from the stored creation time and the clock at paint time,
so a once-a-minute `refresh_times()` keeps them right without asking the service again.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont

from studio.service.deployments import DeploymentInfo
from studio.service.deployments.types import duration_text
from studio.ui.common.table_model import Index, RowsTableModel

COLUMNS = ("Name", "Model", "Type", "Capacity", "State", "Created", "Lifetime", "This project")
_STATE_COLORS = {"succeeded": QColor("#2e7d32"), "failed": QColor("#c62828"), "creating": QColor("#ef6c00"),
                 "deleting": QColor("#757575"), "accepted": QColor("#ef6c00")}


def lifetime_cell(info: DeploymentInfo, now: float) -> str:
    remaining = info.remaining_seconds(now)
    if remaining is not None:
        return f"{duration_text(remaining)} left (24 h)"
    hours = info.hosting_hours(now)
    if hours is not None:
        return f"{hours:.1f} hosting h so far"
    age = info.age_seconds(now)
    return "" if age is None else f"{duration_text(age)} old"


def source_cell(info: DeploymentInfo) -> str:
    if not info.ours:
        return ""
    text = f"job {info.job_id}" if info.job_id else "yes"
    if info.checkpoint_step:
        text += f", checkpoint step {info.checkpoint_step}"
    if info.purpose and info.purpose.startswith("evaluation:"):
        text += f" (evaluation {info.purpose.split(':', 1)[1]})"
    return text


class DeploymentsModel(RowsTableModel[DeploymentInfo]):
    columns = COLUMNS

    def __init__(self, parent: Any = None, clock: Callable[[], float] = time.time) -> None:
        super().__init__(parent)
        self._clock = clock

    def set_deployments(self, infos: list[DeploymentInfo]) -> None:
        self.beginResetModel()
        self._rows = list(infos)
        self.endResetModel()

    def deployments(self) -> list[DeploymentInfo]:
        return list(self._rows)

    def at(self, row: int) -> DeploymentInfo | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def refresh_times(self) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0, 6), self.index(len(self._rows) - 1, 6))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        info = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            kind = info.deployment_type.label if info.deployment_type else info.sku
            created = datetime.fromtimestamp(info.created_at).strftime("%Y-%m-%d %H:%M") if info.created_at else ""
            return (info.name, info.model, kind, "" if info.capacity is None else str(info.capacity), info.state,
                    created, lifetime_cell(info, self._clock()), source_cell(info))[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 1:
                return f"{info.model} (version {info.model_version})"
            if column == 2 and info.deployment_type is not None:
                return info.deployment_type.summary
            if column == 6:
                return info.lifetime_text(self._clock())
        if role == Qt.ItemDataRole.FontRole and info.ours:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and column == 4:
            color = _STATE_COLORS.get(info.state.lower())
            return QBrush(color) if color is not None else None
        if role == Qt.ItemDataRole.UserRole:
            return info
        return None
