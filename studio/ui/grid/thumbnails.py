"""Grid thumbnails: decoded off the UI thread, cached on disk, never regenerated for unchanged files.

The disk cache lives in the user's cache folder (QStandardPaths) and is keyed by (path, size, mtime):
a file that did not change never costs a decode again, a changed file gets a new key, and the key is
known before the file is read, so the scan's deep check can write the thumbnail in the same pass. Decoding uses
`QImageReader.setScaledSize`, which lets the JPEG decoder skip most of the work, on two threads
(the machine may have only two cores and the UI needs one). Requests are served newest first so the
screen the user is looking at fills before images they scrolled past.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QSize, QStandardPaths, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap

from studio.core.models import ImageRow, Verdict
from studio.ui.common.tasks import lower_thread_priority

THUMB_SIZE = 160
_MAX_PENDING = 400
_MEMORY_ITEMS = 900  # ~60 MB at 160 px; a screen shows 20-80 thumbnails
_NEVER_DECODE = frozenset({Verdict.BOMB, Verdict.UNREADABLE})


def thumb_key(abs_path: str | os.PathLike[str], size: int, mtime_ns: int) -> str:
    """Cache key of one file's thumbnail. Qt-free, so the scan worker can name the thumbnails that
    its deep check writes in the same pass (`scan_project(thumb_key=...)`)."""
    ident = f"{os.fspath(abs_path)}\0{size}\0{mtime_ns}\0{THUMB_SIZE}"
    return hashlib.sha1(ident.encode("utf-8", "surrogatepass")).hexdigest()


_KEYS: dict[int, tuple[object, int, int, str]] = {}


def row_thumb_key(row: ImageRow) -> str:
    """`thumb_key` of a row, memoised per image (the grid asks on every paint of every tile)."""
    hit = _KEYS.get(row.id)
    if hit is not None and hit[0] == row.abs_path and hit[1] == row.size and hit[2] == row.mtime_ns:
        return hit[3]
    key = thumb_key(row.abs_path, row.size, row.mtime_ns)
    if len(_KEYS) > 200_000:
        _KEYS.clear()
    _KEYS[row.id] = (row.abs_path, row.size, row.mtime_ns, key)
    return key


def default_cache_dir() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.CacheLocation)
    return Path(base) / "thumbnails"


CACHE_LIMIT_BYTES = 2 * 1024**3  # ~140,000 thumbnails; the least recently used go first


def prune_cache_dir(cache_dir: Path, max_bytes: int = CACHE_LIMIT_BYTES) -> int:
    """Delete the least recently used thumbnails until the folder is under `max_bytes`.

    A thumbnail is only a copy (the scan or the grid makes it again on demand), so the cache can be
    trimmed at any time; "used" is the later of the file's access and modification times.
    Returns how many files were removed.
    """
    entries = []
    total = 0
    try:
        with os.scandir(cache_dir) as it:
            for entry in it:
                if entry.is_file(follow_symlinks=False):
                    st = entry.stat(follow_symlinks=False)
                    entries.append((max(st.st_atime, st.st_mtime), st.st_size, entry.path))
                    total += st.st_size
    except OSError:
        return 0
    removed = 0
    for _, size, path in sorted(entries):
        if total <= max_bytes:
            break
        try:
            os.unlink(path)
        except OSError:
            continue
        total -= size
        removed += 1
    return removed


def cached_file(cache_dir: Path, key: str) -> Path | None:
    """The cached thumbnail file for `key`, if any (JPEG, or PNG for images with transparency)."""
    for suffix in (".jpg", ".png"):
        path = cache_dir / f"{key}{suffix}"
        if path.is_file():
            return path
    return None


def decode_scaled(path: str, box: int) -> QImage:
    """Decode `path` scaled to fit a `box` x `box` square, EXIF orientation applied; null on failure."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and (size.width() > box or size.height() > box):
        reader.setScaledSize(size.scaled(QSize(box, box), Qt.AspectRatioMode.KeepAspectRatio))
    return reader.read()


@dataclass(frozen=True, slots=True)
class _Job:
    image_id: int
    key: str
    path: str


