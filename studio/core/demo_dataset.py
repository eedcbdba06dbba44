"""A small generated dataset and project that ships with the app, so a new user can try everything.

Generated instead of bundled: a few lines of drawing code are smaller than 60 image files, and they
produce exactly the cases a new user should meet — three classes to label, some images already
labeled so the fine-tune flow can start soon, one image for each common reason the service would
reject a file (CMYK, grayscale, truncated, GIF, animated WEBP), photos of people the service's
moderation would skip, near-duplicate copies of a few shots (one of them filed under another class)
for the Duplicates view, and a held-out test split with three label mistakes planted in it, so that
evaluating a model shows them under "model disagrees with label". Output is deterministic: the same
bytes and the same project every time, so screenshots and tests are stable.
"""

from __future__ import annotations

import io
import math
import os
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from studio.core.models import PROJECT_SUFFIX
from studio.resource_paths import resource_path
from studio.core.splits.project_splits import refresh_splits, set_split_fractions
from studio.core.splits.quotas import Split
from studio.core.store.project_store import ProjectStore
from studio.core.tasks import CancelToken, no_progress

DEMO_CLASSES: tuple[str, ...] = ("circle", "square", "triangle")
DEMO_PROJECT_NAME = "Demo shapes" + PROJECT_SUFFIX
DEMO_IMAGES_DIR = "demo-shapes"
PER_CLASS = 18
PRELABELED_PER_CLASS = 10  # enough for the service's minimum, so a demo fine-tune can start at once
_SIZE = (320, 240)
_SEED = 20240806
# (path in the demo folder, file in resources/demo/people, the class it was labeled with)
PEOPLE_PHOTOS: tuple[tuple[str, str, str], ...] = (
    ("field_a/shot_014_site_visit.jpg", "astronaut.jpg", "circle"),
    ("field_b/shot_033_crew_portrait.jpg", "astronaut-portrait.jpg", "square"),
    ("field_b/shot_047_photographer.jpg", "cameraman.jpg", "triangle"),
)
# Copies of demo shots that a real folder collects (a forwarded copy, an export, an edit), each one of
# the edits the Duplicates view must catch at its default threshold (the measured distances are 0-3
# bits, unrelated demo images are 16 or more apart):
# (path of the copy, the shot it copies, the edit, the class it was labeled with or None).
# shot_012's brightened copy is filed under "square": the group with mixed labels.
DUPLICATES: tuple[tuple[str, str, str, str | None], ...] = (
    ("field_b/shot_005_copy.jpg", "field_a/shot_005.jpg", "exact", None),
    ("field_b/exports/shot_046_small.jpg", "field_b/shot_046.jpg", "resized", "circle"),
    ("field_b/exports/shot_046_q70.jpg", "field_b/shot_046.jpg", "jpeg70", None),
    ("field_b/shot_012_brighter.jpg", "field_a/shot_012.jpg", "brighter", "square"),
    ("field_b/exports/shot_034_cropped.jpg", "field_b/shot_034.jpg", "cropped", None),
)
_EDIT_NOTES = {
    "exact": "byte-identical copy", "resized": "copy resized to 80 %", "jpeg70": "copy re-encoded as JPEG q70",
    "brighter": "copy brightened by 5 %", "cropped": "copy cropped by 2 %",
}
# The demo's shares: 30 % test is enough test images for the verdict of a tuned-vs-base comparison to
# be clear (see the README's evaluation section), 20 % validation shows the validation curve.
DEMO_VAL_FRACTION = 0.2
DEMO_TEST_FRACTION = 0.3
# Where the demo records which test images it labeled wrongly on purpose (rel paths).
SETTING_PLANTED = "demo.planted_mistakes"
# Fixed timestamps so two generations produce identical files and identical project rows.
_MTIME_S = 1_717_200_000


@dataclass(frozen=True, slots=True)
class DemoImage:
    rel_path: str
    shape: str | None  # the class it shows; None for files that are there to be flagged
    note: str = ""


def _background(rng: random.Random) -> Image.Image:
    """A noisy two-tone texture so thumbnails look like photos rather than flat test cards."""
    base = tuple(rng.randint(60, 200) for _ in range(3))
    img = Image.new("RGB", _SIZE, base)
    draw = ImageDraw.Draw(img)
    for _ in range(40):
        x, y = rng.randrange(_SIZE[0]), rng.randrange(_SIZE[1])
        r = rng.randint(8, 40)
        shade = tuple(max(0, min(255, c + rng.randint(-35, 35))) for c in base)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=shade)
    return img.filter(ImageFilter.GaussianBlur(3))


