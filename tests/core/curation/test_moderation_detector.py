"""The face/person detector on real photos (the demo's people photos, from scikit-image's samples)
and on generated images without people: verdicts, boxes in original pixels, EXIF orientation."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from studio.core.curation.moderation import Detection, detect_file, models_available
from studio.resource_paths import resource_path

PEOPLE = resource_path("demo", "people")
# Where Eileen Collins's face is in astronaut.jpg (512x512), measured once by eye on the photo.
FACE = (177, 66, 95, 95)


def _overlap(a, b) -> float:
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x2 - x1) * max(0, y2 - y1)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def test_models_ship_with_the_installed_opencv():
    assert models_available() is None


def test_face_in_a_real_photo_is_found_with_its_box():
    d = detect_file(PEOPLE / "astronaut.jpg")
    assert d.likely_skipped == "face"
    assert any(_overlap(box, FACE) > 0.6 for box in d.faces), d.faces
    assert d.boxes == [list(b) for b in d.faces]


def test_boxes_are_in_original_pixels_of_a_large_image(tmp_path):
    big = tmp_path / "big.jpg"
    Image.open(PEOPLE / "astronaut.jpg").resize((2048, 2048), Image.Resampling.BICUBIC).save(big, quality=90)
    d = detect_file(big)
    scaled = tuple(v * 4 for v in FACE)
    assert d.likely_skipped == "face"
    assert any(_overlap(box, scaled) > 0.5 for box in d.faces), d.faces
    assert all(x + w <= 2048 and y + h <= 2048 for x, y, w, h in d.faces)


def test_boxes_follow_the_exif_orientation(tmp_path):
    """Stored sideways with orientation 6 ("rotate 90 clockwise to show"): boxes are where a viewer
    shows the face, in the shown image's coordinates, not the stored pixels'."""
    shown = Image.open(PEOPLE / "astronaut.jpg").crop((0, 0, 512, 400))  # not square: axes matter
    stored = shown.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "sideways.jpg"
    stored.save(path, quality=92, exif=exif)
    assert Image.open(path).size == (400, 512)
    d = detect_file(path)
    assert d.likely_skipped == "face"
    assert any(_overlap(box, FACE) > 0.5 for box in d.faces), d.faces


def _no_people(path: Path, seed: int) -> Path:
    im = Image.effect_noise((640, 480), 40).convert("RGB")
    draw = ImageDraw.Draw(im)
    for k in range(6):
        x, y = 60 + 90 * k, 100 + (seed * 37 + k * 53) % 200
        draw.ellipse((x, y, x + 70, y + 70), fill=(40 * k % 255, 120, 200 - 30 * k))
    im.save(path, quality=90)
    return path


def test_images_without_people_are_not_flagged(tmp_path):
    results = [detect_file(_no_people(tmp_path / f"n{i}.jpg", i)) for i in range(3)]
    assert all(r.likely_skipped is None and r.boxes == [] for r in results), results


@pytest.mark.parametrize("mode", ["RGBA", "L", "P", "I;16"])
def test_other_modes_are_analysed(tmp_path, mode):
    src = Image.open(PEOPLE / "astronaut.jpg")
    im = src.convert("L").convert("I;16") if mode == "I;16" else src.convert(mode)
    path = tmp_path / "face.png"
    im.save(path)
    assert detect_file(path).likely_skipped == "face"


def test_a_broken_file_gives_an_error_not_an_exception(tmp_path):
    path = tmp_path / "broken.jpg"
    path.write_bytes((PEOPLE / "astronaut.jpg").read_bytes()[:300])
    d = detect_file(path)
    assert d.error and d.likely_skipped is None and d.boxes == []


def test_face_wins_over_person():
    d = Detection(faces=((1, 2, 3, 4),), persons=((5, 6, 7, 8),))
    assert d.likely_skipped == "face" and d.boxes == [[1, 2, 3, 4]]
    assert Detection(persons=((5, 6, 7, 8),)).likely_skipped == "person"


def test_every_people_photo_of_the_demo_passes_the_rules_and_is_flagged():
    """The demo promises that its people photos are flagged before upload: each must pass the rule
    checks (a rule verdict hides the moderation warning) and be found by the detector."""
    from studio.core.checks.image_check import check_deep
    from studio.core.demo_dataset import PEOPLE_PHOTOS

    for _rel, name, _label in PEOPLE_PHOTOS:
        path = PEOPLE / name
        assert check_deep(path)[0].ok, name
        assert detect_file(path).likely_skipped == "face", name
