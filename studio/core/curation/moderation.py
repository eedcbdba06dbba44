"""Predict which images the fine-tuning service's moderation will drop for showing a face or a person.

The service silently skips training images with people or faces, and fails a job outright past 200
skipped examples; it only says so after the upload. This detector runs offline, before the upload,
so the studio can warn. It is a *warning*, never a rule verdict: a false alarm must not hide an image.

The models are OpenCV's: Haar cascades (frontal and profile faces) that ship as XML files inside the
`opencv-python-headless` wheel (`cv2.data.haarcascades`, present in 4.x, which pyproject pins), and
the HOG people detector whose weights are compiled into the library. Nothing is downloaded at run
time, so it works offline and in the packaged app. Why these and these settings: the labelled set
in `benchmarks/bench_moderation.py` (real photos shipped by scikit-image, with crops, scalings and
negatives) measured the candidates; the README has the figures.

Boxes are in pixels of the original image with its EXIF orientation applied (what a viewer shows),
as `(x, y, w, h)`. The image is analysed at a reduced size (`ANALYSIS_SIZE`): faces smaller than
about 1/30 of the long side are not looked for, which is also roughly where moderation stops caring.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from PIL import Image, ImageOps

if TYPE_CHECKING:  # numpy/cv2 are imported on first use: `studio-cli check` without --moderation stays fast
    import numpy as np

Kind = Literal["face", "person"]
Box = tuple[int, int, int, int]

# Bump when the model, the settings or the meaning of a result change: cached results with another
# version are recomputed (see moderation_store).
DETECTOR_VERSION = "opencv-haar-alt2-3-profile-5-hog-2.0"
ANALYSIS_SIZE = 480  # long side the image is analysed at


@dataclass(frozen=True, slots=True)
class DetectorConfig:
    """Knobs of the detector. `DEFAULT` is the configuration the benchmark chose; the others exist
    so the benchmark can measure the alternatives with the same code. A `None` model is not run."""

    frontal: str | None = "haarcascade_frontalface_alt2.xml"
    frontal_neighbors: int = 3  # a face needs more than this many overlapping raw hits
    profile: str | None = "haarcascade_profileface.xml"  # run on the image and its mirror (one side only)
    profile_neighbors: int = 5
    person_min_weight: float | None = 2.0  # HOG SVM score a person box needs; None: no HOG pass
    min_face_fraction: float = 1 / 24  # smallest face looked for, as a fraction of the long side
    scale_factor: float = 1.15  # step between the scales the cascades search
    person_size: int = 400  # long side the HOG pass runs at (it is the slow part)
    analysis_size: int = ANALYSIS_SIZE


DEFAULT = DetectorConfig()


@dataclass(frozen=True, slots=True)
class Detection:
    """What the detector found in one image. `likely_skipped` is "face" when any face was found
    (face wins), "person" when only people were, None when neither."""

    faces: tuple[Box, ...] = ()
    persons: tuple[Box, ...] = ()
    error: str | None = None  # the image could not be analysed (it also fails the rule checks then)
    size: tuple[int, int] = (0, 0)  # (w, h) of the original image as shown: what the boxes refer to

    @property
    def likely_skipped(self) -> Kind | None:
        if self.faces:
            return "face"
        if self.persons:
            return "person"
        return None

    @property
    def boxes(self) -> list[list[int]]:
        """The boxes that justify `likely_skipped` (faces when faces win), as JSON-ready lists."""
        chosen = self.faces if self.faces else self.persons
        return [list(b) for b in chosen]


@dataclass(slots=True)
class _Models:
    frontal: Any = None
    profile: Any = None
    hog: Any = None


@lru_cache(maxsize=8)
def _models(frontal: str | None, profile: str | None, hog: bool) -> _Models:
    """Load the models once per process (a worker analyses many images with one load)."""
    import cv2 as _cv2

    cv2: Any = _cv2  # the wheel's stubs miss `cv2.data` and the HOG helpers
    base = Path(cv2.data.haarcascades)
    models = _Models()
    if frontal:
        models.frontal = _cascade(cv2, base / frontal)
    if profile:
        models.profile = _cascade(cv2, base / profile)
    if hog:
        descriptor = cv2.HOGDescriptor()
        descriptor.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
        models.hog = descriptor
    return models


def _models_for(config: DetectorConfig) -> _Models:
    return _models(config.frontal, config.profile, config.person_min_weight is not None)


def _cascade(cv2: Any, path: Path) -> Any:
    classifier = cv2.CascadeClassifier(os.fspath(path))
    if classifier.empty():
        raise RuntimeError(
            f"The face detector's model file {path.name} is missing from the installed OpenCV. "
            "Reinstall the studio (it needs opencv-python-headless 4.x, which ships the model files)."
        )
    return classifier


def models_available() -> str | None:
    """None when the detector can run here; otherwise what is wrong, in words for the user."""
    try:
        _models_for(DEFAULT)
    except ImportError as e:
        return f"The face/person detector needs OpenCV, which is not installed ({e}). Reinstall the studio."
    except RuntimeError as e:
        return str(e)
    return None


# --------------------------------------------------------------------------------------------------
# Analysis


def detect_file(path: Path | str, config: DetectorConfig = DEFAULT) -> Detection:
    """Open, reduce and analyse one image file. Never raises for a bad file: `Detection.error` says."""
    try:
        with Image.open(path) as im:
            return detect_image(im, config)
    except Exception as e:  # noqa: BLE001 - a broken file is the rule checks' business, not ours
        text = str(e).split("\n", 1)[0][:120] or type(e).__name__
        return Detection(error=text)


def detect_image(im: Image.Image, config: DetectorConfig = DEFAULT) -> Detection:
    """Analyse an opened image (may be lazy; JPEGs are draft-decoded at the analysis size)."""
    grey, original = prepare(im, config)
    return detect_array(grey, original, config)


def prepare(im: Image.Image, config: DetectorConfig = DEFAULT) -> tuple[np.ndarray, tuple[int, int]]:
    """The greyscale array the models see (long side <= `analysis_size`, EXIF orientation applied,
    transparency over white) and the original image's oriented (w, h)."""
    original = _oriented_size(im)
    if im.format == "JPEG":
        im.draft("L", (config.analysis_size, config.analysis_size))
    if getattr(im, "is_animated", False):
        im.seek(0)
    im.load()
    small = ImageOps.exif_transpose(im) if im.getexif().get(0x0112, 1) != 1 else im
    small = _grey(small)
    if max(small.size) > config.analysis_size:
        small = small.copy()
        small.thumbnail((config.analysis_size, config.analysis_size), Image.Resampling.BILINEAR)
    return _as_array(small), original


