"""Scan a project's folders into its store, and check a folder without a project.

A scan is built so that a rescan of an unchanged library costs one `stat` per file and one query:
the walk's (size, mtime) is compared with what the store remembers, and only new or changed files are
read at all. Those get a header check first, in batches written to the store as they complete, so a
UI shows the first images at once; the deep checks (full decode, plus the fingerprint, from the same
read) stream in behind them.

Moves are recognised without reading every new file: a moved file keeps its size, so only new files
whose size equals that of a vanished image are fingerprinted and compared. An image whose
fingerprint was never computed (its deep check never ran) is matched by size and modification time
instead, when exactly one candidate fits.
"""

from __future__ import annotations

import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.core.checks.pool import INLINE_HEADERS, CheckPool, DeepTask
from studio.core.errors import StudioError
from studio.core.scan.fingerprint import fingerprint
from studio.core.scan.folder_walk import WalkedFile, walk_files, walk_images
from studio.core.models import CheckResult, FileEntry
from studio.core.store.splits import SplitRepository
from studio.core.store.project_store import FileRecord, KnownFile, ProjectStore
from studio.core.tasks import CancelToken, ProgressCallable, no_progress

BATCH_ROWS = 500  # rows per store write: one transaction each, so the UI sees progress in steps
BATCH_SECONDS = 0.5  # ...or fewer rows when results come in slowly (deep checks)
FIRST_BATCH_ROWS = 64  # the first batch is written early: a UI shows images as soon as it can

OnBatch = Callable[[list[int]], None]


@dataclass(slots=True)
class ScanReport:
    """What a scan found and did. `flagged` counts verdicts reached by this scan's checks."""

    new: int = 0
    changed: int = 0
    moved: int = 0
    missing: int = 0
    returned: int = 0  # images marked missing earlier that are back at their old path
    unchanged: int = 0
    header_checked: int = 0
    deep_checked: int = 0
    flagged: dict[str, int] = field(default_factory=dict)
    unavailable_roots: list[str] = field(default_factory=list)
    cancelled: bool = False
    header_seconds: float = 0.0  # until every new/changed image was in the store with a verdict
    elapsed: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "changed": self.changed,
            "moved": self.moved,
            "missing": self.missing,
            "returned": self.returned,
            "unchanged": self.unchanged,
            "header_checked": self.header_checked,
            "deep_checked": self.deep_checked,
            "flagged": dict(self.flagged),
            "unavailable_roots": list(self.unavailable_roots),
            "cancelled": self.cancelled,
            "header_seconds": round(self.header_seconds, 3),
            "elapsed": round(self.elapsed, 3),
        }


@dataclass(slots=True)
class _Vanished:
    """A known image not found at its path: missing, unless a new file turns out to be it."""

    root_id: int
    rel_path: str
    known: KnownFile


class _Writer:
    """Buffers per-root `FileRecord`s and writes them in batches, telling the UI which ids changed."""

    def __init__(self, store: ProjectStore, on_batch: OnBatch | None) -> None:
        self.store = store
        self.on_batch = on_batch
        self.pending: dict[int, list[FileRecord]] = defaultdict(list)
        self.count = 0
        self.last_flush = time.monotonic()
        self.ids: dict[tuple[int, str], int] = {}

    def add(self, root_id: int, record: FileRecord) -> None:
        self.pending[root_id].append(record)
        self.count += 1
        limit = BATCH_ROWS if self.ids else FIRST_BATCH_ROWS
        if self.count >= limit or time.monotonic() - self.last_flush >= BATCH_SECONDS:
            self.flush()

    def flush(self) -> None:
        changed: list[int] = []
        for root_id, records in self.pending.items():
            if records:
                ids = self.store.upsert_files(root_id, records)
                for rel, image_id in ids.items():
                    self.ids[(root_id, rel)] = image_id
                changed.extend(ids.values())
        self.pending.clear()
        self.count = 0
        self.last_flush = time.monotonic()
        if changed and self.on_batch is not None:
            self.on_batch(changed)


