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
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from PIL import Image, ImageOps

if TYPE_CHECKING:  # numpy/cv2 are imported on first use: `studio-cli check` without --moderation stays fast
    import numpy as np

Kind = Literal["face", "person"]
Box = tuple[int, int, int, int]

# Bump when the model, the settings or the meaning of a result change: cached results with another
# version are recomputed (see moderation_store).
DETECTOR_VERSION = "opencv-haar-hog-1"
ANALYSIS_SIZE = 640  # long side the image is analysed at


@dataclass(frozen=True, slots=True)
class DetectorConfig:
    """Knobs of the detector. `DEFAULT` is the configuration the benchmark chose; the others exist
    so the benchmark can measure the alternatives with the same code."""

    frontal: tuple[str, ...] = ("haarcascade_frontalface_default.xml",)
    frontal_neighbors: int = 6
    profile: bool = True  # profile cascade, on the image and on its mirror (it only finds one side)
    profile_neighbors: int = 6
    min_face_fraction: float = 1 / 30  # smallest face looked for, as a fraction of the long side
    person: bool = True  # HOG people detector
    person_min_weight: float = 1.0  # HOG SVM score a person box needs
    person_size: int = 480  # long side the HOG pass runs at (it is the slow part)
    analysis_size: int = ANALYSIS_SIZE
    equalize: bool = True


DEFAULT = DetectorConfig()


@dataclass(frozen=True, slots=True)
class Detection:
    """What the detector found in one image. `likely_skipped` is "face" when any face was found
    (face wins), "person" when only people were, None when neither."""

    faces: tuple[Box, ...] = ()
    persons: tuple[Box, ...] = ()
    error: str | None = None  # the image could not be analysed (it also fails the rule checks then)

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
    frontal: list[Any] = field(default_factory=list)
    profile: Any = None
    hog: Any = None


@lru_cache(maxsize=4)
def _models(config: DetectorConfig) -> _Models:
    """Load the cascades once per process (a worker analyses many images with one load)."""
    import cv2

    base = Path(cv2.data.haarcascades)
    models = _Models()
    for name in config.frontal:
        models.frontal.append(_cascade(cv2, base / name))
    if config.profile:
        models.profile = _cascade(cv2, base / "haarcascade_profileface.xml")
    if config.person:
        hog = cv2.HOGDescriptor()
        hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
        models.hog = hog
    return models


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
        _models(DEFAULT)
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
    return detect_array(_as_array(small), original, config)


def detect_array(grey: np.ndarray, original: tuple[int, int], config: DetectorConfig = DEFAULT) -> Detection:
    """Analyse a greyscale uint8 array that shows an image of `original` (w, h) pixels, reduced."""
    import cv2

    models = _models(config)
    h, w = grey.shape[:2]
    scale_x, scale_y = original[0] / w, original[1] / h
    if config.equalize:
        grey = cv2.equalizeHist(grey)
    side = max(20, int(max(w, h) * config.min_face_fraction))
    faces: list[Box] = []
    for cascade in models.frontal:
        faces += _boxes(cascade.detectMultiScale(grey, 1.1, config.frontal_neighbors, minSize=(side, side)))
    if models.profile is not None:
        faces += _boxes(models.profile.detectMultiScale(grey, 1.1, config.profile_neighbors, minSize=(side, side)))
        mirrored = _boxes(
            models.profile.detectMultiScale(cv2.flip(grey, 1), 1.1, config.profile_neighbors, minSize=(side, side))
        )
        faces += [(w - x - bw, y, bw, bh) for x, y, bw, bh in mirrored]
    persons: list[Box] = []
    if models.hog is not None:
        persons = _people(models.hog, grey, config)
    return Detection(
        faces=tuple(_scale(b, scale_x, scale_y, original) for b in _merge(faces)),
        persons=tuple(_scale(b, scale_x, scale_y, original) for b in _merge(persons)),
    )


def _people(hog: Any, grey: np.ndarray, config: DetectorConfig) -> list[Box]:
    import cv2

    h, w = grey.shape[:2]
    factor = min(1.0, config.person_size / max(w, h))
    img = grey if factor >= 1.0 else cv2.resize(grey, (max(1, int(w * factor)), max(1, int(h * factor))),
                                                interpolation=cv2.INTER_AREA)
    if img.shape[0] < 128 or img.shape[1] < 64:
        return []  # smaller than the detector's window: no person it could find
    rects, weights = hog.detectMultiScale(img, winStride=(8, 8), padding=(8, 8), scale=1.05)
    out: list[Box] = []
    for (x, y, bw, bh), weight in zip(rects, list(weights)):
        if float(weight) >= config.person_min_weight:
            out.append((int(x / factor), int(y / factor), int(bw / factor), int(bh / factor)))
    return out


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
        low, high = im.getextrema()
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
    "detect_array",
    "detect_file",
    "detect_image",
    "models_available",
]
