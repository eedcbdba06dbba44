"""How a job's status and times read on screen; shared by the jobs panel and the job view.

The service's status is an open string (Azure adds `pending` and `paused`, and more may come), so an
unknown status is shown as the service wrote it rather than hidden or guessed.
"""

from __future__ import annotations

import datetime as dt
import time

from PySide6.QtGui import QColor

from studio.service.styles import JOB_STATUS_TEXT, WAITING_STATUSES

# Every status any API style documents (`service.styles`, api-spec-facts §2/§6): the dated API's
# pending / pausing / resuming, OpenAI's validating_files / queued (also right after a resume).
STATUS_LABELS = dict(JOB_STATUS_TEXT) | {"unknown": "Unknown"}
STATUS_COLORS = {
    "running": QColor("#1565c0"),
    "paused": QColor("#8d6e00"),
    "pausing": QColor("#8d6e00"),
    "resuming": QColor("#1565c0"),
    "succeeded": QColor("#2e7d32"),
    "failed": QColor("#c62828"),
    "cancelled": QColor("#616161"),
}


def is_waiting(status: str | None) -> bool:
    """Accepted by the service but not training yet (or again): validating, pending, queued, resuming."""
    return (status or "") in WAITING_STATUSES


def status_label(status: str | None) -> str:
    status = status or "unknown"
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


def status_color(status: str | None) -> QColor | None:
    return STATUS_COLORS.get(status or "")


def format_timestamp(timestamp: float | None) -> str:
    if not timestamp:
        return "\u2014"
    when = dt.datetime.fromtimestamp(timestamp)
    if when.date() == dt.date.today():
        return when.strftime("Today %H:%M")
    return when.strftime("%Y-%m-%d %H:%M")


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "\u2014"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


def format_tokens(tokens: int | None) -> str:
    return "\u2014" if tokens is None else f"{tokens:,}"


def format_eta(finish: float | None, now: float | None = None) -> str:
    """'14:32 (in 12 min)' for an estimated finish time; empty when unknown."""
    if not finish:
        return ""
    remaining = finish - (time.time() if now is None else now)
    clock = dt.datetime.fromtimestamp(finish).strftime("%H:%M")
    if remaining <= 0:
        return f"{clock} (any moment now)"
    return f"{clock} (in {format_duration(remaining)})"
