"""Benchmark: scan + image checks against what Pillow fundamentally costs, on both cores.

Run:  python3 benchmarks/bench_scan_check.py [--count 10000] [--deep-count 500] [--large]

Measures, in one run, with fresh worker processes for every method (start-up included):
  (a) first scan up to "every image is in the project with a header verdict" (walk + header checks
      + SQLite writes) vs a bare Pillow loop (list files, Image.open, read format/mode/size) on
      two processes. Goal <= 1.5x.
  (b) deep check (full entropy decode at reduced size, PNG CRCs, fingerprint) with and without
      thumbnails, vs the fastest reduced-size thumbnail decode (draft + thumbnail) on two
      processes, on a subset of --deep-count files. Goal <= 1.15x.
  (c) rescan of the unchanged, fully checked folder. Goal < 0.5 s for 10,000 images.
Also reported: the full first scan (header + deep stage) and the time until the first batch of
images is in the project (what a UI waits for before it can show anything).

Corpus (generated once into benchmarks/_corpus_scan/, reused, gitignored). Default mix, chosen so
10,000 images generate in a few minutes and fit in the page cache (about 5 GB):
  50% JPEG 1920x1080 q85-92 (~0.5 MB), 20% JPEG 1280x960, 15% JPEG 640x480,
  10% PNG 1024x768 (~1.5 MB), 5% WEBP 1280x960 q80; 40 sub-folders.
--large: camera-sized mix: 60% JPEG 4000x3000 q90 (~3 MB), 15% JPEG 1920x1080, 10% JPEG 640x480,
  10% PNG 1024x768, 5% WEBP 1280x960 (10,000 files is ~20 GB and takes long to generate).
Images are smooth blobs + gradients + fine grain, so they compress and decode like photos.
Caches are warm (the page cache cannot be dropped here); medians of --repeat runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image  # noqa: E402

HERE = Path(__file__).resolve().parent
CORPUS_VERSION = 1
WORKERS = 2
THUMB = 256

DEFAULT_MIX = [  # (share, format, (w, h))
    (0.50, "JPEG", (1920, 1080)),
    (0.20, "JPEG", (1280, 960)),
    (0.15, "JPEG", (640, 480)),
    (0.10, "PNG", (1024, 768)),
    (0.05, "WEBP", (1280, 960)),
]
LARGE_MIX = [
    (0.60, "JPEG", (4000, 3000)),
    (0.15, "JPEG", (1920, 1080)),
    (0.10, "JPEG", (640, 480)),
    (0.10, "PNG", (1024, 768)),
    (0.05, "WEBP", (1280, 960)),
]


# ------------------------------------------------------------------------------------------ corpus


def _plan(count: int, mix: list) -> list[tuple[str, str, tuple[int, int]]]:
    """(relative path, format, size) for every corpus file, interleaving kinds like a real library."""
    kinds = []
    for share, fmt, size in mix:
        kinds += [(fmt, size)] * round(share * count)
    kinds = (kinds + [(mix[0][1], mix[0][2])] * count)[:count]
    random.Random(42).shuffle(kinds)
    ext = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
    return [(f"set{i % 40:02d}/img_{i:05d}.{ext[fmt]}", fmt, size) for i, (fmt, size) in enumerate(kinds)]


_SOURCES: dict[tuple[int, int, int], Image.Image] = {}


def _source(size: tuple[int, int], variant: int) -> Image.Image:
    key = (*size, variant)
    if key not in _SOURCES:
        w, h = size
        rng = random.Random(variant)
        blobs = Image.effect_noise((max(1, w // 16), max(1, h // 16)), 90).convert("L").resize(size, Image.BICUBIC)
        grad = Image.linear_gradient("L").rotate(rng.randrange(360)).resize(size)
        grain = Image.effect_noise(size, 18)
        _SOURCES[key] = Image.merge(
            "RGB", (Image.blend(blobs, grad, 0.4), Image.blend(grad, grain, 0.3), Image.blend(blobs, grain, 0.25))
        )
    return _SOURCES[key]


def _make_files(jobs: list[tuple[str, str, str, tuple[int, int], int]]) -> int:
    for path, _rel, fmt, size, index in jobs:
        rng = random.Random(index)
        im = _source(size, index % 6).copy()
        patch = Image.effect_noise((64, 64), 60).convert("RGB")
        im.paste(patch, (rng.randrange(size[0] - 64), rng.randrange(size[1] - 64)))  # every file differs
        tmp = path + ".tmp"
        if fmt == "JPEG":
            im.save(tmp, "JPEG", quality=rng.randrange(85, 93))
        elif fmt == "PNG":
            im.save(tmp, "PNG", compress_level=3)
        else:
            im.save(tmp, "WEBP", quality=80, method=2)
        os.replace(tmp, path)
    return len(jobs)


def ensure_corpus(count: int, large: bool) -> Path:
    root = HERE / "_corpus_scan" / f"n{count}{'_large' if large else ''}"
    manifest = root / "manifest.json"
    spec = {"version": CORPUS_VERSION, "count": count, "large": large}
    if manifest.exists() and json.loads(manifest.read_text()) == spec:
        return root / "images"
    plan = _plan(count, LARGE_MIX if large else DEFAULT_MIX)
    images = root / "images"
    jobs = []
    for i, (rel, fmt, size) in enumerate(plan):
        path = images / rel
        if not path.exists():
            jobs.append((str(path), rel, fmt, size, i))
    for rel in {rel.split("/")[0] for rel, _, _ in plan}:
        (images / rel).mkdir(parents=True, exist_ok=True)
    print(f"generating {len(jobs)} of {count} corpus images into {images} (once) ...", flush=True)
    start = time.monotonic()
    with ProcessPoolExecutor(WORKERS, mp_context=get_context("spawn")) as ex:
        done = 0
        for n in ex.map(_make_files, [jobs[i : i + 20] for i in range(0, len(jobs), 20)]):
            done += n
            if done % 1000 < 20:
                print(f"  {done}/{len(jobs)}  {time.monotonic() - start:.0f} s", flush=True)
    manifest.write_text(json.dumps(spec))
    print(f"corpus ready in {time.monotonic() - start:.0f} s", flush=True)
    return images


# ------------------------------------------------------------------------------------ baselines


def _bare_header(paths: list[str]) -> int:
    n = 0
    for p in paths:
        with Image.open(p) as im:
            n += bool(im.format and im.mode and im.size)
    return n


def _bare_thumb(paths: list[str]) -> int:
    for p in paths:
        with Image.open(p) as im:
            im.draft("RGB", (THUMB, THUMB))
            im.thumbnail((THUMB, THUMB))
    return len(paths)


def _bare_thumb_save(args: tuple[list[str], str]) -> int:
    paths, out = args
    for p in paths:
        with Image.open(p) as im:
            im.draft("RGB", (THUMB, THUMB))
            im.thumbnail((THUMB, THUMB))
            im = im.convert("RGBA" if im.mode in ("RGBA", "LA", "P") else "RGB")
            name = Path(out) / (Path(p).stem + (".png" if im.mode == "RGBA" else ".jpg"))
            im.save(name, "PNG" if im.mode == "RGBA" else "JPEG", quality=85)
    return len(paths)


def _bare_full_decode(paths: list[str]) -> int:
    for p in paths:
        with Image.open(p) as im:
            im.load()
    return len(paths)


def _pool() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(WORKERS, mp_context=get_context("spawn"))


def _chunks(items: list, n: int) -> list[list]:
    return [items[i : i + n] for i in range(0, len(items), n)]


def bare_header_loop(root: Path) -> float:
    start = time.perf_counter()
    files = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs]
    with _pool() as ex:
        assert sum(ex.map(_bare_header, _chunks(files, 128))) == len(files)
    return time.perf_counter() - start


def bare_decode(fn, files: list[str], out: Path | None = None) -> float:
    start = time.perf_counter()
    with _pool() as ex:
        if out is None:
            total = sum(ex.map(fn, _chunks(files, 4)))
        else:
            total = sum(ex.map(fn, [(c, str(out)) for c in _chunks(files, 4)]))
    assert total == len(files)
    return time.perf_counter() - start


# ---------------------------------------------------------------------------------------- ours


def scan_header_stage(root: Path, work: Path, run: int) -> tuple[float, float]:
    """Seconds until the header stage finished, and until the first batch was in the project."""
    from studio.core.scan.project_scan import scan_project
    from studio.core.store.project_store import ProjectStore
    from studio.core.tasks import CancelToken

    project = work / f"header_{run}.studio"
    store = ProjectStore.create(project, [root])
    token = CancelToken()
    start = time.perf_counter()
    first: list[float] = []

    def on_batch(ids: list[int]) -> None:
        if not first:
            first.append(time.perf_counter() - start)

    def stop_at_deep(done: int, total: int | None, message: str = "") -> None:
        if message.startswith("Checking images in depth"):
            token.cancel()  # (a) measures the header stage only

    report = scan_project(store, deep=True, progress=stop_at_deep, cancel=token, on_batch=on_batch)
    store.close()
    time.sleep(0.3)  # let the workers of the cancelled deep stage wind down before the next run
    return report.header_seconds, first[0]


def deep_checks(files: list[str], thumb_dir: Path | None) -> float:
    from studio.core.checks.pool import CheckPool, DeepTask

    tasks = [DeepTask(f"t{i}", Path(p)) for i, p in enumerate(files)]
    start = time.perf_counter()
    with CheckPool(WORKERS) as pool:
        n = sum(1 for _ in pool.deep(tasks, thumb_size=THUMB if thumb_dir else None,
                                     thumb_dir=thumb_dir, with_fingerprint=True))
    assert n == len(files)
    return time.perf_counter() - start


# ---------------------------------------------------------------------------------------- main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=10_000)
    ap.add_argument("--deep-count", type=int, default=500)
    ap.add_argument("--large", action="store_true", help="camera-sized mix (slow to generate)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-full-scan", action="store_true", help="skip the full deep scan of the corpus")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    args = ap.parse_args()

    root = ensure_corpus(args.count, args.large)
    files = sorted(str(p) for p in root.rglob("*") if p.is_file())
    step = max(1, len(files) // args.deep_count)
    subset = files[::step][: args.deep_count]
    work = HERE / "_work_scan"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    corpus_mb = sum(os.path.getsize(p) for p in files) / 1e6
    print(f"corpus: {len(files)} files, {corpus_mb:.0f} MB ({'large' if args.large else 'default'} mix); "
          f"deep subset {len(subset)}; {WORKERS} worker processes; median of {args.repeat}", flush=True)
    for p in files:  # warm the page cache, so every method reads from memory alike
        with open(p, "rb") as f:
            while f.read(1 << 20):
                pass
    figures: dict[str, float] = {}

    # (a) interleave baseline and ours so background load hits both alike
    a_bare, a_ours, a_first = [], [], []
    for i in range(args.repeat):
        a_bare.append(bare_header_loop(root))
        header, first = scan_header_stage(root, work, i)
        a_ours.append(header)
        a_first.append(first)
    figures["a_bare_header_loop_s"] = statistics.median(a_bare)
    figures["a_scan_header_stage_s"] = statistics.median(a_ours)
    figures["a_first_batch_s"] = statistics.median(a_first)

    # (b)
    thumbs = work / "thumbs"

    def fresh(d: Path) -> Path:
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir()
        return d

    b_methods = {
        "b_bare_draft_thumb_s": lambda: bare_decode(_bare_thumb, subset),
        "b_deep_s": lambda: deep_checks(subset, None),
        "b_bare_draft_thumb_save_s": lambda: bare_decode(_bare_thumb_save, subset, fresh(work / "bare_thumbs")),
        "b_deep_thumb_save_s": lambda: deep_checks(subset, fresh(thumbs)),
    }
    b_values: dict[str, list[float]] = {name: [] for name in b_methods}
    for _ in range(args.repeat):  # interleaved, like (a)
        for name, run in b_methods.items():
            b_values[name].append(run())
    for name, values in b_values.items():
        figures[name] = statistics.median(values)
    figures["b_bare_full_decode_s"] = bare_decode(_bare_full_decode, subset)

    # full first scan, then (c) rescans of the unchanged, fully checked folder
    from studio.core.scan.project_scan import scan_project
    from studio.core.store.project_store import ProjectStore

    store = ProjectStore.create(work / "full.studio", [root])
    start = time.perf_counter()
    report = scan_project(store, deep=not args.skip_full_scan)
    figures["full_scan_s"] = time.perf_counter() - start
    figures["full_scan_header_stage_s"] = report.header_seconds
    deep_rescan = not args.skip_full_scan
    rescans = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        again = scan_project(store, deep=deep_rescan)
        rescans.append(time.perf_counter() - start)
        assert again.unchanged == len(files) and again.header_checked == again.deep_checked == 0, again
    figures["c_rescan_s"] = statistics.median(rescans)
    store.close()

    n, d = len(files), len(subset)
    rows = [
        ("(a) bare Pillow header loop, 2 processes", figures["a_bare_header_loop_s"], n),
        ("(a) scan: walk + header checks + SQLite", figures["a_scan_header_stage_s"], n),
        ("    first batch of images in the project", figures["a_first_batch_s"], None),
        ("(b) bare draft + thumbnail, 2 processes", figures["b_bare_draft_thumb_s"], d),
        ("(b) deep check (no thumbnail)", figures["b_deep_s"], d),
        ("(b) bare draft + thumbnail + save", figures["b_bare_draft_thumb_save_s"], d),
        ("(b) deep check + thumbnail saved, one pass", figures["b_deep_thumb_save_s"], d),
        ("    for reference: bare full decode load()", figures["b_bare_full_decode_s"], d),
        (f"full first scan ({'header + deep' if deep_rescan else 'header only'})", figures["full_scan_s"], n),
        ("(c) rescan of the unchanged folder", figures["c_rescan_s"], n),
    ]
    print()
    print(f"{'measurement':<46}{'seconds':>9}{'images/s':>11}")
    for label, seconds, count in rows:
        rate = f"{count / seconds:>11,.0f}" if count else ""
        print(f"{label:<46}{seconds:>9.3f}{rate}")
    ratios = {
        "a_scan_vs_bare_header": figures["a_scan_header_stage_s"] / figures["a_bare_header_loop_s"],
        "b_deep_vs_bare_thumb": figures["b_deep_s"] / figures["b_bare_draft_thumb_s"],
        "b_deep_thumb_save_vs_bare_thumb_save": figures["b_deep_thumb_save_s"] / figures["b_bare_draft_thumb_save_s"],
    }
    print()
    print(f"ratio (a) scan+header / bare header loop          {ratios['a_scan_vs_bare_header']:.2f}x  (goal <= 1.5x)")
    print(f"ratio (b) deep check / bare draft+thumbnail        {ratios['b_deep_vs_bare_thumb']:.2f}x  (goal <= 1.15x)")
    print(f"ratio (b) deep+thumbnail saved / bare same         "
          f"{ratios['b_deep_thumb_save_vs_bare_thumb_save']:.2f}x  (goal <= 1.15x)")
    scaled = figures["c_rescan_s"] * 10_000 / n
    print(f"(c) rescan of {n} unchanged images                {figures['c_rescan_s']:.3f} s"
          f"  ({scaled:.3f} s per 10,000; goal < 0.5 s)")
    if args.json:
        args.json.write_text(json.dumps({"figures": figures, "ratios": ratios, "count": n, "deep_count": d,
                                         "large": args.large}, indent=2))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
