"""Run image checks over many files on all cores, streaming results as they complete.

Both stages run in worker processes: header parsing is Python code that holds the GIL, and decoding
is CPU bound, so threads would leave the second core idle. Workers are started with "spawn" (safe
next to Qt's threads) and run at a lower priority so the UI stays responsive.

A decoder is third-party C code fed with untrusted files, so a worker may crash or hang. Neither may
stop the app: a unit of work that outlives its timeout or takes its worker down is retried alone, and
a file that fails alone is reported as corrupt. Header checks travel in batches (a header costs less
than shipping it to another process); deep checks travel one file at a time.

Cancelling stops the stream within about 0.1 s; a worker finishes at most the file it is on.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Generic, TypeVar

from studio.core.scan.fingerprint import fingerprint, fingerprint_bytes
from studio.core.checks.image_check import _deep, check_header
from studio.core.checks.rules import verdict_message
from studio.core.models import CheckResult, Verdict
from studio.core.tasks import CancelToken, ProgressCallable

K = TypeVar("K")

HEADER_BATCH = 128  # files per header unit: amortises inter-process overhead, still streams
# Below these counts a stream runs in the calling thread: starting workers costs ~0.2 s, the time of
# ~5,000 header checks or ~30 deep checks. Once workers run, they pay off much sooner.
INLINE_HEADERS = {"cold": 2000, "warm": 64}
INLINE_DEEP = {"cold": 16, "warm": 4}
DEFAULT_TIMEOUT = 60.0  # seconds one file may take before its decoder is presumed hung
_POLL = 0.1  # how often a waiting stream looks at the cancel token
_WORKER_MEMORY_LIMIT = 3 * 1024**3  # address space per worker: a runaway decoder fails, not the OS


@dataclass(frozen=True, slots=True)
class HeaderOutcome(Generic[K]):
    key: K
    path: Path | str  # as the caller gave it
    result: CheckResult
    fingerprint: str | None = None


@dataclass(frozen=True, slots=True)
class DeepTask:
    """One file to deep-check. Its thumbnail is `<thumb_dir>/<thumb_name or key>.jpg|.png`."""

    key: str
    path: Path | str
    thumb_name: str | None = None  # when several files may share a thumbnail (same content)


@dataclass(frozen=True, slots=True)
class DeepOutcome:
    key: str
    path: Path | str  # as the caller gave it
    result: CheckResult
    thumb_path: Path | None = None
    fingerprint: str | None = None
    phash: int | None = None  # perceptual hash of the decoded image (studio.core.curation)


# --------------------------------------------------------------------------------------------------
# Worker functions: top level, so "spawn" workers can import them by name.


def _init_worker() -> None:
    """Lower the worker's priority and cap its memory so a hostile file cannot take the machine."""
    try:
        os.nice(5)
    except (AttributeError, OSError):
        pass
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if soft == resource.RLIM_INFINITY or soft > _WORKER_MEMORY_LIMIT:
            resource.setrlimit(resource.RLIMIT_AS, (_WORKER_MEMORY_LIMIT, hard))
    except (ImportError, ValueError, OSError):
        pass


# Results cross the process boundary as plain tuples: pickling a dataclass costs ~10 us, which is a
# third of a header check.
_Packed = tuple


def _pack(r: CheckResult) -> _Packed:
    return (r.verdict.value, r.message, r.bytes, r.format, r.mode, r.width, r.height, r.frames, r.stage)


def _unpack(t: _Packed) -> CheckResult:
    return CheckResult(Verdict(t[0]), *t[1:])


def _ready() -> int:
    return os.getpid()


def header_worker(paths: Sequence[str], with_fingerprint: bool) -> list[tuple[_Packed, str | None]]:
    out = []
    for p in paths:
        result = check_header(Path(p))
        out.append((_pack(result), _safe_fingerprint(p, result.bytes) if with_fingerprint else None))
    return out


def deep_worker(
    path: str, thumb_name: str, thumb_size: int | None, thumb_dir: str | None, with_fingerprint: bool
) -> list[tuple[_Packed, str | None, str | None, int | None]]:
    make_thumb = thumb_size if thumb_dir else None
    result, thumb, data, phash = _deep(Path(path), make_thumb)
    thumb_path = _save_thumbnail(thumb, Path(thumb_dir), thumb_name) if thumb is not None and thumb_dir else None
    fp = None
    if with_fingerprint and result.verdict is not Verdict.UNREADABLE:
        fp = fingerprint_bytes(data) if data is not None else _safe_fingerprint(path, result.bytes)
    return [(_pack(result), thumb_path, fp, phash)]