def scan_project(
    store: ProjectStore,
    *,
    deep: bool = True,
    progress: ProgressCallable | None = None,
    cancel: CancelToken | None = None,
    on_batch: OnBatch | None = None,
    pool: CheckPool | None = None,
    thumb_size: int | None = None,
    thumb_dir: Path | None = None,
    thumb_key: Callable[[int], str] = str,
) -> ScanReport:
    """Bring the store up to date with the project's folders; returns what changed.

    `on_batch(image_ids)` is called (on this thread) after each batch of images was written: new,
    changed, moved, missing or re-checked. `progress(done, total, message)` reports each phase.
    With `thumb_size` and `thumb_dir`, the deep stage also writes `<thumb_dir>/<thumb_key(id)>.jpg|png`.
    Cancelling keeps everything written so far and returns a report with `cancelled=True`; the next
    scan picks up where this one stopped.
    """
    started = time.monotonic()
    report = ScanReport()
    cancel = cancel or CancelToken()
    say: ProgressCallable = progress or no_progress
    own_pool = pool is None
    pool = pool or CheckPool()
    try:
        _scan(store, report, deep, say, cancel, on_batch, pool, thumb_size, thumb_dir, thumb_key, started)
    finally:
        if own_pool:
            pool.close()
    report.cancelled = cancel.cancelled
    report.elapsed = time.monotonic() - started
    return report


def _scan(
    store: ProjectStore,
    report: ScanReport,
    deep: bool,
    say: ProgressCallable,
    cancel: CancelToken,
    on_batch: OnBatch | None,
    pool: CheckPool,
    thumb_size: int | None,
    thumb_dir: Path | None,
    thumb_key: Callable[[int], str],
    started: float,
) -> None:
    roots = store.roots()
    available = [r for r in roots if r.path.is_dir()]
    report.unavailable_roots = [str(r.path) for r in roots if not r.path.is_dir()]

    known = {r.id: store.known_files(r.id) for r in available}
    first_scan = not any(known.values())
    say(0, None, "Looking for images")
    walked: list[WalkedFile] = []
    for e in walk_files([(r.id, r.path) for r in available], cancel):
        walked.append(e)
        if first_scan and len(walked) == INLINE_HEADERS["cold"]:
            pool.warm_up()  # every file will be checked: start the workers while the walk goes on
    if cancel.cancelled:
        return

    # 1. Diff the walk against the store: no file is opened here, and unchanged files cost a lookup.
    to_check: list[WalkedFile] = []
    deep_entries: dict[int, WalkedFile] = {}  # image id -> entry, known images still lacking a deep check
    returned: list[int] = []
    seen: dict[int, set[str]] = defaultdict(set)
    for e in walked:
        seen[e.root_id].add(e.rel_path)
        k = known[e.root_id].get(e.rel_path)
        if k is None:
            to_check.append(e)
        elif k.size != e.size or k.mtime_ns != e.mtime_ns:
            report.changed += 1
            to_check.append(e)
        else:
            report.unchanged += 1
            if k.missing:
                returned.append(k.id)
            if k.check_stage != "deep":
                deep_entries[k.id] = e
    vanished = [
        _Vanished(root_id, rel, k)
        for root_id, files in known.items()
        for rel, k in files.items()
        if rel not in seen[root_id]
    ]
    if returned:
        store.mark_missing(returned, missing=False)
        report.returned = len(returned)
        if on_batch is not None:
            on_batch(returned)

    # 2. Moves: new files that are a vanished image under another path keep its id and label.
    new_entries = [e for e in to_check if e.rel_path not in known[e.root_id]]
    moves, still_new = _match_moves(new_entries, vanished, cancel)
    for v, e in moves:
        store.move_image(v.known.id, e.root_id, e.rel_path, e.size, e.mtime_ns)
        if v.known.check_stage != "deep":
            deep_entries[v.known.id] = e
    if moves:
        report.moved = len(moves)
        moved_entries = {id(e) for _, e in moves}
        to_check = [e for e in to_check if id(e) not in moved_entries]
        if on_batch is not None:
            on_batch([v.known.id for v, _ in moves])
    report.new = len(still_new)
    matched = {v.known.id for v, _ in moves}
    gone = [v.known.id for v in vanished if v.known.id not in matched and not v.known.missing]
    if gone:
        store.mark_missing(gone)
        report.missing = len(gone)
        if on_batch is not None:
            on_batch(gone)
    if cancel.cancelled:
        return

    # 3. Header stage: every new or changed file gets a verdict and a row, in streamed batches.
    flagged: Counter[str] = Counter()
    writer = _Writer(store, on_batch)
    total = len(to_check)
    by_key = {(e.root_id, e.rel_path): e for e in to_check}
    items = [((e.root_id, e.rel_path), e.abs_path) for e in to_check]
    # Without a deep stage the fingerprint (for move detection) must come from the header stage.
    for outcome in pool.headers(items, with_fingerprint=not deep, cancel=cancel):
        e = by_key[outcome.key]
        writer.add(e.root_id, FileRecord(e.rel_path, e.size, e.mtime_ns, outcome.fingerprint, outcome.result))
        if not deep:
            _count(flagged, outcome.result)
        report.header_checked += 1
        say(report.header_checked, total, "Checking image headers")
    writer.flush()
    report.header_seconds = time.monotonic() - started
    if cancel.cancelled or not deep:
        report.flagged = dict(flagged)
        return

    # 4. Deep stage, behind the header stage: decode, fingerprint, optional thumbnail, in one read.
    for (root_id, rel), image_id in writer.ids.items():
        e = by_key[(root_id, rel)]
        deep_entries[image_id] = e
    make_thumbs = thumb_size is not None and thumb_dir is not None
    tasks = [
        DeepTask(str(i), e.abs_path, thumb_key(i) if make_thumbs else None) for i, e in deep_entries.items()
    ]
    deep_writer = _Writer(store, on_batch)
    hashes = SplitRepository(store)
    pending_hashes: list[tuple[int, int | None]] = []
    total = len(tasks)
    for done, deep_outcome in enumerate(
        pool.deep(tasks, thumb_size=thumb_size, thumb_dir=thumb_dir, with_fingerprint=True, cancel=cancel),
        1,
    ):
        image_id = int(deep_outcome.key)
        e = deep_entries[image_id]
        deep_writer.add(
            e.root_id, FileRecord(e.rel_path, e.size, e.mtime_ns, deep_outcome.fingerprint, deep_outcome.result)
        )
        pending_hashes.append((image_id, deep_outcome.phash))
        if len(pending_hashes) >= 500:
            hashes.record_hashes(pending_hashes)
            pending_hashes.clear()
        _count(flagged, deep_outcome.result)
        report.deep_checked = done
        say(done, total, "Checking images in depth")
    deep_writer.flush()
    hashes.record_hashes(pending_hashes)
    report.flagged = dict(flagged)


