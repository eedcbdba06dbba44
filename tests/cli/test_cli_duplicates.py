"""`studio-cli duplicates` and the duplicate-aware export, as a user runs them: real files, real SQLite."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from studio.cli.main import main


def natural(seed: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """A photo-like image: soft shapes and gradients over fine grain (structure at every scale)."""
    rng = random.Random(seed)
    im = Image.linear_gradient("L").resize(size).rotate(rng.randrange(360)).convert("RGB")
    draw = ImageDraw.Draw(im)
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        r = rng.randrange(15, 90)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
    im = im.filter(ImageFilter.GaussianBlur(6))
    grain = Image.frombytes("L", size, rng.randbytes(size[0] * size[1])).convert("RGB")
    return Image.blend(im, grain, 0.08)


def copies(im: Image.Image) -> dict[str, Image.Image]:
    """The edits users make to a photo that should still count as the same picture."""
    w, h = im.size
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=70)
    return {
        "resized": im.resize((int(w * 0.8), int(h * 0.8)), Image.Resampling.LANCZOS),
        "q70": Image.open(io.BytesIO(buf.getvalue())).convert("RGB"),
        "cropped": im.crop((int(w * 0.02), int(h * 0.02), w - int(w * 0.02), h - int(h * 0.02))),
        "brighter": ImageEnhance.Brightness(im).enhance(1.05),
    }


def run(capsys, *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def project(tmp_path: Path, capsys) -> Path:
    folder = tmp_path / "photos"
    for cls, base in (("oak", 0), ("pine", 100)):
        (folder / cls).mkdir(parents=True)
        for i in range(12):
            natural(base + i).save(folder / cls / f"{cls}{i:02d}.jpg", "JPEG", quality=92)
    # oak00 has four edited copies, pine03 a byte-identical copy, and pine05 a copy filed under oak.
    original = Image.open(folder / "oak" / "oak00.jpg").convert("RGB")
    for name, im in copies(original).items():
        im.save(folder / "oak" / f"oak00-{name}.jpg", "JPEG", quality=92)
    (folder / "pine" / "pine03-copy.jpg").write_bytes((folder / "pine" / "pine03.jpg").read_bytes())
    Image.open(folder / "pine" / "pine05.jpg").convert("RGB").resize((256, 192)).save(folder / "oak" / "stray.jpg")
    path = tmp_path / "trees.studio"
    assert run(capsys, "new", path, folder)[0] == 0
    assert run(capsys, "import-labels", path, "--folders")[0] == 0
    return path


def test_duplicates_json_lists_every_copy_with_labels_and_distances(project: Path, capsys) -> None:
    code, out, err = run(capsys, "duplicates", project, "--json")
    assert code == 0, err
    groups = json.loads(out)["groups"]
    as_sets = [set(g["images"]) for g in groups]
    assert {"oak/oak00.jpg", "oak/oak00-resized.jpg", "oak/oak00-q70.jpg", "oak/oak00-cropped.jpg",
            "oak/oak00-brighter.jpg"} in as_sets
    assert {"pine/pine03.jpg", "pine/pine03-copy.jpg"} in as_sets
    assert {"pine/pine05.jpg", "oak/stray.jpg"} in as_sets
    assert len(groups) == 3  # no unrelated photo grouped
    stray = next(g for g in groups if "oak/stray.jpg" in g["images"])
    assert dict(zip(stray["images"], stray["labels"])) == {"pine/pine05.jpg": "pine", "oak/stray.jpg": "oak"}
    assert groups[0] is stray  # groups with different labels come first
    exact = next(g for g in groups if "pine/pine03-copy.jpg" in g["images"])
    assert exact["max_distance"] == 0
    edited = next(g for g in groups if "oak/oak00.jpg" in g["images"])
    assert 0 < edited["max_distance"] <= 8

    code, out, _ = run(capsys, "duplicates", project, "--threshold", "0", "--json")
    strict = [set(g["images"]) for g in json.loads(out)["groups"]]
    assert {"pine/pine03.jpg", "pine/pine03-copy.jpg"} in strict  # byte-identical: grouped at any threshold
    assert sum(map(len, strict)) < sum(map(len, as_sets))  # the edited copies mostly differ in a few bits
    code, _, err = run(capsys, "duplicates", project, "--threshold", "99")
    assert code == 2 and "between 0 and 20" in err


def test_export_keeps_each_duplicate_group_in_one_split_and_can_drop_exact_copies(project: Path, tmp_path: Path,
                                                                                   capsys) -> None:
    code, _, err = run(capsys, "export", project, tmp_path / "out", "--val", "0.2", "--test", "0.3", "--workers", "0",
                       "--json")
    assert code == 0, err
    manifest = [json.loads(line) for line in (tmp_path / "out" / "manifest.jsonl").read_text().splitlines()]
    split_of = {m["rel_path"]: m["file"] for m in manifest}
    group = ["oak/oak00.jpg", "oak/oak00-resized.jpg", "oak/oak00-q70.jpg", "oak/oak00-cropped.jpg",
             "oak/oak00-brighter.jpg"]
    assert len({split_of[p] for p in group}) == 1
    assert split_of["pine/pine03.jpg"] == split_of["pine/pine03-copy.jpg"]
    assert split_of["pine/pine05.jpg"] == split_of["oak/stray.jpg"]
    assert (tmp_path / "out" / "test.jsonl").exists()

    code, out, err = run(capsys, "export", project, tmp_path / "dedup", "--drop-exact-duplicates", "--workers", "0",
                         "--json")
    assert code == 0, err
    report = json.loads(out)
    dropped = [s["rel_path"] for s in report["skipped"] if "Byte-identical copy" in s["reason"]]
    assert dropped == ["pine/pine03.jpg"]  # the first by path is kept: "pine03-copy.jpg" sorts first
