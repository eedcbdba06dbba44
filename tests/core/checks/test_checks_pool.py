"""CheckPool: streaming, thumbnails, cancel, and survival of crashing or hanging workers."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from PIL import Image

from checks_images import encode, noise, write
from studio.core.checks import pool as check_pool_module
from studio.core.checks.pool import CheckPool, DeepTask, _Failure, _Unit, iter_deep_checks
from studio.core.scan.fingerprint import fingerprint
from studio.core.models import Verdict
from studio.core.tasks import CancelToken


def make_folder(root: Path, count: int) -> list[Path]:
    paths = []
    for i in range(count):
        kind = i % 4
        if kind == 0:
            paths.append(write(root / f"{i:03d}.jpg", encode(noise(seed=i), "JPEG")))
        elif kind == 1:
            paths.append(write(root / f"{i:03d}.png", encode(noise(seed=i).convert("RGBA"), "PNG")))
        elif kind == 2:
            paths.append(write(root / f"{i:03d}.webp", encode(noise(seed=i), "WEBP")))
        else:
            paths.append(write(root / f"{i:03d}.jpg", encode(noise(seed=i), "JPEG")[:-300]))
    return paths


def test_header_checks_stream_every_file_with_progress(tmp_path, check_pool, monkeypatch):
    monkeypatch.setitem(check_pool_module.INLINE_HEADERS, "cold", 64)  # really use the workers
    paths = make_folder(tmp_path, 200)
    calls = []
    outcomes = list(check_pool.headers([(i, p) for i, p in enumerate(paths)],
                                       progress=lambda d, t, m="": calls.append((d, t))))
    assert sorted(o.key for o in outcomes) == list(range(200))
    assert all(o.result.stage == "header" for o in outcomes)
    # Truncated JPEGs have intact headers: the header stage cannot know, the deep stage will.
    assert {o.result.verdict for o in outcomes} == {Verdict.OK}
    assert calls[-1] == (200, 200) and len(calls) == 200
    assert check_pool._executor is not None


def test_deep_checks_write_thumbnails_and_fingerprints_in_one_pass(tmp_path, check_pool):
    paths = make_folder(tmp_path / "img", 12)
    thumbs = tmp_path / "thumbs"
    tasks = [DeepTask(f"k{i}", p) for i, p in enumerate(paths)]
    outcomes = {o.key: o for o in check_pool.deep(tasks, thumb_size=24, thumb_dir=thumbs,
                                                   with_fingerprint=True)}
    assert set(outcomes) == {t.key for t in tasks}
    for i, path in enumerate(paths):
        o = outcomes[f"k{i}"]
        assert o.path == path and o.result.stage == "deep"
        assert o.fingerprint == fingerprint(path, path.stat().st_size)
        if i % 4 == 3:
            assert o.result.verdict is Verdict.CORRUPT and o.thumb_path is None
            continue
        assert o.result.verdict is Verdict.OK
        expected = thumbs / (f"k{i}.png" if i % 4 == 1 else f"k{i}.jpg")
        assert o.thumb_path == expected
        with Image.open(expected) as thumb:
            assert max(thumb.size) == 24
            assert thumb.mode == ("RGBA" if i % 4 == 1 else "RGB")
    assert not [p for p in thumbs.iterdir() if p.name.endswith(".tmp")]


def test_small_batches_do_not_start_workers(tmp_path):
    paths = make_folder(tmp_path, 100)
    with CheckPool() as pool:
        assert len(list(pool.deep([DeepTask(str(i), p) for i, p in enumerate(paths[:3])]))) == 3
        assert len(list(pool.headers([(i, p) for i, p in enumerate(paths)]))) == 100
        assert pool._executor is None


def test_cancel_stops_the_stream_promptly(tmp_path, check_pool):
    paths = make_folder(tmp_path, 40)
    token = CancelToken()
    seen = []
    start = time.monotonic()
    for outcome in check_pool.deep([DeepTask(str(i), p) for i, p in enumerate(paths)], cancel=token):
        seen.append(outcome)
        token.cancel()
    assert time.monotonic() - start < 5
    assert 1 <= len(seen) < 40
    # The pool is still usable afterwards.
    assert len(list(check_pool.deep([DeepTask(str(i), p) for i, p in enumerate(paths[:8])]))) == 8


def test_convenience_stream_closes_its_own_pool(tmp_path):
    paths = make_folder(tmp_path, 6)
    outcomes = list(iter_deep_checks([DeepTask(str(i), p) for i, p in enumerate(paths)]))
    assert len(outcomes) == 6


# Worker stand-ins for a decoder that crashes or hangs. Top level, so spawned workers import them.


def crashing_worker(paths: list[str], _flag: bool) -> list[str]:
    for p in paths:
        if "crash" in p:
            os.kill(os.getpid(), signal.SIGSEGV)
    return [f"ok:{Path(p).name}" for p in paths]


def hanging_worker(paths: list[str], _flag: bool) -> list[str]:
    for p in paths:
        if "hang" in p:
            time.sleep(120)
    return [f"ok:{Path(p).name}" for p in paths]


def _units(fn, names: list[str], batch: int) -> list[_Unit]:
    return [
        _Unit(fn, (names[i : i + batch], False), names[i : i + batch])
        for i in range(0, len(names), batch)
    ]


def test_a_crashing_decoder_costs_one_file_not_the_scan():
    names = [f"f{i}" for i in range(20)]
    names[7] = "crash7"
    with CheckPool(workers=2, timeout=20) as pool:
        results = dict(pool._stream(iter(_units(crashing_worker, names, batch=3)), None))
        assert set(results) == set(names)
        assert isinstance(results["crash7"], _Failure) and "crashed" in results["crash7"].reason
        assert all(results[n] == f"ok:{n}" for n in names if n != "crash7")
        # The pool recovered: it still works for the next stream.
        assert dict(pool._stream(iter(_units(crashing_worker, ["a", "b"], 1)), None)) == {
            "a": "ok:a", "b": "ok:b"}


def test_a_hanging_decoder_times_out_and_the_rest_completes():
    names = ["a", "b", "hang", "c", "d", "e"]
    # The timeout leaves room for a respawned worker to start on a loaded machine (a fresh process
    # importing Pillow can take over a second there); the hang itself sleeps 120 s.
    with CheckPool(workers=2, timeout=5) as pool:
        start = time.monotonic()
        results = dict(pool._stream(iter(_units(hanging_worker, names, batch=1)), None))
        assert time.monotonic() - start < 60
    assert isinstance(results["hang"], _Failure) and "longer than" in results["hang"].reason
    assert all(results[n] == f"ok:{n}" for n in names if n != "hang")


def test_failures_become_corrupt_verdicts(tmp_path):
    """What the public streams yield for a unit that failed (the mapping of _Failure)."""
    from studio.core.checks import pool as module

    path = write(tmp_path / "x.jpg", encode(noise(), "JPEG"))
    result = module._failed("it crashed the image decoder", path, stage="deep")
    assert result.verdict is Verdict.CORRUPT and result.stage == "deep"
    assert "crashed the image decoder" in result.message and result.bytes == path.stat().st_size


def test_closing_the_pool_kills_a_worker_stuck_in_a_file():
    pool = CheckPool(workers=2, timeout=60)
    stream = pool._stream(iter(_units(hanging_worker, ["a", "hang", "b", "c"], batch=1)), None)
    first = next(stream)
    assert first[1].startswith("ok:")
    processes = list(pool._executor._processes.values())
    stream.close()  # the caller walks away while one worker hangs
    start = time.monotonic()
    pool.close()
    # The executor's own thread may reap the killed workers first, which makes Process.is_alive()
    # unreliable here; ask the OS whether each pid is still running instead.
    pids = [process.pid for process in processes]
    deadline = time.monotonic() + 5
    while any(_running_pid(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not any(_running_pid(pid) for pid in pids)
    assert time.monotonic() - start < 5


def _running_pid(pid: int) -> bool:
    """True while `pid` is a live process (a zombie awaiting its parent's wait() counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):  # gone, possibly between open() and read()
        return False
