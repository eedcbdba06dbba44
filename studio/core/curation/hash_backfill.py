"""Perceptual hashes for images that were deep-checked before hashes existed (projects made by an
earlier version): the one place that decodes an image a second time, and only once per image.

New images get their hash from the scan's deep stage; this runs when duplicates are asked for and
some present, usable images still have none. Progress and cancel like every long task; a cancelled
run keeps the hashes computed so far.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from studio.core.checks.pool import CheckPool, DeepTask
from studio.core.models import NEVER_FIXABLE, ImageFilter
from studio.core.store.splits import SplitRepository
from studio.core.tasks import CancelToken, ProgressCallable

if TYPE_CHECKING:
    from studio.core.store.project_store import ProjectStore

_BATCH = 500


def images_without_hash(store: "ProjectStore") -> list[tuple[int, str]]:
    """(image id, absolute path) of present, included images that could have a hash but have none."""
    hashed = set(SplitRepository(store).hashes())
    out = []
    for row in store.iter_images(ImageFilter(excluded=False)):
        if row.id in hashed or row.missing or row.excluded or row.verdict in NEVER_FIXABLE:
            continue
        out.append((row.id, str(row.abs_path)))
    return out


def hash_missing(store: "ProjectStore", progress: ProgressCallable | None = None,
                 cancel: CancelToken | None = None, pool: CheckPool | None = None) -> int:
    """Hash every image `images_without_hash` lists; returns how many got a hash."""
    todo = images_without_hash(store)
    if not todo:
        return 0
    repo = SplitRepository(store)
    own = pool is None
    pool = pool or CheckPool()
    pending: list[tuple[int, int | None]] = []
    stored = 0
    try:
        tasks = [DeepTask(str(i), path) for i, path in todo]
        for outcome in pool.deep(tasks, progress=progress, cancel=cancel):
            if outcome.phash is not None:
                pending.append((int(outcome.key), outcome.phash))
            if len(pending) >= _BATCH:
                repo.record_hashes(pending)
                stored += len(pending)
                pending.clear()
    finally:
        repo.record_hashes(pending)
        stored += len(pending)
        if own:
            pool.close()
    return stored


__all__ = ["hash_missing", "images_without_hash"]