def _safe_fingerprint(path: str | Path, size: int) -> str | None:
    try:
        return fingerprint(path, size)
    except OSError:
        return None


def _save_thumbnail(thumb: Any, thumb_dir: Path, key: str) -> str | None:
    """Write atomically, so a UI reading the cache never sees half a file."""
    ext, fmt, options = (".png", "PNG", {}) if thumb.mode == "RGBA" else (".jpg", "JPEG", {"quality": 85})
    final = thumb_dir / f"{key}{ext}"
    tmp = thumb_dir / f".{key}.{os.getpid()}.tmp"
    try:
        thumb_dir.mkdir(parents=True, exist_ok=True)
        thumb.save(tmp, fmt, **options)
        os.replace(tmp, final)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass
        return None
    return str(final)


# --------------------------------------------------------------------------------------------------
# The pool


@dataclass(slots=True)
class _Unit:
    """Work for one worker call: a function, its per-unit arguments, and the items it covers."""

    fn: Callable[..., list]
    args: tuple
    items: list  # the caller's items, in the order the worker returns results
    alone: bool = False  # running in isolation: a failure now is this unit's own fault
    deadline: float = 0.0


@dataclass(slots=True)
class _Failure:
    reason: str


@dataclass(frozen=True, slots=True)
class FileFailure:
    """What `CheckPool.per_file` yields for a file whose function crashed, hung or raised."""

    reason: str


def _call_one(fn: Callable[[str], Any], path: str) -> list[Any]:
    try:
        return [fn(path)]
    except Exception as e:  # noqa: BLE001 - one file's failure is that file's outcome
        return [_Failure(f"the analysis failed ({type(e).__name__}: {str(e)[:80]})")]


