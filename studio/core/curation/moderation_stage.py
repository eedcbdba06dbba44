"""The background stage that predicts moderation skips for a project, after its deep check.

It analyses each distinct file content once (results are cached per fingerprint in the project),
on the check pool's worker processes (low priority, isolated from decoder crashes and hangs), and
writes results in small batches so the grid's badges appear while it runs. It never takes the
project's write lock for longer than one batch, so labeling goes on meanwhile. Cancelling keeps
everything written; the next run analyses only what is left.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.core.checks.pool import CheckPool, FileFailure
from studio.core.curation.moderation import DETECTOR_VERSION, detect_file
from studio.core.store.moderation_flags import ModerationRepository
from studio.core.store.project_store import ProjectStore
from studio.core.tasks import CancelToken, ProgressCallable, no_progress

BATCH_ROWS = 16
BATCH_SECONDS = 0.5

OnBatch = Callable[[list[int]], None]
# What a worker sends back: (likely_skipped, boxes, error, (w, h)). Plain tuples pickle cheaply.
Packed = tuple[Any, list[list[int]], Any, tuple[int, int]]


def analyse_file(path: str) -> Packed:
    """Worker function: the detector's verdict for one file, as a plain tuple."""
    d = detect_file(path)
    return (d.likely_skipped, d.boxes, d.error, d.size)


@dataclass(slots=True)
class ModerationReport:
    analysed: int = 0  # distinct file contents analysed by this run
    faces: int = 0
    persons: int = 0
    failed: int = 0  # files the detector could not read (they keep no prediction)
    cancelled: bool = False
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.analysed / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "analysed": self.analysed, "faces": self.faces, "persons": self.persons, "failed": self.failed,
            "cancelled": self.cancelled, "seconds": round(self.seconds, 3),
            "images_per_second": round(self.per_second, 1),
        }


def run_moderation(
    store: ProjectStore,
    *,
    pool: CheckPool | None = None,
    progress: ProgressCallable | None = None,
    cancel: CancelToken | None = None,
    on_batch: OnBatch | None = None,
) -> ModerationReport:
    """Analyse every checked image of the project that has no prediction yet.

    `on_batch(image_ids)` is called (on this thread) after each batch is stored, with every image
    whose prediction changed (copies of one content included). `progress(done, total, message)`.
    """
    started = time.monotonic()
    cancel = cancel or CancelToken()
    repo = ModerationRepository(store)
    todo = repo.pending(DETECTOR_VERSION)
    report = ModerationReport()
    say: ProgressCallable = progress or no_progress
    say(0, len(todo), "Looking for faces and people")
    if not todo:
        report.seconds = time.monotonic() - started
        return report
    own_pool = pool is None
    pool = pool or CheckPool()
    batch: list[tuple[str, str | None, list[list[int]], tuple[int, int]]] = []
    last_flush = time.monotonic()

    def flush() -> None:
        nonlocal last_flush
        if batch:
            repo.record(DETECTOR_VERSION, batch)
            if on_batch is not None:
                on_batch(repo.image_ids_with([fp for fp, *_ in batch]))
            batch.clear()
        last_flush = time.monotonic()

    try:
        items = [(p.fingerprint, p.path) for p in todo]
        for done, (fp, outcome) in enumerate(_stream(pool, items, cancel), 1):
            kind, boxes, error, size = _unpacked(outcome)
            if error is not None:
                report.failed += 1
            else:
                report.analysed += 1
                report.faces += kind == "face"
                report.persons += kind == "person"
                batch.append((fp, kind, boxes, size))
            if len(batch) >= BATCH_ROWS or time.monotonic() - last_flush >= BATCH_SECONDS:
                flush()
            say(done, len(todo), "Looking for faces and people")
        flush()
    finally:
        if own_pool:
            pool.close()
    report.cancelled = cancel.cancelled
    report.seconds = time.monotonic() - started
    return report


def _stream(pool: CheckPool, items: list[tuple[str, str]], cancel: CancelToken) -> Iterable[tuple[str, Any]]:
    return pool.per_file(analyse_file, items, cancel=cancel)


def _unpacked(outcome: Any) -> Packed:
    if isinstance(outcome, FileFailure):
        return (None, [], outcome.reason, (0, 0))
    return outcome


def moderation_for_files(
    paths: dict[str, Path],
    *,
    pool: CheckPool | None = None,
    progress: ProgressCallable | None = None,
    cancel: CancelToken | None = None,
) -> dict[str, tuple[str | None, list[list[int]]]]:
    """Predictions for files outside a project (`studio-cli check --moderation`): key -> (kind, boxes).
    A file the detector cannot read gets (None, []) like one without people."""
    own_pool = pool is None
    pool = pool or CheckPool()
    out: dict[str, tuple[str | None, list[list[int]]]] = {}
    try:
        items = [(key, str(p)) for key, p in paths.items()]
        for key, outcome in pool.per_file(analyse_file, items, progress=progress, cancel=cancel):
            kind, boxes, error, _size = _unpacked(outcome)
            out[key] = (None, []) if error is not None else (kind, boxes)
    finally:
        if own_pool:
            pool.close()
    return out


__all__ = ["ModerationReport", "analyse_file", "moderation_for_files", "run_moderation"]