def _count(flagged: Counter[str], result: CheckResult) -> None:
    if result.verdict.flagged:
        flagged[result.verdict.value] += 1


def _match_moves(
    new_entries: list[WalkedFile], vanished: list[_Vanished], cancel: CancelToken
) -> tuple[list[tuple[_Vanished, WalkedFile]], list[WalkedFile]]:
    """Pair new files with vanished images; returns ((vanished, entry) pairs, unmatched entries)."""
    if not vanished or not new_entries:
        return [], new_entries
    by_size: dict[int, list[_Vanished]] = defaultdict(list)
    for v in vanished:
        by_size[v.known.size].append(v)
    moves: list[tuple[_Vanished, WalkedFile]] = []
    unmatched: list[WalkedFile] = []
    taken: set[int] = set()
    for e in new_entries:
        candidates = [v for v in by_size.get(e.size, ()) if v.known.id not in taken]
        match = None
        if candidates and not cancel.cancelled:
            match = _pick(e, candidates)
        if match is None:
            unmatched.append(e)
        else:
            taken.add(match.known.id)
            moves.append((match, e))
    return moves, unmatched


def _pick(e: WalkedFile, candidates: list[_Vanished]) -> _Vanished | None:
    with_fp = [v for v in candidates if v.known.fingerprint]
    if with_fp:
        try:
            fp = fingerprint(e.abs_path, e.size)
        except OSError:
            fp = None
        same = [v for v in with_fp if v.known.fingerprint == fp]
        if same:
            # Several identical copies vanished: prefer the one with the same file name.
            name = e.rel_path.rsplit("/", 1)[-1]
            same.sort(key=lambda v: v.rel_path.rsplit("/", 1)[-1] != name)
            return same[0]
    without = [v for v in candidates if not v.known.fingerprint and v.known.mtime_ns == e.mtime_ns]
    return without[0] if len(without) == 1 else None


