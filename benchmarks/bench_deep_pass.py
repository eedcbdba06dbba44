"""Benchmark: `studio-cli check DIR --json` as a whole process against a bare two-process Pillow loop.

Run:  python benchmarks/bench_deep_pass.py [--count 600] [--repeat 3] [--moderation]

Both sides are timed as whole processes, start-up included, interleaved run by run so machine load
affects both alike; medians of --repeat runs are compared. Goal (issue 14): <= 1.15x.
  studio   `python -m studio.cli.main check DIR --json > file`: start-up, walk, header stage, deep
           stage (full entropy decode at reduced size, PNG CRCs, the decode a thumbnail and the
           perceptual hash come from), JSON out.
  bare     `python bare_loop.py DIR`: walk, then two worker processes that open each file and
           draft-decode it to 256 px (`Image.draft` + `load`), printing nothing.
With --moderation, also times `check --json --moderation` and reports the face/person stage's own
images per second (the extra time over the plain check, per image).

Corpus (generated once into benchmarks/_corpus_deep/, gitignored): 600 files, 85% camera-sized
JPEGs (4000x3000, q90, ~3 MB), 8% PNG 1600x1200, 7% WEBP 1600x1200; photo-like noise and gradients.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS_VERSION = 1

BARE_LOOP = r'''
import os, sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from PIL import Image

def decode(paths):
    for p in paths:
        with Image.open(p) as im:
            im.draft("RGB", (256, 256))
            im.load()
    return len(paths)

if __name__ == "__main__":
    files = []
    for dirpath, _dirs, names in os.walk(sys.argv[1]):
        files += [os.path.join(dirpath, n) for n in names if n.lower().endswith((".jpg", ".png", ".webp"))]
    files.sort()
    chunks = [files[i:i + 4] for i in range(0, len(files), 4)]
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        done = sum(pool.map(decode, chunks))
    assert done == len(files)
'''


def _make(job: tuple[str, str, tuple[int, int], int]) -> None:
    path, fmt, (w, h), index = job
    rng = random.Random(index)
    blobs = Image.effect_noise((max(1, w // 32), max(1, h // 32)), 80).convert("L").resize((w, h), Image.BICUBIC)
    grad = Image.linear_gradient("L").rotate(rng.randrange(360)).resize((w, h))
    grain = Image.effect_noise((w, h), 14)
    im = Image.merge("RGB", (Image.blend(blobs, grad, 0.4), Image.blend(grad, grain, 0.3),
                             Image.blend(blobs, grain, 0.25)))
    tmp = path + ".tmp"
    if fmt == "JPEG":
        im.save(tmp, "JPEG", quality=90)
    elif fmt == "PNG":
        im.save(tmp, "PNG", compress_level=3)
    else:
        im.save(tmp, "WEBP", quality=80, method=2)
    os.replace(tmp, path)


def ensure_corpus(count: int) -> Path:
    root = HERE / "_corpus_deep" / f"n{count}"
    manifest = root / "manifest.json"
    spec = {"version": CORPUS_VERSION, "count": count}
    if manifest.exists() and json.loads(manifest.read_text()) == spec:
        return root / "images"
    images = root / "images"
    images.mkdir(parents=True, exist_ok=True)
    kinds = (["JPEG"] * round(0.85 * count) + ["PNG"] * round(0.08 * count) + ["WEBP"] * count)[:count]
    random.Random(7).shuffle(kinds)
    ext = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
    jobs = []
    for i, fmt in enumerate(kinds):
        size = (4000, 3000) if fmt == "JPEG" else (1600, 1200)
        folder = images / f"set{i % 6}"
        folder.mkdir(exist_ok=True)
        jobs.append((str(folder / f"img_{i:04d}.{ext[fmt]}"), fmt, size, i))
    print(f"generating {count} images into {images} (once)...", file=sys.stderr)
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_make, jobs, chunksize=4))
    manifest.write_text(json.dumps(spec))
    return images


def _time(cmd: list[str], out: Path | None = None) -> float:
    started = time.perf_counter()
    with open(out or os.devnull, "wb") as sink:
        subprocess.run(cmd, check=True, stdout=sink, stderr=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=600)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--moderation", action="store_true")
    args = parser.parse_args()
    images = ensure_corpus(args.count)
    with tempfile.TemporaryDirectory() as tmp:
        bare_script = Path(tmp) / "bare_loop.py"
        bare_script.write_text(BARE_LOOP)
        out = Path(tmp) / "check.json"
        cli = [sys.executable, "-m", "studio.cli.main", "check", str(images), "--json"]
        times: dict[str, list[float]] = {"studio": [], "bare": [], "moderation": []}
        _time([sys.executable, str(bare_script), str(images)])  # warm the page cache
        for _ in range(args.repeat):
            times["bare"].append(_time([sys.executable, str(bare_script), str(images)]))
            times["studio"].append(_time(cli, out))
            if args.moderation:
                times["moderation"].append(_time(cli + ["--moderation"], out))
        files = json.loads(out.read_text())["files"]
        assert len(files) == args.count, f"check saw {len(files)} files, expected {args.count}"
    studio, bare = statistics.median(times["studio"]), statistics.median(times["bare"])
    print(f"corpus: {args.count} files ({images})")
    print(f"studio-cli check --json (whole process)  {studio:7.2f} s   runs {_fmt(times['studio'])}")
    print(f"bare 2-process draft-decode loop         {bare:7.2f} s   runs {_fmt(times['bare'])}")
    print(f"ratio                                    {studio / bare:7.2f}x  (goal <= 1.15x)")
    if args.moderation:
        mod = statistics.median(times["moderation"])
        print(f"check --json --moderation                {mod:7.2f} s   runs {_fmt(times['moderation'])}")
        extra = max(1e-9, mod - studio)
        print(f"face/person stage                        {args.count / extra:7.1f} images/s "
              f"({extra:.2f} s on top of the check)")
    return 0


def _fmt(values: list[float]) -> str:
    return " ".join(f"{v:.2f}" for v in values)


if __name__ == "__main__":
    raise SystemExit(main())
