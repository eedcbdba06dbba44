"""Stored splits on real project files: exact counts, sticky across rescans, moves, renames, additions,
fraction changes and re-exports; test.jsonl from the stored test split; scored images held."""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from studio.core.evaluation.records import EvalAnswer, EvalRunSpec
from studio.core.export.manifest import read_manifest
from studio.core.export.project_export import export_project
from studio.core.export.records import ExportOptions
from studio.core.models import ImageFilter
from studio.core.scan.project_scan import scan_project
from studio.core.splits.project_splits import refresh_splits, set_split_fractions, split_settings
from studio.core.splits.quotas import Split
from studio.core.store.evaluations import EvaluationRepository
from studio.core.store.project_store import ProjectStore

FAST = ExportOptions(workers=0)


def photo(path: Path, seed: int, size: tuple[int, int] = (96, 72)) -> Path:
    """A small JPEG whose content depends on `seed` (so every file has its own fingerprint)."""
    rng = random.Random(seed)
    im = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    for _ in range(6):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        im.paste(tuple(rng.randrange(256) for _ in range(3)), (x, y, x + 20, y + 15))
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path, "JPEG", quality=90)
    return path


@pytest.fixture
def project(tmp_path: Path):
    folder = tmp_path / "photos"
    for i in range(15):
        photo(folder / "cat" / f"c{i:02d}.jpg", 1000 + i)
        photo(folder / "dog" / f"d{i:02d}.jpg", 2000 + i)
    store = ProjectStore.create(tmp_path / "p.studio", [folder])
    scan_project(store)
    label_by_folder(store)
    set_split_fractions(store, 0.2, 0.2)
    yield store, folder
    store.close()


def label_by_folder(store: ProjectStore) -> None:
    classes = {c.name: c for c in store.classes()}
    for row in store.iter_images(ImageFilter()):
        name = row.rel_path.split("/")[0]
        if name not in classes:
            classes[name] = store.add_class(name)
        if row.class_id is None:
            store.set_label([row.id], classes[name].id)


def splits_by_content(store: ProjectStore) -> dict[str, str]:
    """sha256 of the file -> split, i.e. keyed by what the image is, not where it lives."""
    result = refresh_splits(store, persist=False)
    out = {}
    for row in store.images(list(result.by_image)):
        out[hashlib.sha256(Path(row.abs_path).read_bytes()).hexdigest()] = result.by_image[row.id].value
    return out


def lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0


def test_export_writes_exact_per_class_counts_and_test_jsonl_that_is_never_uploaded(project, tmp_path):
    store, _ = project
    report = export_project(store, tmp_path / "out", FAST)
    assert report.per_class["cat"] == {"train": 9, "validation": 3, "test": 3}
    assert report.per_class["dog"] == {"train": 9, "validation": 3, "test": 3}
    assert lines(tmp_path / "out" / "test.jsonl") == 6
    manifest = read_manifest(tmp_path / "out" / "manifest.jsonl")
    stored = refresh_splits(store, persist=False).by_image
    files = {"train": "train.jsonl", "validation": "validation.jsonl", "test": "test.jsonl"}
    for entry in manifest.entries:
        assert entry.file == files[stored[entry.image_id].value]
    again = export_project(store, tmp_path / "again", FAST)
    for name in ("train.jsonl", "validation.jsonl", "test.jsonl"):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "again" / name).read_bytes()
    assert again.per_class == report.per_class


def test_splits_survive_rescans_moves_and_renames(project):
    store, folder = project
    before = splits_by_content(store)
    (folder / "cat" / "c03.jpg").rename(folder / "cat" / "renamed.jpg")
    (folder / "elsewhere").mkdir()
    (folder / "dog" / "d07.jpg").rename(folder / "elsewhere" / "moved.jpg")
    scan_project(store)
    assert splits_by_content(store) == before