def detect_array(grey: np.ndarray, original: tuple[int, int], config: DetectorConfig = DEFAULT) -> Detection:
    """Analyse a greyscale uint8 array that shows an image of `original` (w, h) pixels, reduced."""
    return decide(raw_detections(grey, config), original, config)


@dataclass(frozen=True, slots=True)
class RawDetections:
    """Every candidate box with its evidence, in analysis pixels, before the thresholds apply.
    `decide` turns it into a `Detection`; the benchmark sweeps thresholds over one analysis."""

    size: tuple[int, int]  # (w, h) of the analysed array
    frontal: tuple[tuple[Box, int], ...] = ()  # (box, raw hits)
    profile: tuple[tuple[Box, int], ...] = ()
    persons: tuple[tuple[Box, float], ...] = ()  # (box, HOG score)


def raw_detections(grey: np.ndarray, config: DetectorConfig = DEFAULT) -> RawDetections:
    """Run the models of `config`, keeping candidates at its thresholds (lower ones keep more)."""
    import cv2

    import numpy as np

    models = _models_for(config)
    h, w = grey.shape[:2]
    grey = cv2.equalizeHist(grey)
    side = max(20, int(max(w, h) * config.min_face_fraction))

    def cascade(model: Any, img: np.ndarray, neighbors: int) -> list[tuple[Box, int]]:
        found, hits = model.detectMultiScale2(img, config.scale_factor, neighbors, minSize=(side, side))
        return [(b, int(n)) for b, n in zip(_boxes(found), np.ravel(hits))]

    frontal = cascade(models.frontal, grey, config.frontal_neighbors) if models.frontal is not None else []
    profile: list[tuple[Box, int]] = []
    if models.profile is not None:
        profile = cascade(models.profile, grey, config.profile_neighbors)
        for (x, y, bw, bh), n in cascade(models.profile, cv2.flip(grey, 1), config.profile_neighbors):
            profile.append(((w - x - bw, y, bw, bh), n))
    persons = _people(models.hog, grey, config) if models.hog is not None else []
    return RawDetections((w, h), tuple(frontal), tuple(profile), tuple(persons))


