"""The demo project carries what the curation and evaluation features need to show themselves: copies
the Duplicates view groups at its default threshold (and nothing else), a split that keeps each group
together, and label mistakes planted in the test split. Real generated images, real SQLite file, the
real scan and export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.core.curation.perceptual_hash import DEFAULT_THRESHOLD
from studio.core.curation.project_duplicates import find_duplicates
from studio.core.demo_dataset import (
    DEMO_CLASSES,
    DEMO_TEST_FRACTION,
    DEMO_VAL_FRACTION,
    DUPLICATES,
    create_demo_project,
    generate_demo_images,
    planted_mistakes,
)
from studio.core.export.manifest import MANIFEST_NAME
from studio.core.export.project_export import export_project
from studio.core.export.records import ExportOptions
from studio.core.splits.project_splits import refresh_splits, split_settings
from studio.core.store.project_store import ProjectStore


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict[str, str | None]]:
    """A freshly created demo project (shared: the tests copy it before changing it) and each file's shape."""
    folder = tmp_path_factory.mktemp("demo")
    project = create_demo_project(folder / "Demo shapes.studio", folder / "demo-shapes")
    shapes = {d.rel_path: d.shape for d in generate_demo_images(folder / "again")}
    return project, shapes


def _copy_project(demo_project: Path, tmp_path: Path) -> Path:
    """A copy of the project file that still reads the shared demo images (roots are absolute)."""
    target = tmp_path / demo_project.name
    target.write_bytes(demo_project.read_bytes())
    return target


def _label_the_rest(store: ProjectStore, shapes: dict[str, str | None]) -> None:
    """What a new user does before fine-tuning: label every image the demo left unlabeled."""
    ids = {c.name: c.id for c in store.classes()}
    for row in store.iter_images():
        shape = shapes.get(row.rel_path)
        if shape and row.class_id is None:
            store.set_label([row.id], ids[shape])


def _expected_groups() -> set[frozenset[str]]:
    by_source: dict[str, set[str]] = {}
    for copy, source, _edit, _label in DUPLICATES:
        by_source.setdefault(source, {source}).add(copy)
    return {frozenset(g) for g in by_source.values()}


def test_generation_is_deterministic(tmp_path):
    first = generate_demo_images(tmp_path / "a")
    second = generate_demo_images(tmp_path / "b")
    assert first == second
    for item in first:
        assert (tmp_path / "a" / item.rel_path).read_bytes() == (tmp_path / "b" / item.rel_path).read_bytes()


def test_the_default_threshold_groups_exactly_the_demo_copies(demo):
    project, _shapes = demo
    with ProjectStore.open(project) as store:
        groups = find_duplicates(store, DEFAULT_THRESHOLD)
    found = {frozenset(im.rel_path for im in g.images) for g in groups}
    assert found == _expected_groups()  # every copy with its shot, and no unrelated demo images
    assert all(g.max_distance <= DEFAULT_THRESHOLD for g in groups)
    by_members = {frozenset(im.rel_path for im in g.images): g for g in groups}
    exact = by_members[frozenset({"field_a/shot_005.jpg", "field_b/shot_005_copy.jpg"})]
    assert exact.exact and exact.max_distance == 0
    mixed = [g for g in groups if g.mixed_labels]
    assert [sorted(im.label or "" for im in g.images) for g in mixed] == [["square", "triangle"]]
    assert groups[0] is mixed[0]  # the view lists groups with different labels first
    assert any(None in g.labels for g in groups) and any(None not in g.labels for g in groups)


def test_planted_mistakes_are_in_the_test_split_from_the_start(demo):
    project, shapes = demo
    with ProjectStore.open(project) as store:
        planted = planted_mistakes(store)
        settings = split_settings(store)
        splits = refresh_splits(store).by_image
        rows = {r.rel_path: r for r in store.iter_images()}
        names = {c.id: c.name for c in store.classes()}
    assert (settings.val_fraction, settings.test_fraction) == (DEMO_VAL_FRACTION, DEMO_TEST_FRACTION)
    assert len(planted) == 3
    assert sorted(shapes[p] for p in planted) == sorted(DEMO_CLASSES)  # one of each shape...
    for rel in planted:
        label, shape = names[rows[rel].class_id], shapes[rel]
        assert label == DEMO_CLASSES[(DEMO_CLASSES.index(shape) + 1) % 3], rel  # ...labeled as the next one
        assert splits[rows[rel].id].value == "test", rel
    wrong = {rel for rel, r in rows.items()
             if r.class_id and shapes.get(rel) and names[r.class_id] != shapes[rel]}
    mixed_copy = {copy for copy, source, _e, label in DUPLICATES if label and label != shapes[source]}
    assert wrong == set(planted) | mixed_copy  # no other demo label is wrong


def test_after_labeling_everything_and_exporting_no_copy_crosses_the_split(demo, tmp_path):
    project, shapes = demo
    with ProjectStore.open(_copy_project(project, tmp_path)) as store:
        _label_the_rest(store, shapes)
        planted = planted_mistakes(store)
        report = export_project(store, tmp_path / "out", ExportOptions(workers=0))
    entries = [json.loads(line) for line in (tmp_path / "out" / MANIFEST_NAME).read_text("utf-8").splitlines()]
    file_of = {e["rel_path"]: e["file"] for e in entries}
    assert report.examples["test"] >= 18  # 30 % of each class
    held_out = 0
    for group in _expected_groups():
        files = {file_of[rel] for rel in group if rel in file_of}
        assert len(files) == 1, (sorted(group), files)  # the whole group in one split
        assert set(group) <= set(file_of)
        held_out += files != {"train.jsonl"}
    assert held_out >= 1  # at least one group is held out, so the rule has something to keep apart
    for rel in planted:  # the planted mistakes stayed in test through the labeling, with their wrong labels
        assert file_of[rel] == "test.jsonl"
        assert next(e["class_name"] for e in entries if e["rel_path"] == rel) != shapes[rel]