def _draw_shape(img: Image.Image, shape: str, rng: random.Random) -> None:
    draw = ImageDraw.Draw(img)
    w, h = img.size
    cx, cy = w // 2 + rng.randint(-50, 50), h // 2 + rng.randint(-35, 35)
    r = rng.randint(40, 70)
    fill = tuple(rng.randint(0, 255) for _ in range(3))
    outline = tuple(255 - c for c in fill)
    if shape == "circle":
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fill, outline=outline, width=4)
    elif shape == "square":
        angle = rng.uniform(0, math.pi / 2)
        pts = [(cx + r * math.cos(angle + k * math.pi / 2), cy + r * math.sin(angle + k * math.pi / 2)) for k in range(4)]
        draw.polygon(pts, fill=fill, outline=outline, width=4)
    elif shape == "triangle":
        angle = rng.uniform(0, 2 * math.pi)
        pts = [(cx + r * math.cos(angle + k * 2 * math.pi / 3), cy + r * math.sin(angle + k * 2 * math.pi / 3)) for k in range(3)]
        draw.polygon(pts, fill=fill, outline=outline, width=4)
    else:  # pragma: no cover - only DEMO_CLASSES are drawn
        raise ValueError(shape)


def _shape_image(shape: str, rng: random.Random) -> Image.Image:
    img = _background(rng)
    _draw_shape(img, shape, rng)
    return img


def _jpeg_bytes(img: Image.Image, **kw: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=88, **kw)
    return buf.getvalue()


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (_MTIME_S, _MTIME_S))