class _Queue:
    """Thread-safe LIFO of thumbnail jobs, deduplicated by image id, bounded (oldest dropped).

    A job being decoded stays known until its result was handed over (`done`), so a paint that asks
    again in the meantime does not queue a second decode of the same file.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: OrderedDict[int, _Job] = OrderedDict()
        self._running: set[tuple[int, str]] = set()

    def push(self, job: _Job) -> None:
        with self._lock:
            if (job.image_id, job.key) in self._running:
                return
            self._jobs.pop(job.image_id, None)
            self._jobs[job.image_id] = job
            while len(self._jobs) > _MAX_PENDING:
                self._jobs.popitem(last=False)

    def pop(self) -> _Job | None:
        with self._lock:
            if not self._jobs:
                return None
            job = self._jobs.popitem(last=True)[1]
            self._running.add((job.image_id, job.key))
            return job

    def done(self, job: _Job) -> None:
        with self._lock:
            self._running.discard((job.image_id, job.key))

    def clear(self) -> None:
        with self._lock:
            self._jobs.clear()

    def __contains__(self, image_id: int) -> bool:
        with self._lock:
            return image_id in self._jobs


class _Signals(QObject):
    loaded = Signal(int, str, QImage)


class _Worker(QRunnable):
    def __init__(self, cache: "ThumbnailCache") -> None:
        super().__init__()
        self.cache = cache

    def run(self) -> None:
        cache = self.cache
        lower_thread_priority()
        try:
            while not cache._stopping:
                job = cache._queue.pop()
                if job is None:
                    return
                try:
                    image = load_thumbnail(cache.cache_dir, job.key, job.path)
                    cache._signals.loaded.emit(job.image_id, job.key, image)
                finally:
                    cache._queue.done(job)
        finally:
            with cache._lock:
                cache._workers -= 1


def load_thumbnail(cache_dir: Path, key: str, path: str) -> QImage:
    """The cached thumbnail, or a fresh decode that is then written to the cache (atomically)."""
    cached = cached_file(cache_dir, key)
    if cached is not None:
        image = QImage(str(cached))
        if not image.isNull():
            return image
    image = decode_scaled(path, THUMB_SIZE)
    if image.isNull():
        return image
    alpha = image.hasAlphaChannel()
    final = cache_dir / f"{key}{'.png' if alpha else '.jpg'}"
    tmp = cache_dir / f".{key}.{threading.get_ident()}.tmp"
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        if image.save(str(tmp), "PNG" if alpha else "JPG", 85):  # type: ignore[call-overload]  # stub says bytes; PySide6 wants str (bytes raises)
            os.replace(tmp, final)
    except OSError:
        pass  # a read-only or full cache only costs a decode next time
    return image


class ThumbnailCache(QObject):
    """Memory + disk thumbnail cache with background loading; `updated` fires (coalesced) as they arrive."""

    updated = Signal()

    def __init__(self, cache_dir: Path | None = None, threads: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cache_dir = cache_dir or default_cache_dir()
        self._queue = _Queue()
        self._lock = threading.Lock()
        self._workers = 0
        self._threads = threads
        self._stopping = False
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._memory: OrderedDict[int, tuple[str, QPixmap]] = OrderedDict()
        self._failed: dict[int, str] = {}
        self._signals = _Signals()
        self._signals.loaded.connect(self._on_loaded, Qt.ConnectionType.QueuedConnection)
        self._notify = QTimer(self)
        self._notify.setSingleShot(True)
        self._notify.setInterval(30)
        self._notify.timeout.connect(self.updated)
        # Workers are woken on the next event-loop turn, not inside a paint or a key press: a woken
        # Python thread competes for the GIL and would stretch the frame the user is waiting for.
        self._wake = QTimer(self)
        self._wake.setSingleShot(True)
        self._wake.setInterval(0)
        self._wake.timeout.connect(self._start_workers)
        threading.Thread(target=prune_cache_dir, args=(self.cache_dir,), name="prune-thumbnails", daemon=True).start()

    # ------------------------------------------------------------------ lookups

    def pixmap(self, row: ImageRow) -> QPixmap | None:
        """The thumbnail if it is in memory; otherwise None and a background load is queued."""
        key = row_thumb_key(row)
        hit = self._memory.get(row.id)
        if hit is not None and hit[0] == key:
            self._memory.move_to_end(row.id)
            return hit[1]
        if self._failed.get(row.id) != key:
            self.request(row, key)
        return None

    def cached(self, row: ImageRow) -> bool:
        """True when the thumbnail is in memory (a paint shows it without waiting)."""
        hit = self._memory.get(row.id)
        return hit is not None and hit[0] == row_thumb_key(row)

    def failed(self, row: ImageRow) -> bool:
        """True when the file could not be decoded (the grid draws a 'no preview' tile)."""
        return self._failed.get(row.id) == row_thumb_key(row) or row.verdict in _NEVER_DECODE

    def request(self, row: ImageRow, key: str | None = None) -> None:
        if row.verdict in _NEVER_DECODE or row.missing:
            return
        key = key or row_thumb_key(row)
        hit = self._memory.get(row.id)
        if hit is not None and hit[0] == key:
            return
        self._queue.push(_Job(row.id, key, str(row.abs_path)))
        if not self._wake.isActive():
            self._wake.start()

    def prefetch(self, rows: list[ImageRow]) -> None:
        """Queue rows the user will probably see next (pushed first, so visible tiles still win)."""
        for row in reversed(rows):
            self.request(row)

    def _start_workers(self) -> None:
        with self._lock:
            start = max(0, self._threads - self._workers)
            self._workers += start
        for _ in range(start):
            self._pool.start(_Worker(self))

    def _on_loaded(self, image_id: int, key: str, image: QImage) -> None:
        if image.isNull():
            self._failed[image_id] = key
        else:
            self._memory[image_id] = (key, QPixmap.fromImage(image))
            self._memory.move_to_end(image_id)
            while len(self._memory) > _MEMORY_ITEMS:
                self._memory.popitem(last=False)
        if not self._notify.isActive():
            self._notify.start()

    def forget(self, image_ids: list[int]) -> None:
        for i in image_ids:
            self._memory.pop(i, None)
            self._failed.pop(i, None)

    def pending(self) -> bool:
        with self._lock:
            return self._workers > 0

    def wait_idle(self, msecs: int = 10_000) -> bool:
        """For tests and benchmarks: wait until every queued thumbnail was decoded."""
        return self._pool.waitForDone(msecs)

    def shutdown(self) -> None:
        self._stopping = True
        self._queue.clear()
        self._pool.waitForDone(5000)
