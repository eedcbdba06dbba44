"""Measure the face/person detector: precision, recall and false-positive rate on a labelled set
built here from real photos that scikit-image ships, plus its speed in images per second.

    pip install scikit-image            # only this benchmark needs it (the sample photos)
    python benchmarks/bench_moderation.py [--candidates] [--save DIR]

The labelled set (deterministic, seed below):
  face      astronaut (Eileen Collins, NASA) and camera (the cameraman, profile), each as is, scaled
            to 50 % / 200 % / 300 %, mirrored, three crops keeping the head, JPEG q50, darker, brighter,
            rotated 8 degrees; plus the 100 LFW face crops scikit-image ships (25 px), upscaled to
            90-180 px and pasted at a random spot on a 3x larger crop of a no-people photo.
  no-people 20 photos and scans without people (cat, coffee, rocket, motorcycle, coins, retina,
            text page, textures, ...) with the same variations, plus the 100 LFW non-face crops
            composited like the faces.
Figures are per image: a "face" image counts as found when the detector flags it (face or person);
a no-people image flagged for anything is a false positive. Targets (issue 14): recall >= 0.8 on
the face photos, false-positive rate <= 0.15 on the no-people photos.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PIL import Image, ImageEnhance, ImageOps  # noqa: E402

from studio.core.curation.moderation import (  # noqa: E402
    DEFAULT, DetectorConfig, RawDetections, decide, detect_image, prepare, raw_detections,
)

SEED = 14
NEGATIVE_SOURCES = [
    "chelsea", "coffee", "rocket", "coins", "retina", "immunohistochemistry", "page", "text",
    "brick", "grass", "gravel", "colorwheel", "clock", "cell", "moon", "microaneurysms",
    "hubble_deep_field", "logo", "horse", "motorcycle_left",
]


@dataclass(frozen=True)
class Sample:
    name: str
    group: str  # "face" or "none"
    image: Image.Image


def _skimage_photo(name: str) -> Image.Image:
    import skimage.data as data

    if name == "motorcycle_left":
        array = data.stereo_motorcycle()[0]
    else:
        array = getattr(data, name)()
    if array.dtype == bool:
        array = array.astype(np.uint8) * 255
    if array.dtype != np.uint8:
        array = (255 * (array - array.min()) / max(1e-9, float(array.max() - array.min()))).astype(np.uint8)
    im = Image.fromarray(array)
    return im.convert("RGB") if im.mode not in ("L", "RGB") else im


def _variations(name: str, im: Image.Image, keep: tuple[float, float, float, float] | None,
                rng: random.Random) -> list[tuple[str, Image.Image]]:
    """The recipe's variations. `keep` is a (x0, y0, x1, y1) fraction box crops must contain."""
    w, h = im.size
    out = [("orig", im)]
    for factor in (0.5, 2.0, 3.0):
        out.append((f"scale{factor:g}", im.resize((int(w * factor), int(h * factor)), Image.Resampling.BICUBIC)))
    out.append(("mirror", ImageOps.mirror(im)))
    for k in range(3):
        cw, ch = int(w * rng.uniform(0.5, 0.8)), int(h * rng.uniform(0.5, 0.8))
        if keep is not None:
            kx0, ky0, kx1, ky1 = keep[0] * w, keep[1] * h, keep[2] * w, keep[3] * h
            cw, ch = max(cw, int(kx1 - kx0) + 4), max(ch, int(ky1 - ky0) + 4)
            x0 = rng.randint(max(0, int(kx1) - cw), max(0, min(int(kx0), w - cw)))
            y0 = rng.randint(max(0, int(ky1) - ch), max(0, min(int(ky0), h - ch)))
        else:
            x0, y0 = rng.randint(0, w - cw), rng.randint(0, h - ch)
        out.append((f"crop{k}", im.crop((x0, y0, x0 + cw, y0 + ch))))
    buf = io.BytesIO()
    im.convert("RGB").save(buf, "JPEG", quality=50)
    out.append(("jpeg50", Image.open(io.BytesIO(buf.getvalue()))))
    out.append(("dark", ImageEnhance.Brightness(im).enhance(0.6)))
    out.append(("bright", ImageEnhance.Brightness(im).enhance(1.4)))
    out.append(("rot8", im.rotate(8, resample=Image.Resampling.BICUBIC, expand=True)))
    return [(f"{name}-{tag}", v) for tag, v in out]