# --------------------------------------------------------------------------------------------------
# Checking a folder without a project (studio-cli check)


def check_folder(
    path: Path | str,
    deep: bool = True,
    progress: ProgressCallable | None = None,
    cancel: CancelToken | None = None,
    *,
    pool: CheckPool | None = None,
    moderation: bool = False,
) -> dict[str, Any]:
    """Check every image under `path` (or the single file `path`); returns the CLI's JSON object.

    `{"files": {rel_path: {ok, reason, message, format, mode, width, height, bytes}},
    "summary": {"total": n, "ok": n, <reason>: n, ...}}`, files sorted by path. Raises `StudioError`
    when `path` itself cannot be used. With `moderation`, the files that pass the checks are also run
    through the face/person detector and every file gets `likely_skipped` ("face" | "person" | None)
    and `boxes` ([[x, y, w, h], ...] in original pixels, EXIF orientation applied; [] when None),
    and the summary gets `likely_skipped` (how many).
    """
    path = Path(path)
    entries = _entries_for(path, cancel)
    own_pool = pool is None
    pool = pool or CheckPool()
    results: dict[str, CheckResult] = {}
    try:
        if deep:
            tasks = [DeepTask(str(i), e.abs_path) for i, e in enumerate(entries)]
            for o in pool.deep(tasks, progress=progress, cancel=cancel):
                results[entries[int(o.key)].rel_path] = o.result
        else:
            items = [(e.rel_path, e.abs_path) for e in entries]
            for h in pool.headers(items, progress=progress, cancel=cancel):
                results[h.key] = h.result
        predictions: dict[str, tuple[str | None, list[list[int]]]] = {}
        if moderation and not (cancel is not None and cancel.cancelled):
            from studio.core.curation.moderation_stage import moderation_for_files

            passing = {e.rel_path: e.abs_path for e in entries if e.rel_path in results and results[e.rel_path].ok}
            predictions = moderation_for_files(passing, pool=pool, progress=progress, cancel=cancel)
    finally:
        if own_pool:
            pool.close()
    files = {rel: _file_json(results[rel]) for rel in sorted(results)}
    summary: dict[str, int] = {"total": len(files), "ok": 0}
    for info in files.values():
        summary[info["reason"]] = summary.get(info["reason"], 0) + 1
    if moderation:
        for rel, info in files.items():
            kind, boxes = predictions.get(rel, (None, []))
            info["likely_skipped"] = kind
            info["boxes"] = boxes
        summary["likely_skipped"] = sum(1 for info in files.values() if info["likely_skipped"])
    return {"files": files, "summary": summary}


def _entries_for(path: Path, cancel: CancelToken | None) -> list[FileEntry]:
    try:
        st = path.stat()
    except OSError as e:
        raise StudioError(f"'{path}' cannot be read ({e.strerror}). Give an existing folder or image.") from e
    if path.is_dir():
        try:
            with os.scandir(path):
                pass
        except OSError as e:
            raise StudioError(
                f"The folder '{path}' cannot be listed ({e.strerror}). Check its permissions."
            ) from e
        return list(walk_images([(0, path)], cancel))
    return [FileEntry(0, path.name, path, st.st_size, st.st_mtime_ns)]


def _file_json(r: CheckResult) -> dict[str, Any]:
    return {
        "ok": r.ok,
        "reason": r.verdict.value,
        "message": r.message,
        "format": r.format,
        "mode": r.mode,
        "width": r.width,
        "height": r.height,
        "bytes": r.bytes,
    }


__all__ = ["ScanReport", "check_folder", "scan_project"]
