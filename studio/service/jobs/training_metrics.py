"""Read training metrics wherever the service puts them: event data, checkpoint metrics, results CSV.

The same numbers arrive under different names: events and checkpoints say
`valid_mean_token_accuracy`, the documented results CSV says `validation_mean_token_accuracy`, and
older files say `train_accuracy`. One alias table maps them all onto `MetricPoint`, so a chart never
depends on which source a value came from.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import math
from typing import Mapping

from studio.core.store.job_records import MetricPoint

_ALIASES: dict[str, tuple[str, ...]] = {
    "train_loss": ("train_loss", "training_loss"),
    "train_accuracy": ("train_mean_token_accuracy", "train_accuracy", "training_accuracy"),
    "valid_loss": ("valid_loss", "validation_loss"),
    "valid_accuracy": ("valid_mean_token_accuracy", "validation_mean_token_accuracy", "valid_accuracy", "validation_accuracy"),
    "full_valid_loss": ("full_valid_loss", "full_validation_loss"),
    "full_valid_accuracy": ("full_valid_mean_token_accuracy", "full_validation_mean_token_accuracy", "full_valid_accuracy"),
}


def _number(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
    try:
        number = float(value)  # type: ignore[arg-type]  # any JSON value may come: float() refusing it is caught below
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def metric_point(data: Mapping[str, object] | None, step: int | None = None) -> MetricPoint | None:
    """A `MetricPoint` from a dict of metric values; None when it has no step or no metric at all."""
    if not data:
        return None
    lowered = {str(k).strip().lower(): v for k, v in data.items()}
    raw_step = _number(lowered.get("step")) if step is None else step
    if raw_step is None:
        return None
    values: dict[str, float | None] = {}
    for name, keys in _ALIASES.items():
        values[name] = next((n for n in (_number(lowered.get(k)) for k in keys) if n is not None), None)
    if all(v is None for v in values.values()):
        return None
    total = _number(lowered.get("total_steps"))
    return MetricPoint(step=int(raw_step), total_steps=int(total) if total is not None else None, **values)


def _results_text(content: bytes | str) -> str:
    """The CSV text, whether the service sent it plain or base64-encoded.

    [facts §5 results] Azure documents a plain `results.csv`; OpenAI is widely reported to send the
    content base64-encoded (UNVERIFIED in its spec), so both are read: a body without a comma in its
    first line that decodes as base64 to a CSV with a `step` column is taken as encoded.
    """
    raw = content.encode("utf-8") if isinstance(content, str) else content
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    first = raw.split(b"\n", 1)[0]
    if b"," not in first and raw.strip():
        try:
            decoded = base64.b64decode(b"".join(raw.split()), validate=True)
        except (binascii.Error, ValueError):
            decoded = b""
        if decoded.removeprefix(b"\xef\xbb\xbf").lstrip().lower().startswith(b"step"):
            raw = decoded.removeprefix(b"\xef\xbb\xbf")
    return raw.decode("utf-8", errors="replace")


def parse_results_csv(content: bytes | str) -> list[MetricPoint]:
    """Rows of the results file, by header name; blank cells (steps without evaluation) are missing."""
    text = _results_text(content)
    reader = csv.DictReader(io.StringIO(text))
    points = []
    for row in reader:
        point = metric_point(row)
        if point is not None:
            points.append(point)
    return points