def _composites(group: str, crops: np.ndarray, backgrounds: list[Image.Image],
                rng: random.Random) -> list[Sample]:
    out = []
    for i, crop in enumerate(crops):
        size = rng.randint(90, 180)
        patch = Image.fromarray((crop * 255).astype(np.uint8)).resize((size, size), Image.Resampling.BICUBIC)
        bg = rng.choice(backgrounds).convert("L")
        cw = ch = 3 * size
        if bg.width < cw or bg.height < ch:
            bg = bg.resize((max(cw, bg.width), max(ch, bg.height)))
        x0, y0 = rng.randint(0, bg.width - cw), rng.randint(0, bg.height - ch)
        canvas = bg.crop((x0, y0, x0 + cw, y0 + ch))
        canvas.paste(patch, (rng.randint(0, cw - size), rng.randint(0, ch - size)))
        out.append(Sample(f"lfw-{group}-{i:03d}", group, canvas))
    return out


def build_set() -> list[Sample]:
    """The labelled set: real photos with and without faces, varied as the module doc says."""
    import skimage.data as data

    rng = random.Random(SEED)
    samples: list[Sample] = []
    # Head boxes (fractions of the image) that crops must keep, so a crop still shows the face.
    heads = {"astronaut": (0.33, 0.1, 0.55, 0.35), "camera": (0.3, 0.12, 0.52, 0.42)}
    for name, keep in heads.items():
        for tag, im in _variations(name, _skimage_photo(name), keep, rng):
            samples.append(Sample(tag, "face", im))
    negatives = [_skimage_photo(n) for n in NEGATIVE_SOURCES]
    for name, im in zip(NEGATIVE_SOURCES, negatives):
        for tag, v in _variations(name, im, None, rng):
            samples.append(Sample(tag, "none", v))
    lfw = data.lfw_subset()
    backgrounds = [n for n, name in zip(negatives, NEGATIVE_SOURCES) if name in ("brick", "grass", "gravel", "coffee", "rocket", "clock", "moon")]
    samples += _composites("face", lfw[:100], backgrounds, rng)
    samples += _composites("none", lfw[100:], backgrounds, rng)
    return samples


@dataclass
class Figures:
    recall: float
    fpr: float
    precision: float
    face_flagged: int
    faces: int
    none_flagged: int
    nones: int
    misses: list[str]
    false_alarms: list[str]


# Candidates are threshold settings over one permissive analysis per image and model (`decide`
# filters `raw_detections`), so sweeping them costs no second pass. Two frontal cascades are measured.
PERMISSIVE = replace(DEFAULT, frontal_neighbors=1, profile_neighbors=1, person_min_weight=0.0)
FRONTALS = {"alt2": "haarcascade_frontalface_alt2.xml", "default": "haarcascade_frontalface_default.xml"}
CANDIDATES: dict[str, tuple[str, DetectorConfig]] = {
    "chosen: alt2 >3 + profile >5 + HOG >= 2.0": ("alt2", DEFAULT),
    "frontal default >3": ("default", replace(DEFAULT, frontal=FRONTALS["default"], profile=None, person_min_weight=None)),
    "frontal default >5": ("default", replace(DEFAULT, frontal=FRONTALS["default"], frontal_neighbors=5, profile=None,
                                              person_min_weight=None)),
    "frontal default >8": ("default", replace(DEFAULT, frontal=FRONTALS["default"], frontal_neighbors=8, profile=None,
                                              person_min_weight=None)),
    "frontal alt2 >3": ("alt2", replace(DEFAULT, profile=None, person_min_weight=None)),
    "frontal alt2 >5": ("alt2", replace(DEFAULT, frontal_neighbors=5, profile=None, person_min_weight=None)),
    "profile >5 (both sides) only": ("alt2", replace(DEFAULT, frontal=None, person_min_weight=None)),
    "alt2 >3 + profile >5": ("alt2", replace(DEFAULT, person_min_weight=None)),
    "alt2 >3 + profile >3": ("alt2", replace(DEFAULT, profile_neighbors=3, person_min_weight=None)),
    "HOG people only, score >= 1.0": ("alt2", replace(DEFAULT, frontal=None, profile=None, person_min_weight=1.0)),
    "HOG people only, score >= 2.0": ("alt2", replace(DEFAULT, frontal=None, profile=None)),
    "alt2 >3 + profile >5 + HOG >= 1.0": ("alt2", replace(DEFAULT, person_min_weight=1.0)),
    "alt2 >3 + profile >5 + HOG >= 1.5": ("alt2", replace(DEFAULT, person_min_weight=1.5)),
}