def generate_demo_images(folder: Path | str) -> list[DemoImage]:
    """Write the demo images into `folder` (created if needed); returns what was written."""
    folder = Path(folder)
    rng = random.Random(_SEED)
    written: list[DemoImage] = []
    # Two "field trips" with the classes mixed, so the folder filter and the labeling both matter.
    for index in range(PER_CLASS * len(DEMO_CLASSES)):
        shape = DEMO_CLASSES[index % len(DEMO_CLASSES)]
        trip = "field_a" if index < PER_CLASS * len(DEMO_CLASSES) // 2 else "field_b"
        rel = f"{trip}/shot_{index + 1:03d}.jpg"
        _write(folder / rel, _jpeg_bytes(_shape_image(shape, rng)))
        written.append(DemoImage(rel, shape))

    def flagged(rel: str, data: bytes, note: str, shape: str | None = None) -> None:
        _write(folder / rel, data)
        written.append(DemoImage(rel, shape, note))

    # Problem files sit among the good ones, as they do in real folders, so the first screen shows some.
    cmyk = _shape_image("circle", rng).convert("CMYK")
    flagged("field_a/shot_002_print_scan.jpg", _jpeg_bytes(cmyk), "CMYK JPEG: colour mode", "circle")

    gray = io.BytesIO()
    _shape_image("square", rng).convert("L").save(gray, "PNG")
    flagged("field_a/shot_006_xray.png", gray.getvalue(), "grayscale PNG: colour mode", "square")

    full = _jpeg_bytes(_shape_image("triangle", rng))
    flagged("field_a/shot_011_upload_cut_off.jpg", full[: len(full) // 2], "truncated JPEG: damaged", "triangle")

    gif = io.BytesIO()
    _shape_image("circle", rng).convert("P", palette=Image.Palette.ADAPTIVE).save(gif, "GIF")
    flagged("field_b/shot_030_old_export.gif", gif.getvalue(), "GIF: format", "circle")

    frames = [_shape_image("square", rng) for _ in range(3)]
    anim = io.BytesIO()
    frames[0].save(anim, "WEBP", save_all=True, append_images=frames[1:], duration=200, loop=0, quality=80)
    flagged("field_b/shot_041_phone_burst.webp", anim.getvalue(), "animated WEBP: animated", "square")

    # Real photos of people (public-domain/CC0 samples, see resources/demo/people/README.md) that slipped
    # into the field folders and were labeled: they pass every rule, but the service's moderation would
    # skip them, so the moderation warning flags them and the wizard counts them as at risk.
    for rel, name, shape in PEOPLE_PHOTOS:
        flagged(rel, resource_path("demo", "people", name).read_bytes(), "photo of a person: moderation", shape)

    # Copies of some shots: they pass every rule, the Duplicates view groups them with their shot.
    shapes = {item.rel_path: item.shape for item in written}
    for rel, source, edit, _label in DUPLICATES:
        flagged(rel, _edited_copy((folder / source).read_bytes(), edit), f"{_EDIT_NOTES[edit]} of {source}: duplicate",
                shapes[source])
    return written


def _edited_copy(data: bytes, edit: str) -> bytes:
    """The bytes of a copy of an encoded shot after one of the edits people make to their copies."""
    if edit == "exact":
        return data
    with Image.open(io.BytesIO(data)) as original:
        img = original.convert("RGB")
    w, h = img.size
    if edit == "resized":
        img = img.resize((round(w * 0.8), round(h * 0.8)), Image.Resampling.LANCZOS)
    elif edit == "brighter":
        img = ImageEnhance.Brightness(img).enhance(1.05)
    elif edit == "cropped":  # 2 % off each dimension, 1 % from each side
        dx, dy = round(w * 0.01), round(h * 0.01)
        img = img.crop((dx, dy, w - dx, h - dy))
    elif edit != "jpeg70":  # pragma: no cover - only the edits above are listed
        raise ValueError(edit)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=70 if edit == "jpeg70" else 88)
    return buf.getvalue()


def _prelabeled(demo: list[DemoImage], shape: str) -> list[DemoImage]:
    """Every other image of a class (plus one), so labeled and unlabeled images mix on the first screen;
    plus the people photos, which are labeled (that is what puts them at risk in a fine-tune)."""
    mine = [item for item in demo if item.shape == shape and not item.note]
    picked = [item for k, item in enumerate(mine) if k % 2 == 1]
    extra = [item for item in mine if item not in picked]
    people = [item for item in demo if item.shape == shape and item.note.endswith(": moderation")]
    return (picked + extra)[:PRELABELED_PER_CLASS] + people


def _duplicate_labels() -> dict[str, str]:
    """The copies that came labeled: rel path -> class (one of them under the wrong class)."""
    return {rel: label for rel, _source, _edit, label in DUPLICATES if label}


def _plant_label_mistakes(store: ProjectStore, demo: list[DemoImage]) -> list[str]:
    """Label one test image of each shape as the next shape (circle -> square -> triangle -> circle).

    Chosen from the test split as the split rules drew it (not from fixed names: the split follows
    the images' content fingerprints, which depend on the JPEG encoder), among plain shots that have
    no copies, the last by path, so they wait to be found rather than open the first screen. The
    mistakes go round the classes, so every class keeps its size and its quotas, and the split does
    not move: test images never leave test on their own. Returns their rel paths.
    """
    copied = {source for _rel, source, _edit, _label in DUPLICATES}
    shapes = {item.rel_path: item.shape for item in demo if item.shape and not item.note and item.rel_path not in copied}
    rows = {row.id: row for row in store.iter_images()}
    test = sorted(rows[i].rel_path for i, split in refresh_splits(store).by_image.items()
                  if split is Split.TEST and rows[i].rel_path in shapes)
    class_ids = {c.name: c.id for c in store.classes()}
    ids_by_path = {row.rel_path: row.id for row in rows.values()}
    planted: list[str] = []
    for k, shape in enumerate(DEMO_CLASSES):
        rel = next((r for r in reversed(test) if shapes[r] == shape), None)
        if rel is None:  # pragma: no cover - the demo's quotas give every class test images
            continue
        wrong = DEMO_CLASSES[(k + 1) % len(DEMO_CLASSES)]
        store.set_label([ids_by_path[rel]], class_ids[wrong], source="demo")
        planted.append(rel)
    refresh_splits(store)
    store.set_setting(SETTING_PLANTED, planted)
    return planted


def planted_mistakes(store: ProjectStore) -> list[str]:
    """The rel paths of the demo's deliberately wrong labels ([] for any other project)."""
    return list(store.get_setting(SETTING_PLANTED, []) or [])


def create_demo_project(
    project_path: Path | str,
    images_dir: Path | str,
    *,
    cancel: CancelToken | None = None,
) -> Path:
    """Generate the images, create the project, scan and check it, pre-label some images, draw the
    splits at the demo's shares and plant the label mistakes in the test split."""
    from studio.core.scan.project_scan import scan_project  # deferred: pulls in the checkers

    project_path, images_dir = Path(project_path), Path(images_dir)
    demo = generate_demo_images(images_dir)
    store = ProjectStore.create(project_path, [images_dir])
    try:
        scan_project(store, deep=True, progress=no_progress, cancel=cancel or CancelToken())
        for name in DEMO_CLASSES:
            store.add_class(name)
        class_ids = {c.name: c.id for c in store.classes()}
        ids_by_path = {row.rel_path: row.id for row in store.iter_images()}
        for shape in DEMO_CLASSES:
            ids = [ids_by_path[i.rel_path] for i in _prelabeled(demo, shape) if i.rel_path in ids_by_path]
            store.set_label(ids, class_ids[shape], source="demo")
        for rel, label in _duplicate_labels().items():
            if rel in ids_by_path:
                store.set_label([ids_by_path[rel]], class_ids[label], source="demo")
        set_split_fractions(store, DEMO_VAL_FRACTION, DEMO_TEST_FRACTION)
        _plant_label_mistakes(store, demo)
        store.set_setting("demo", True)
    finally:
        store.close()
    return project_path


def ensure_demo_project(base_dir: Path | str) -> Path:
    """The demo project under `base_dir`, created on first use and reused afterwards."""
    base_dir = Path(base_dir)
    base_dir.mkdir(parents=True, exist_ok=True)
    project = base_dir / DEMO_PROJECT_NAME
    if project.is_file():
        return project
    return create_demo_project(project, base_dir / DEMO_IMAGES_DIR)