class CheckPool:
    """Worker processes for image checks. Reuse one for a session; it starts workers on first use.

    Use as a context manager, or call `close()`. Not for concurrent use from several threads: run
    one stream at a time (the UI runs scans on one worker thread).
    """

    def __init__(self, workers: int | None = None, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.timeout = timeout
        self._executor: ProcessPoolExecutor | None = None
        self._running: dict[Future, _Unit] = {}  # of the current (or an abandoned) stream

    def __enter__(self) -> CheckPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers without waiting; a worker still busy (maybe hung) is killed."""
        if any(not f.done() for f in self._running):
            self._discard_pool()
        elif self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
        self._running = {}

    def warm_up(self) -> None:
        """Start the workers now, without waiting for them, so their start-up (~0.2 s of imports)
        overlaps with the caller's own work, such as walking the folders to scan."""
        if self._executor is None:
            for _ in range(self.workers):
                self._pool().submit(_ready)

    # -- public streams -------------------------------------------------------------------------

    def headers(
        self,
        items: Sequence[tuple[K, Path | str]],
        *,
        with_fingerprint: bool = False,
        progress: ProgressCallable | None = None,
        cancel: CancelToken | None = None,
    ) -> Iterator[HeaderOutcome[K]]:
        """Header-check `(key, path)` items; yields in completion order, not input order."""
        total = len(items)
        inline = total < INLINE_HEADERS[self._state]
        units = (
            _Unit(header_worker, ([os.fspath(p) for _, p in chunk], with_fingerprint), chunk)
            for chunk in _chunks(items, 1 if inline else HEADER_BATCH)
        )
        stream = self._inline(units, cancel) if inline else self._stream(units, cancel)
        done = 0
        for (key, path), outcome in stream:
            if isinstance(outcome, _Failure):
                result, fp = _failed(outcome.reason, path), None
            else:
                result, fp = _unpack(outcome[0]), outcome[1]
            done += 1
            yield HeaderOutcome(key, path, result, fp)
            _report(progress, done, total)

    def deep(
        self,
        tasks: Sequence[DeepTask],
        *,
        thumb_size: int | None = None,
        thumb_dir: Path | None = None,
        with_fingerprint: bool = False,
        progress: ProgressCallable | None = None,
        cancel: CancelToken | None = None,
    ) -> Iterator[DeepOutcome]:
        """Deep-check files; with `thumb_size` and `thumb_dir`, also write thumbnails in the same pass.

        Yields in completion order. `DeepOutcome.thumb_path` is None when no thumbnail was asked for
        or the image did not decode.
        """
        total = len(tasks)
        dir_arg = os.fspath(thumb_dir) if thumb_dir is not None else None

        def unit(task: DeepTask) -> _Unit:
            args = (os.fspath(task.path), task.thumb_name or task.key, thumb_size, dir_arg, with_fingerprint)
            return _Unit(deep_worker, args, [task])

        if total < INLINE_DEEP[self._state]:
            stream: Iterable[tuple[DeepTask, Any]] = self._inline(map(unit, tasks), cancel)
        else:
            stream = self._stream(map(unit, tasks), cancel)
        done = 0
        for task, outcome in stream:
            if isinstance(outcome, _Failure):
                result, thumb, fp, phash = _failed(outcome.reason, task.path, stage="deep"), None, None, None
            else:
                result, thumb, fp, phash = _unpack(outcome[0]), outcome[1], outcome[2], outcome[3]
            done += 1
            yield DeepOutcome(task.key, task.path, result, Path(thumb) if thumb else None, fp, phash)
            _report(progress, done, total)

    def per_file(
        self,
        fn: Callable[[str], Any],
        items: Sequence[tuple[K, Path | str]],
        *,
        progress: ProgressCallable | None = None,
        cancel: CancelToken | None = None,
    ) -> Iterator[tuple[K, Any]]:
        """Run `fn(path)` for each `(key, path)` on the workers; yields `(key, result)` in completion
        order, where a crash, hang or exception of `fn` becomes a `FileFailure` instead of a result.

        For later stages that analyse files the checks passed (the moderation detector): they get the
        same isolation, timeouts, cancel and low priority without knowing about processes. `fn` must
        be a module-level function (workers import it by name) returning something picklable.
        """
        total = len(items)
        units = (_Unit(_call_one, (fn, os.fspath(p)), [(k, p)]) for k, p in items)
        stream = self._inline(units, cancel) if total < INLINE_DEEP[self._state] else self._stream(units, cancel)
        done = 0
        for (key, _path), outcome in stream:
            done += 1
            yield key, (FileFailure(outcome.reason) if isinstance(outcome, _Failure) else outcome)
            _report(progress, done, total)

    # -- machinery --------------------------------------------------------------------------------

    @property
    def _state(self) -> str:
        return "cold" if self._executor is None else "warm"

    @staticmethod
    def _inline(units: Iterable[_Unit], cancel: CancelToken | None) -> Iterator[tuple[Any, Any]]:
        for u in units:
            if cancel is not None and cancel.cancelled:
                return
            yield from zip(u.items, u.fn(*u.args))

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=get_context("spawn"), initializer=_init_worker
            )
        return self._executor

    def _discard_pool(self) -> None:
        """Kill the workers: one of them is hung or dead, and a pool cannot replace just one."""
        executor, self._executor = self._executor, None
        if executor is None:
            return
        for process in list((getattr(executor, "_processes", None) or {}).values()):
            try:
                process.kill()
            except (OSError, AttributeError):
                pass
        executor.shutdown(wait=False, cancel_futures=True)

    def _stream(self, units: Iterator[_Unit], cancel: CancelToken | None) -> Iterator[tuple[Any, Any]]:
        """Keep every worker busy with a short queue; yield (item, result-or-_Failure) pairs.

        The queue is kept short so cancelling wastes little work and a unit's deadline (counted
        from submission, with room for one queued unit ahead of it) stays meaningful.
        """
        allowance = 2 * self.timeout
        window = self.workers + 2
        isolation: deque[_Unit] = deque()  # suspects from a crash or timeout, run one at a time
        retry: deque[_Unit] = deque()  # innocent units whose worker was killed under them
        running: dict[Future, _Unit] = {}
        self._running = running
        source = iter(units)
        exhausted = False

        def next_unit() -> _Unit | None:
            nonlocal exhausted
            if retry:
                return retry.popleft()
            if exhausted:
                return None
            u = next(source, None)
            if u is None:
                exhausted = True
            return u

        while True:
            if cancel is not None and cancel.cancelled:
                for f in running:
                    f.cancel()
                return
            # Fill the window. While suspects wait, run them alone so a crash names its culprit.
            if isolation:
                if not running:
                    u = isolation.popleft()
                    u.alone = True
                    self._submit(u, running, allowance)
            else:
                while len(running) < window:
                    unit = next_unit()
                    if unit is None:
                        break
                    self._submit(unit, running, allowance)
            if not running:
                if isolation:
                    continue
                return

            finished, _ = wait(list(running), timeout=_POLL, return_when=FIRST_COMPLETED)
            crashed = False
            for f in finished:
                u = running.pop(f)
                try:
                    results = f.result()
                except BrokenProcessPool:
                    crashed = True
                    yield from _suspect(u, "it crashed the image decoder", isolation)
                    continue
                except Exception as e:  # noqa: BLE001 - a worker-side bug must not end the scan
                    results = [_Failure(f"the check failed ({type(e).__name__})")] * len(u.items)
                yield from zip(u.items, results)
            if crashed:
                # Every unit in flight died with the pool; any of them may have caused it.
                for u in running.values():
                    yield from _suspect(u, "it crashed the image decoder", isolation)
                running.clear()
                self._discard_pool()
                continue
            now = time.monotonic()
            late = [f for f, u in running.items() if u.deadline < now and not f.done()]
            if late:
                for f in late:
                    reason = f"it took longer than {self.timeout:.0f} s to check"
                    yield from _suspect(running.pop(f), reason, isolation)
                retry.extendleft(reversed(list(running.values())))
                running.clear()
                self._discard_pool()

    def _submit(self, u: _Unit, running: dict[Future, _Unit], allowance: float) -> None:
        try:
            f = self._pool().submit(u.fn, *u.args)
        except (BrokenProcessPool, RuntimeError):
            self._discard_pool()
            f = self._pool().submit(u.fn, *u.args)
        u.deadline = time.monotonic() + allowance
        running[f] = u

