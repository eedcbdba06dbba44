"""A run's answers as CSV, one row per image, for a spreadsheet or a report.

Paths are written the way `Export labels to CSV` and `studio-cli export-labels` write them (the
image's path inside its folder), labels are the current ones (so the file agrees with the numbers
on screen after relabeling), and the raw answer is included so a reader can judge the parsing.
Written by the studio's one CSV writer (`label_io.write_csv`: temporary file, then rename).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from studio.core.errors import StudioError
from studio.core.label_io import write_csv
from studio.core.store.evaluations import EvaluationRepository
from studio.core.store.project_store import ProjectStore

HEADER = ["path", "label", "predicted", "correct", "answer", "error", "prompt_tokens", "completion_tokens",
          "latency_ms"]


def export_run_csv(store: ProjectStore, run_id: int, csv_path: Path | str) -> int:
    """Write the run's answers; returns the number of rows. Unlabeled images have an empty `correct`."""
    repo = EvaluationRepository(store)
    if repo.run(run_id) is None:
        raise StudioError(f"Evaluation run {run_id} is not in this project.")
    names = {c.id: c.name for c in store.classes()}
    answers = repo.answers(run_id)
    rows = {r.id: r for r in store.images([a.image_id for a in answers])}

    def lines() -> Iterator[list[Any]]:
        for a in sorted(answers, key=lambda a: rows[a.image_id].rel_path if a.image_id in rows else ""):
            row = rows.get(a.image_id)
            if row is None:
                continue
            label = names.get(row.class_id) if row.class_id is not None else None
            predicted = names.get(a.predicted_class_id) if a.predicted_class_id is not None else None
            correct = "" if label is None else int(predicted == label)
            yield [row.rel_path, label or "", predicted or "", correct, a.answer or "", a.error or "",
                   a.prompt_tokens, a.completion_tokens, "" if a.latency_ms is None else round(a.latency_ms)]

    return write_csv(csv_path, HEADER, lines())