def _analyse(job: tuple[bytes, tuple[int, int], str, bool]) -> dict[str, RawDetections]:
    """Raw candidates per frontal cascade; profile and HOG are run once and shared by both."""
    data, size, mode, with_both = job
    im = Image.frombytes(mode, size, data)
    grey, _ = prepare(im, DEFAULT)
    out = {"alt2": raw_detections(grey, replace(PERMISSIVE, frontal=FRONTALS["alt2"]))}
    if with_both:
        other = raw_detections(grey, replace(PERMISSIVE, frontal=FRONTALS["default"], profile=None,
                                             person_min_weight=None))
        out["default"] = replace(out["alt2"], frontal=other.frontal)
    return out


def measure(samples: list[Sample], raws: list[dict[str, RawDetections]], which: str,
            config: DetectorConfig) -> Figures:
    flagged: dict[str, bool] = {}
    for s, raw in zip(samples, raws):
        flagged[s.name] = decide(raw[which], s.image.size, config).likely_skipped is not None
    faces = [s for s in samples if s.group == "face"]
    nones = [s for s in samples if s.group == "none"]
    tp = sum(flagged[s.name] for s in faces)
    fp = sum(flagged[s.name] for s in nones)
    return Figures(
        recall=tp / len(faces), fpr=fp / len(nones), precision=tp / max(1, tp + fp),
        face_flagged=tp, faces=len(faces), none_flagged=fp, nones=len(nones),
        misses=[s.name for s in faces if not flagged[s.name]],
        false_alarms=[s.name for s in nones if flagged[s.name]],
    )


def speed(samples: list[Sample], count: int) -> float:
    """Images per second of the chosen detector on one core, from an opened image to the verdict."""
    subset = samples[:: max(1, len(samples) // count)][:count]
    detect_image(subset[0].image.copy())  # load the models outside the timing
    started = time.perf_counter()
    for s in subset:
        detect_image(s.image.copy())
    return len(subset) / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", action="store_true", help="also measure the alternatives")
    parser.add_argument("--save", type=Path, help="write the labelled set as PNG files into this folder")
    parser.add_argument("--verbose", action="store_true", help="list misses and false alarms")
    parser.add_argument("--speed-count", type=int, default=60, help="images timed for the speed figure")
    args = parser.parse_args()
    samples = build_set()
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        for s in samples:
            s.image.save(args.save / f"{s.group}-{s.name}.png")
    faces = sum(s.group == "face" for s in samples)
    print(f"labelled set: {faces} photos with a face, {len(samples) - faces} without people", flush=True)
    jobs = []
    for s in samples:
        im = s.image.convert("RGB") if s.image.mode not in ("L", "RGB") else s.image
        jobs.append((im.tobytes(), im.size, im.mode, args.candidates))
    with ProcessPoolExecutor(2) as pool:
        raws = list(pool.map(_analyse, jobs, chunksize=8))
    configs = CANDIDATES if args.candidates else {k: v for k, v in list(CANDIDATES.items())[:1]}
    print(f"{'detector':<42} {'recall':>7} {'FPR':>6} {'prec.':>6}")
    for label, (which, config) in configs.items():
        f = measure(samples, raws, which, config)
        print(f"{label:<42} {f.recall:7.3f} {f.fpr:6.3f} {f.precision:6.3f}"
              f"   ({f.face_flagged}/{f.faces} face photos flagged, {f.none_flagged}/{f.nones} false alarms)")
        if args.verbose:
            print("   misses:", " ".join(f.misses))
            print("   false alarms:", " ".join(f.false_alarms))
    print(f"speed of the chosen detector: {speed(samples, args.speed_count):.1f} images/s on one core "
          f"(analysis at {DEFAULT.analysis_size} px)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