def _suspect(u: _Unit, reason: str, isolation: deque[_Unit]) -> list[tuple[Any, _Failure]]:
    """A unit that failed alone is the culprit; anything else is retried alone, item by item."""
    if u.alone:
        return [(item, _Failure(reason)) for item in u.items]
    isolation.extend(_split(u) if len(u.items) > 1 else [_Unit(u.fn, u.args, u.items)])
    return []


def _split(u: _Unit) -> list[_Unit]:
    """One unit per item, for a batched header unit (args: paths, *rest)."""
    paths, *rest = u.args
    return [_Unit(u.fn, ([p], *rest), [item]) for p, item in zip(paths, u.items)]


def _failed(reason: str, path: Path | str, stage: str = "header") -> CheckResult:
    try:
        size = os.stat(path).st_size
    except OSError:
        size = 0
    message = verdict_message(Verdict.CORRUPT, error=reason)
    return CheckResult(Verdict.CORRUPT, message, size, stage=stage)


def _chunks(items: Sequence, n: int) -> Iterator[list]:
    for i in range(0, len(items), n):
        yield list(items[i : i + n])


def _report(progress: ProgressCallable | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total, "")


# --------------------------------------------------------------------------------------------------
# Convenience streams with a pool of their own


def iter_header_checks(
    items: Sequence[tuple[K, Path | str]],
    *,
    pool: CheckPool | None = None,
    with_fingerprint: bool = False,
    progress: ProgressCallable | None = None,
    cancel: CancelToken | None = None,
) -> Iterator[HeaderOutcome[K]]:
    own = pool is None
    pool = pool or CheckPool()
    try:
        yield from pool.headers(items, with_fingerprint=with_fingerprint, progress=progress, cancel=cancel)
    finally:
        if own:
            pool.close()


def iter_deep_checks(
    tasks: Sequence[DeepTask],
    *,
    pool: CheckPool | None = None,
    thumb_size: int | None = None,
    thumb_dir: Path | None = None,
    with_fingerprint: bool = False,
    progress: ProgressCallable | None = None,
    cancel: CancelToken | None = None,
) -> Iterator[DeepOutcome]:
    own = pool is None
    pool = pool or CheckPool()
    try:
        yield from pool.deep(tasks, thumb_size=thumb_size, thumb_dir=thumb_dir,
                             with_fingerprint=with_fingerprint, progress=progress, cancel=cancel)
    finally:
        if own:
            pool.close()


__all__ = [
    "CheckPool",
    "DeepOutcome",
    "FileFailure",
    "DeepTask",
    "HeaderOutcome",
    "iter_deep_checks",
    "iter_header_checks",
]
