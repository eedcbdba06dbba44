"""The per-step results file a succeeded job attaches (`result_files[0]`, purpose fine-tune-results).

Column names follow the Azure documentation, including its spelling `validation_mean_token_accuracy`
for the per-batch validation accuracy (events and checkpoints call it `valid_mean_token_accuracy`).
Cells are empty on steps where a value was not measured.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping

COLUMNS = (
    "step",
    "train_loss",
    "train_mean_token_accuracy",
    "valid_loss",
    "validation_mean_token_accuracy",
    "full_valid_loss",
    "full_valid_mean_token_accuracy",
)
_SOURCE_KEY = {"validation_mean_token_accuracy": "valid_mean_token_accuracy"}


def results_csv(rows: Iterable[Mapping[str, float]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for metrics in rows:
        writer.writerow(["" if metrics.get(_SOURCE_KEY.get(c, c)) is None else metrics[_SOURCE_KEY.get(c, c)] for c in COLUMNS])
    return out.getvalue().encode("utf-8")
