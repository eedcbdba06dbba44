"""Training curves of one job: loss and accuracy, training and validation on the same axes.

QtCharts, because it ships with PySide6 (no extra dependency in the installer). Each chart shows
the per-step training value, the per-step validation value (the service evaluates a validation batch
on some steps) and the full-validation value (evaluated at epoch ends). Interaction the way people
expect from plotting tools: drag a rectangle to zoom, "Reset zoom" to see everything again,
hover anywhere to read every series' value at the nearest step, and a log scale for loss (early
losses are often 10x the final ones, which flattens the interesting part on a linear axis).

Points arrive step by step while a job runs; `add_points` appends in place instead of rebuilding
the series, so a long run stays cheap to update.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Iterable, Sequence

from PySide6.QtCharts import QChart, QChartView, QLineSeries, QLogValueAxis, QScatterSeries, QValueAxis, QXYSeries
from PySide6.QtCore import QMargins, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QToolTip, QVBoxLayout, QWidget

from studio.core.store.job_records import MetricPoint
from studio.ui.app.theme import is_dark, muted_text

TRAIN_COLOR = QColor("#1f77b4")
VALID_COLOR = QColor("#e3701a")
FULL_VALID_COLOR = QColor("#2ca02c")


@dataclass(frozen=True, slots=True)
class SeriesSpec:
    key: str  # MetricPoint field
    name: str  # legend text
    color: QColor
    style: str  # "line" | "dashed" | "points"


LOSS_SERIES = (
    SeriesSpec("train_loss", "Training loss", TRAIN_COLOR, "line"),
    SeriesSpec("valid_loss", "Validation loss", VALID_COLOR, "dashed"),
    SeriesSpec("full_valid_loss", "Full validation loss", FULL_VALID_COLOR, "points"),
)
ACCURACY_SERIES = (
    SeriesSpec("train_accuracy", "Training accuracy", TRAIN_COLOR, "line"),
    SeriesSpec("valid_accuracy", "Validation accuracy", VALID_COLOR, "dashed"),
    SeriesSpec("full_valid_accuracy", "Full validation accuracy", FULL_VALID_COLOR, "points"),
)


def _make_series(spec: SeriesSpec) -> QXYSeries:
    series: QXYSeries
    if spec.style == "points":
        points = QScatterSeries()
        points.setMarkerSize(9.0)
        points.setColor(spec.color)
        points.setBorderColor(spec.color)
        series = points
    else:
        series = QLineSeries()
        pen = QPen(spec.color)
        pen.setWidthF(2.0 if spec.style == "line" else 1.6)
        if spec.style == "dashed":
            pen.setStyle(Qt.PenStyle.DashLine)
        series.setPen(pen)
    series.setName(spec.name)
    return series


def _step_interval(last_step: int, most_ticks: int = 7) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50 ... steps that puts at most `most_ticks` intervals on the axis."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if last_step / (factor * magnitude) <= most_ticks:
                return factor * magnitude
        magnitude *= 10


class MetricChart(QChartView):
    """One metric family (loss or accuracy) over training steps."""

    def __init__(self, title: str, specs: Sequence[SeriesSpec], *, fixed_range: tuple[float, float] | None = None,
                 parent: QWidget | None = None) -> None:
        chart = QChart()
        chart.setTitle(title)
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        if is_dark():
            chart.setTheme(QChart.ChartTheme.ChartThemeDark)
        super().__init__(chart, parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setRubberBand(QChartView.RubberBand.RectangleRubberBand)
        self.setMouseTracking(True)
        self.setMinimumHeight(220)
        self._specs = tuple(specs)
        self._fixed_range = fixed_range
        self._values: dict[str, dict[int, float]] = {s.key: {} for s in self._specs}
        self._steps: list[int] = []  # every step with any value, sorted (for hover lookup)
        self._total_steps: int | None = None
        self._log = False
        self._series = {s.key: _make_series(s) for s in self._specs}
        for series in self._series.values():
            chart.addSeries(series)
        self._x_axis = QValueAxis()
        self._x_axis.setTitleText("Step")
        self._x_axis.setLabelFormat("%d")
        chart.addAxis(self._x_axis, Qt.AlignmentFlag.AlignBottom)
        self._y_axis: QValueAxis | QLogValueAxis = self._new_y_axis(False)
        chart.addAxis(self._y_axis, Qt.AlignmentFlag.AlignLeft)
        for series in self._series.values():
            series.attachAxis(self._x_axis)
            series.attachAxis(self._y_axis)
        self.empty_text = "No training steps yet: the curves appear when the service reports the first steps."
        self._update_ranges()

    # -- data ---------------------------------------------------------------------------------------

    def set_points(self, points: Iterable[MetricPoint]) -> None:
        """Replace everything (first load, or after the results file filled gaps)."""
        for values in self._values.values():
            values.clear()
        self._merge(points)
        self._rebuild()

    def add_points(self, points: Iterable[MetricPoint]) -> None:
        """New steps; appended in place when they come after what is shown, else a rebuild."""
        points = list(points)
        if not points:
            return
        last = self._steps[-1] if self._steps else 0
        in_order = all(p.step > last for p in points) and all(a.step < b.step for a, b in zip(points, points[1:]))
        self._merge(points)
        if not in_order:
            self._rebuild()
            return
        for spec in self._specs:
            fresh = [QPointF(p.step, v) for p in points if (v := getattr(p, spec.key)) is not None and self._plottable(v)]
            if fresh:
                self._series[spec.key].append(fresh)
        self._update_ranges()

    def set_total_steps(self, total: int | None) -> None:
        if total and total != self._total_steps:
            self._total_steps = total
            self._update_ranges()

    def _merge(self, points: Iterable[MetricPoint]) -> None:
        steps = set(self._steps)
        for p in points:
            self._total_steps = p.total_steps or self._total_steps
            for spec in self._specs:
                value = getattr(p, spec.key)
                if value is not None:
                    self._values[spec.key][p.step] = float(value)
                    steps.add(p.step)
        self._steps = sorted(steps)

    def _plottable(self, value: float) -> bool:
        return value > 0 if self._log else True

    def _rebuild(self) -> None:
        for spec in self._specs:
            data = self._values[spec.key]
            self._series[spec.key].replace([QPointF(s, v) for s, v in sorted(data.items()) if self._plottable(v)])
        self._update_ranges()

    def point_count(self, key: str) -> int:
        return self._series[key].count()

    @property
    def is_empty(self) -> bool:
        return not self._steps

    def _show_empty_state(self) -> None:
        """Before the first step an axis of 0..1 labelled "0 0 0 1 1" looks broken: hide the axes and
        the legend and say what will appear instead (`drawForeground` paints the sentence)."""
        empty = self.is_empty
        for axis in (self._x_axis, self._y_axis):
            axis.setVisible(not empty)
        self.chart().legend().setVisible(not empty)
        self.viewport().update()

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:  # noqa: N802 - Qt override
        super().drawForeground(painter, rect)
        if not self.is_empty:
            return
        area = self.chart().plotArea()
        painter.save()
        painter.setPen(muted_text(self.palette()))
        painter.drawText(area.adjusted(12, 0, -12, 0), int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                         self.empty_text)
        painter.restore()

    # -- axes, zoom, log scale ----------------------------------------------------------------------

    def _new_y_axis(self, log: bool) -> QValueAxis | QLogValueAxis:
        if log:
            log_axis = QLogValueAxis()
            log_axis.setBase(10.0)
            log_axis.setLabelFormat("%.3g")
            log_axis.setMinorTickCount(8)
            axis: QValueAxis | QLogValueAxis = log_axis
        else:
            axis = QValueAxis()
            axis.setLabelFormat("%.2f")
        return axis

    @property
    def log_scale(self) -> bool:
        return self._log

    def set_log_scale(self, log: bool) -> None:
        if log == self._log:
            return
        chart = self.chart()
        for series in self._series.values():
            series.detachAxis(self._y_axis)
        self._y_axis.setVisible(False)  # its graphics may outlive removal until the next event loop turn
        chart.removeAxis(self._y_axis)
        self._log = log
        self._y_axis = self._new_y_axis(log)
        chart.addAxis(self._y_axis, Qt.AlignmentFlag.AlignLeft)
        for series in self._series.values():
            series.attachAxis(self._y_axis)
        self._rebuild()

    def reset_zoom(self) -> None:
        self.chart().zoomReset()
        self._update_ranges()

    def _update_ranges(self) -> None:
        if self.chart().isZoomed():
            return  # the user is looking at a part: new points must not move it
        last = self._steps[-1] if self._steps else 1
        x_max = max(last, self._total_steps or 0, 1)
        self._x_axis.setRange(0, x_max)
        # Ticks at round whole steps from 0 (0, 10, 20 ... of 63; 0, 1, 2, 3 of 3), never "0 0 1 1 2".
        self._x_axis.setTickType(QValueAxis.TickType.TicksDynamic)
        self._x_axis.setTickAnchor(0)
        self._x_axis.setTickInterval(_step_interval(x_max))
        values = [v for data in self._values.values() for v in data.values() if self._plottable(v)]
        if self._fixed_range and not self._log:
            low, high = self._fixed_range
            if values:
                low, high = min(low, min(values)), max(high, max(values))
        elif not values:
            low, high = (0.1, 10.0) if self._log else (0.0, 1.0)
        elif self._log:
            low, high = min(values) * 0.8, max(values) * 1.25
        else:
            low, high = min(0.0, min(values)), max(values) * 1.08 or 1.0
        self._y_axis.setRange(low, high)
        if isinstance(self._y_axis, QValueAxis) and not self._fixed_range:
            self._y_axis.applyNiceNumbers()  # 0, 0.5, 1.0, ... instead of 0, 0.46, 0.91, ...
        self._show_empty_state()

    # -- hover --------------------------------------------------------------------------------------

    def nearest_step(self, x: float) -> int | None:
        if not self._steps:
            return None
        i = bisect.bisect_left(self._steps, x)
        candidates = self._steps[max(0, i - 1) : i + 1]
        return min(candidates, key=lambda s: abs(s - x))

    def hover_text(self, step: int) -> str:
        lines = [f"Step {step}" + (f" of {self._total_steps}" if self._total_steps else "")]
        for spec in self._specs:
            value = self._values[spec.key].get(step)
            if value is not None:
                lines.append(f"{spec.name}: {value:.4f}")
        return "\n".join(lines)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        super().mouseMoveEvent(event)
        position = event.position()
        if not self.chart().plotArea().contains(position):
            QToolTip.hideText()
            return
        step = self.nearest_step(self.chart().mapToValue(position).x())
        if step is not None:
            QToolTip.showText(event.globalPosition().toPoint(), self.hover_text(step), self)

    def leaveEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt override
        QToolTip.hideText()
        super().leaveEvent(event)


class TrainingCharts(QWidget):
    """Loss and accuracy side by side, with the zoom and scale controls that apply to both."""

    log_scale_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loss = MetricChart("Loss", LOSS_SERIES)
        self.accuracy = MetricChart("Token accuracy", ACCURACY_SERIES, fixed_range=(0.0, 1.0))
        self.log_box = QCheckBox("Log scale for loss")
        self.log_box.toggled.connect(self.loss.set_log_scale)
        self.log_box.toggled.connect(self.log_scale_toggled)
        self.reset_button = QPushButton("Reset zoom")
        self.reset_button.clicked.connect(self.reset_zoom)
        hint = QLabel("Drag a rectangle to zoom; hover to read values.")
        hint.setEnabled(False)
        controls = QHBoxLayout()
        controls.addWidget(self.log_box)
        controls.addWidget(self.reset_button)
        controls.addStretch(1)
        controls.addWidget(hint)
        charts = QHBoxLayout()
        charts.addWidget(self.loss, 1)
        charts.addWidget(self.accuracy, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addLayout(charts, 1)

    def set_points(self, points: Sequence[MetricPoint]) -> None:
        self.loss.set_points(points)
        self.accuracy.set_points(points)

    def add_points(self, points: Sequence[MetricPoint]) -> None:
        self.loss.add_points(points)
        self.accuracy.add_points(points)

    def set_total_steps(self, total: int | None) -> None:
        self.loss.set_total_steps(total)
        self.accuracy.set_total_steps(total)

    def reset_zoom(self) -> None:
        self.loss.reset_zoom()
        self.accuracy.reset_zoom()
