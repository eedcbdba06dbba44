#!/usr/bin/env python3
"""Benchmark: duplicate grouping speed (100,000 hashes) and pair precision / recall on real photos.

    python3 benchmarks/bench_duplicates.py            # both parts
    python3 benchmarks/bench_duplicates.py --speed    # grouping only (no scikit-image needed)

Goals (issue 14): grouping 100,000 hashes in < 2 s without an all-pairs loop; at the default
threshold, pair precision and recall >= 0.9 on copies resized to 80 %, re-encoded as JPEG q70,
cropped by 2 % and brightened by 5 %.

Speed corpus: 100,000 random 64-bit hashes (the hardest case for bucketing: no clustering to exploit)
plus 2,000 planted near-duplicates 0-8 bits from a random member; reported: wall time of
`group_duplicates` at the default threshold (median of 3), and the ratio to a brute-force numpy
all-pairs check timed on a 10,000-hash sample and scaled by (100,000 / 10,000)^2 (the all-pairs cost
grows with the square of the count).

Accuracy corpus: the real photographs scikit-image ships (astronaut, coffee, chelsea, rocket, ...;
install it with `pip install scikit-image`), each also cut into four quarter crops (distinct pictures
that share texture and colour: hard negatives), 88 originals in all. Each original gets the four
edited copies; every image is hashed the way the deep check hashes it (`hash_of_decoded` on the
256-px thumbnail the scan makes). A pair is "true" when both images come from the same original;
predicted when grouped together (same connected component). Precision and recall over all pairs.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from itertools import combinations
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studio.core.curation.duplicates import group_duplicates  # noqa: E402
from studio.core.curation.perceptual_hash import DEFAULT_THRESHOLD, hash_of_decoded  # noqa: E402

PHOTOS = ("astronaut brick camera chelsea coffee coins grass gravel horse hubble_deep_field ihc "
          "motorcycle_left motorcycle_right page retina rocket text clock_motion moon cell "
          "microaneurysms logo color phantom").split()


def speed(n: int = 100_000, planted: int = 2_000) -> None:
    rng = random.Random(1)
    hashes = [rng.getrandbits(64) for _ in range(n)]
    for i in range(planted):
        h = hashes[i]
        for b in rng.sample(range(64), rng.randint(0, DEFAULT_THRESHOLD)):
            h ^= 1 << b
        hashes.append(h)
    keyed = dict(enumerate(hashes))
    times = []
    for _ in range(3):
        t = time.perf_counter()
        groups = group_duplicates(keyed, DEFAULT_THRESHOLD)
        times.append(time.perf_counter() - t)
    found = sum(len(g.members) for g in groups)

    sample = np.array(hashes[:10_000], dtype=np.uint64)
    t = time.perf_counter()
    for i in range(len(sample) - 1):
        np.bitwise_count(sample[i] ^ sample[i + 1:]) <= DEFAULT_THRESHOLD
    brute = (time.perf_counter() - t) * (len(hashes) / len(sample)) ** 2
    median = statistics.median(times)
    print(f"grouping {len(hashes):,} hashes at threshold {DEFAULT_THRESHOLD}: {median:.2f} s (median of 3; "
          f"runs {', '.join(f'{x:.2f}' for x in times)}); {len(groups)} groups, {found} images grouped "
          f"(planted: {planted} pairs)")
    print(f"all-pairs numpy estimate for the same: {brute:.0f} s -> grouping is {brute / median:.0f}x faster; "
          f"goal < 2 s: {'met' if median < 2 else 'NOT met'}")


def accuracy() -> None:
    try:
        import skimage
    except ImportError:
        print("accuracy: skipped (pip install scikit-image for its sample photos)")
        return
    from PIL import Image, ImageEnhance

    data = Path(skimage.__file__).parent / "data"
    sources: list[tuple[str, Image.Image]] = []
    for name in PHOTOS:
        path = next(data.glob(name + ".*"), None)
        if path is None:
            continue
        im = Image.open(path).convert("RGB")
        sources.append((name, im))
        w, h = im.size
        if w >= 400 and h >= 400:
            for k, (x, y) in enumerate([(0, 0), (w // 2, 0), (0, h // 2), (w // 2, h // 2)]):
                sources.append((f"{name}-q{k}", im.crop((x, y, x + w // 2, y + h // 2))))

    def edited(im: Image.Image) -> dict[str, Image.Image]:
        w, h = im.size
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=70)
        dx, dy = int(w * 0.02), int(h * 0.02)
        return {"original": im, "resized 80 %": im.resize((int(w * 0.8), int(h * 0.8)), Image.Resampling.LANCZOS),
                "JPEG q70": Image.open(io.BytesIO(buf.getvalue())).convert("RGB"),
                "cropped 2 %": im.crop((dx, dy, w - dx, h - dy)),
                "brightened 5 %": ImageEnhance.Brightness(im).enhance(1.05)}

    items: list[tuple[str, str, int]] = []
    for name, im in sources:
        for kind, copy in edited(im).items():
            thumb = copy.copy()
            thumb.thumbnail((256, 256))
            h = hash_of_decoded(thumb)
            assert h is not None
            items.append((name, kind, h))
    pairs = list(combinations(range(len(items)), 2))
    true = {p for p in pairs if items[p[0]][0] == items[p[1]][0]}
    print(f"accuracy corpus: {len(sources)} photos (scikit-image samples + quarter crops), "
          f"{len(items)} images, {len(true)} true pairs among {len(pairs):,}")
    for threshold in (4, 6, DEFAULT_THRESHOLD, 10, 12):
        groups = group_duplicates({i: it[2] for i, it in enumerate(items)}, threshold)
        predicted = {p for g in groups for p in combinations(sorted(g.members), 2)}
        tp = len(predicted & true)
        precision = tp / len(predicted) if predicted else 1.0
        recall = tp / len(true)
        mark = "  <- default" if threshold == DEFAULT_THRESHOLD else ""
        print(f"threshold {threshold:2d}: pair precision {precision:.3f}, recall {recall:.3f}{mark}")
    by_kind: dict[str, list[int]] = {}
    originals = {it[0]: it[2] for it in items if it[1] == "original"}
    for name, kind, h in items:
        if kind != "original":
            by_kind.setdefault(kind, []).append((h ^ originals[name]).bit_count())
    for kind, d in by_kind.items():
        within = sum(1 for x in d if x <= DEFAULT_THRESHOLD) / len(d)
        print(f"  {kind:15s}: distance to its original median {statistics.median(d):.0f} bits, "
              f"max {max(d)}, within the default threshold {within:.0%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--speed", action="store_true", help="grouping speed only")
    args = parser.parse_args()
    speed()
    if not args.speed:
        accuracy()


if __name__ == "__main__":
    main()
