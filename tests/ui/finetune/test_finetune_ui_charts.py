"""The training curves before and after the first steps: an empty chart says what will appear
instead of showing bare axes labelled "0 0 0 1 1", and the step axis is labelled at round whole steps."""

from PySide6.QtCharts import QValueAxis

from studio.core.store.job_records import MetricPoint
from studio.ui.finetune.jobs.charts import TrainingCharts


def _axes(chart):
    return chart.chart().axes()


def test_empty_charts_show_a_sentence_not_bare_axes(qtbot):
    charts = TrainingCharts()
    qtbot.addWidget(charts)
    for chart in (charts.loss, charts.accuracy):
        assert chart.is_empty
        assert not any(axis.isVisible() for axis in _axes(chart))
        assert not chart.chart().legend().isVisible()
        assert "No training steps yet" in chart.empty_text
    charts.set_points([MetricPoint(step=1, total_steps=3, train_loss=1.5, train_accuracy=0.4)])
    for chart in (charts.loss, charts.accuracy):
        assert not chart.is_empty
        assert all(axis.isVisible() for axis in _axes(chart))
        assert chart.chart().legend().isVisible()


def test_short_runs_label_whole_steps(qtbot):
    charts = TrainingCharts()
    qtbot.addWidget(charts)
    charts.set_points([MetricPoint(step=1, total_steps=3, train_loss=1.5)])
    (x_axis,) = [a for a in _axes(charts.loss) if isinstance(a, QValueAxis) and a.titleText() == "Step"]
    assert (x_axis.min(), x_axis.max()) == (0, 3)
    assert (x_axis.tickAnchor(), x_axis.tickInterval()) == (0, 1)  # 0, 1, 2, 3
    charts.set_total_steps(63)
    assert x_axis.max() == 63 and x_axis.tickInterval() == 10  # 0, 10, ... 60: round steps