def decide(raw: RawDetections, original: tuple[int, int], config: DetectorConfig = DEFAULT) -> Detection:
    """Apply `config`'s thresholds to candidates and scale the kept boxes to the original image."""
    faces: list[Box] = []
    if config.frontal:
        faces += [b for b, n in raw.frontal if n > config.frontal_neighbors]
    if config.profile:
        faces += [b for b, n in raw.profile if n > config.profile_neighbors]
    persons: list[Box] = []
    if config.person_min_weight is not None:
        persons = [b for b, weight in raw.persons if weight >= config.person_min_weight]
    sx, sy = original[0] / raw.size[0], original[1] / raw.size[1]
    return Detection(
        faces=tuple(_scale(b, sx, sy, original) for b in _merge(faces)),
        persons=tuple(_scale(b, sx, sy, original) for b in _merge(persons)),
        size=original,
    )


def _people(hog: Any, grey: np.ndarray, config: DetectorConfig) -> list[tuple[Box, float]]:
    import cv2
    import numpy as np

    h, w = grey.shape[:2]
    factor = min(1.0, config.person_size / max(w, h))
    img = grey if factor >= 1.0 else cv2.resize(grey, (max(1, int(w * factor)), max(1, int(h * factor))),
                                                interpolation=cv2.INTER_AREA)
    if img.shape[0] < 128 or img.shape[1] < 64:
        return []  # smaller than the detector's window: no person it could find
    rects, weights = hog.detectMultiScale(img, winStride=(8, 8), padding=(8, 8), scale=1.05)
    return [
        ((int(x / factor), int(y / factor), int(bw / factor), int(bh / factor)), float(weight))
        for (x, y, bw, bh), weight in zip(rects, np.ravel(weights))
    ]


def _boxes(found: Any) -> list[Box]:
    return [(int(x), int(y), int(w), int(h)) for x, y, w, h in found] if len(found) else []


def _merge(boxes: Sequence[Box]) -> list[Box]:
    """Drop boxes that mostly overlap a bigger one: two cascades often find the same face."""
    kept: list[Box] = []
    for box in sorted(boxes, key=lambda b: -b[2] * b[3]):
        if all(_overlap(box, k) < 0.5 for k in kept):
            kept.append(box)
    return sorted(kept)


def _overlap(a: Box, b: Box) -> float:
    """Intersection over the smaller box's area."""
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x2 - x1) * max(0, y2 - y1)
    smaller = min(a[2] * a[3], b[2] * b[3]) or 1
    return inter / smaller


def _scale(box: Box, sx: float, sy: float, original: tuple[int, int]) -> Box:
    x, y = max(0, round(box[0] * sx)), max(0, round(box[1] * sy))
    w = min(original[0] - x, round(box[2] * sx))
    h = min(original[1] - y, round(box[3] * sy))
    return (x, y, max(1, w), max(1, h))


def _oriented_size(im: Image.Image) -> tuple[int, int]:
    """Size of the image as shown: EXIF orientations 5-8 swap width and height."""
    w, h = im.size
    try:
        orientation = im.getexif().get(0x0112, 1)
    except Exception:  # noqa: BLE001 - broken EXIF: show it as stored
        orientation = 1
    return (h, w) if orientation in (5, 6, 7, 8) else (w, h)


def _grey(im: Image.Image) -> Image.Image:
    if im.mode == "L":
        return im
    if im.mode.startswith("I;16") or im.mode in ("I", "F"):
        low, high = cast("tuple[float, float]", im.getextrema())
        span = (high - low) or 1
        return im.convert("F").point(lambda v: (v - low) * 255.0 / span).convert("L")
    if im.mode in ("RGBA", "LA", "PA", "P"):
        rgba = im.convert("RGBA")
        backdrop = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(backdrop, rgba).convert("L")
    return im.convert("L")


def _as_array(im: Image.Image) -> np.ndarray:
    import numpy as np

    return np.asarray(im, dtype=np.uint8)


__all__ = [
    "DEFAULT",
    "DETECTOR_VERSION",
    "Detection",
    "DetectorConfig",
    "RawDetections",
    "detect_array",
    "detect_file",
    "detect_image",
    "decide",
    "models_available",
    "prepare",
    "raw_detections",
]
