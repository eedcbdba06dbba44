"""The grid's "Show" combo with a long entry (an evaluation's disagreement filter names its run): the
closed combo grows to fit, elides what still does not fit in the middle so both the kind of filter
and the run's name stay readable, shows the full text as its tooltip, and the drop-down list is wide
enough for every entry."""

from __future__ import annotations

from studio.core.models import ImageFilter

LONG = "Model disagrees with label (3) \u00b7 ft:gpt-4o-2024-08-06:my-team:shapes-v2:AbC123xyZ, checkpoint 40"


def test_long_filter_entries_stay_readable(window):
    bar = window.workspace.filter_bar
    combo = bar.show_combo
    narrow = combo.sizeHint().width()
    bar.add_choice("eval-disagree", LONG, ImageFilter(image_ids=frozenset({1})))
    bar.select("eval-disagree")
    assert combo.currentText() == LONG
    assert combo.toolTip() == LONG
    assert combo.sizeHint().width() > narrow * 2  # grown for the long entry (within a cap)
    window.resize(1400, 760)
    shown = combo.shown_text()
    assert shown != LONG and "\u2026" in shown  # longer than the cap: elided ...
    assert shown.startswith("Model disagrees") and shown.endswith("checkpoint 40")  # ... in the middle
    metrics = combo.fontMetrics()
    assert combo.view().minimumWidth() >= metrics.horizontalAdvance(LONG)
    bar.select("all")
    assert combo.toolTip() == combo.currentText()