def test_added_images_fill_quotas_first_and_removed_ones_never_empty_test(project):
    store, folder = project
    before = {i: s for i, s in refresh_splits(store).by_image.items()}
    for i in range(5):
        photo(folder / "cat" / f"new{i}.jpg", 5000 + i)
    scan_project(store)
    label_by_folder(store)
    now = refresh_splits(store)
    assert all(now.by_image[i] is s for i, s in before.items())  # 20 cats = 12/4/4 from the new five
    assert now.counts()["cat"] == {"train": 12, "validation": 4, "test": 4}
    assert not now.plan.moves

    # Remove five training cats: test keeps its images (only the user may empty test).
    train_cats = [i for i, s in now.by_image.items() if s is Split.TRAIN
                  and store.image(i).rel_path.startswith("cat/")][:5]
    for i in train_cats:
        Path(store.image(i).abs_path).unlink()
    scan_project(store)
    after = refresh_splits(store)
    test_before = {i for i, s in now.by_image.items() if s is Split.TEST}
    assert test_before <= {i for i, s in after.by_image.items() if s is Split.TEST}
    assert all(m.source is not Split.TEST for m in after.plan.moves)


def test_changing_a_fraction_moves_only_as_many_images_as_needed(project, tmp_path):
    store, _ = project
    first = refresh_splits(store).by_image
    report = export_project(store, tmp_path / "out", ExportOptions(workers=0, test_fraction=0.1))
    assert split_settings(store).test_fraction == 0.1
    assert report.per_class["cat"] == {"train": 10, "validation": 3, "test": 2}  # 15 x 0.1 = 1.5 -> 2
    now = refresh_splits(store).by_image
    moved = [i for i in first if first[i] is not now[i]]
    assert len(moved) == 2  # one test image per class back to train, nothing else
    assert all(first[i] is Split.TEST and now[i] is Split.TRAIN for i in moved)


def test_scored_images_stay_in_test_until_the_user_confirms(project):
    store, _ = project
    first = refresh_splits(store).by_image
    tests = sorted(i for i, s in first.items() if s is Split.TEST)
    repo = EvaluationRepository(store)
    run = repo.create_run(EvalRunSpec(model="gpt-4o-2024-08-06"), {}, tests, [], 16,
                          [c.name for c in store.classes()])
    for i in tests:
        repo.add_answer(EvalAnswer(run, i, "cat", None))

    set_split_fractions(store, 0.2, 0.0)  # the user gives up the test split
    held = refresh_splits(store)
    assert {i for i, s in held.by_image.items() if s is Split.TEST} == set(tests)
    assert {m.identity for m in held.blocked} and len(held.blocked) == len(tests)

    confirmed = refresh_splits(store, confirmed_image_ids=tests)
    assert not [i for i, s in confirmed.by_image.items() if s is Split.TEST]
    assert not confirmed.blocked
    assert refresh_splits(store).by_image == confirmed.by_image  # stored


def test_byte_identical_copies_share_a_split(project):
    store, folder = project
    for i in range(15):
        src = folder / "cat" / f"c{i:02d}.jpg"
        (folder / "cat" / f"copy{i:02d}.jpg").write_bytes(src.read_bytes())
    scan_project(store)
    label_by_folder(store)
    result = refresh_splits(store)
    by_name = {store.image(i).rel_path: s for i, s in result.by_image.items()}
    for i in range(15):
        assert by_name[f"cat/c{i:02d}.jpg"] is by_name[f"cat/copy{i:02d}.jpg"]
    counts = Counter(s for name, s in by_name.items() if name.startswith("cat/"))
    assert counts == {Split.TRAIN: 18, Split.VALIDATION: 6, Split.TEST: 6}


def test_the_preview_of_other_fractions_stores_nothing(project):
    store, _ = project
    first = refresh_splits(store).by_image
    from studio.core.splits.project_splits import SplitSettings

    preview = refresh_splits(store, settings=SplitSettings(0.3, 0.3))
    assert preview.counts()["cat"] != refresh_splits(store).counts()["cat"]
    assert refresh_splits(store).by_image == first
    assert json.loads(json.dumps(preview.totals()))  # plain data for the UI
