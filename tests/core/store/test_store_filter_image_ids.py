"""`ImageFilter(image_ids=...)`: the grid shows exactly a computed set of images (an evaluation's
confusion cell, a model's disagreements), combined with the other criteria, at any set size."""

from __future__ import annotations

from pathlib import Path

from studio.core.models import ImageFilter
from studio.core.store.project_store import FileRecord, ProjectStore


def _store(tmp_path: Path, n: int) -> ProjectStore:
    folder = tmp_path / "images"
    folder.mkdir()
    store = ProjectStore.create(tmp_path / "p.studio", [folder])
    root = store.roots()[0]
    store.upsert_files(root.id, [FileRecord(f"img{i:05}.jpg", 100 + i, 1, f"fp{i}") for i in range(n)])
    return store


def test_only_the_given_images_in_display_order(tmp_path):
    with _store(tmp_path, 6) as store:
        ids = store.image_ids()
        chosen = frozenset({ids[4], ids[1]})
        assert store.image_ids(ImageFilter(image_ids=chosen)) == [ids[1], ids[4]]
        assert store.count(ImageFilter(image_ids=frozenset())) == 0
        cat = store.add_class("cat")
        store.set_label([ids[4]], cat.id)
        assert store.image_ids(ImageFilter(image_ids=chosen, class_id=cat.id)) == [ids[4]]


def test_large_sets_pass_the_sqlite_variable_limit(tmp_path):
    with _store(tmp_path, 40_000) as store:
        ids = store.image_ids()
        every_other = frozenset(ids[::2])
        assert store.count(ImageFilter(image_ids=every_other)) == 20_000
