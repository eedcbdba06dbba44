"""Label import/export: previews say exactly what an import would do, and applying it does exactly that."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from studio.core import label_io
from studio.core.errors import StudioError
from studio.core.models import ImageFilter
from studio.core.store.project_store import FileRecord, ProjectStore


@pytest.fixture()
def store(tmp_path: Path) -> ProjectStore:
    folder = tmp_path / "imgs"
    folder.mkdir()
    s = ProjectStore.create(tmp_path / "p.studio", [folder])
    s.upsert_files(
        s.roots()[0].id,
        [
            FileRecord("cats/c1.jpg", 1, 1, "a"),
            FileRecord("cats/c2.jpg", 1, 1, "b"),
            FileRecord("dogs/d1.jpg", 1, 1, "c"),
            FileRecord("loose.jpg", 1, 1, "d"),
        ],
    )
    yield s
    s.close()


def _ids(store: ProjectStore) -> dict[str, int]:
    return {row.rel_path: row.id for row in store.iter_images(ImageFilter())}


def test_csv_plan_previews_without_changing_then_applies(store, tmp_path):
    dog = store.add_class("dog")
    ids = _ids(store)
    store.set_label([ids["cats/c1.jpg"]], dog.id)
    src = tmp_path / "labels.csv"
    src.write_text(
        'file,label\ncats/c1.jpg,cat\n./cats/c2.jpg,"cat"\nd1.jpg,dog\nmissing.jpg,cat\n'
        'loose.jpg,"tabby, ""striped"" 猫"\n',
        encoding="utf-8",
    )
    plan = label_io.plan_csv_import(store, src)
    assert plan.new_classes == ["cat", 'tabby, "striped" 猫']
    assert (plan.added, plan.changed, plan.unchanged) == (3, 1, 0)
    assert plan.unknown_paths == ["missing.jpg"]
    assert store.class_by_name("cat") is None  # a plan changes nothing
    assert store.image(ids["cats/c1.jpg"]).class_id == dog.id

    change = label_io.apply_import(store, plan)
    names = {c.id: c.name for c in store.classes()}
    labels = {row.rel_path: names.get(row.class_id) for row in store.iter_images(ImageFilter())}
    assert labels == {
        "cats/c1.jpg": "cat",
        "cats/c2.jpg": "cat",
        "dogs/d1.jpg": "dog",
        "loose.jpg": 'tabby, "striped" 猫',
    }
    store.apply_labels(change.before)  # the whole import undoes as one step
    assert store.image(ids["cats/c1.jpg"]).class_id == dog.id
    assert store.count(ImageFilter(unlabeled=True)) == 3


def test_folder_import_uses_parent_folder_names(store):
    plan = label_io.plan_folder_import(store)
    assert sorted(plan.new_classes) == ["cats", "dogs"]
    label_io.apply_import(store, plan)
    assert store.status().per_class == {"cats": 2, "dogs": 1}
    assert store.status().unlabeled == 1


def test_export_round_trips(store, tmp_path):
    plan = label_io.plan_folder_import(store)
    label_io.apply_import(store, plan)
    out = tmp_path / "out.csv"
    assert label_io.export_csv(store, out) == 3
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {r["path"]: r["label"] for r in rows} == {
        "cats/c1.jpg": "cats", "cats/c2.jpg": "cats", "dogs/d1.jpg": "dogs",
    }
    again = label_io.plan_csv_import(store, out)
    assert again.total_changes == 0 and again.unchanged == 3


def test_bad_csv_files_give_clear_errors(store, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(StudioError, match="empty"):
        label_io.plan_csv_import(store, empty)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(StudioError, match="header"):
        label_io.plan_csv_import(store, wrong)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("path,label\nloose.jpg,caf\xe9\n".encode("latin-1"))
    with pytest.raises(StudioError, match="UTF-8"):
        label_io.plan_csv_import(store, latin)
    with pytest.raises(StudioError, match="Cannot read"):
        label_io.plan_csv_import(store, tmp_path / "absent.csv")


def test_headerless_two_column_csv_is_accepted(store, tmp_path):
    src = tmp_path / "plain.csv"
    src.write_text("cats/c1.jpg,cat\nloose.jpg,dog\n")
    plan = label_io.plan_csv_import(store, src)
    assert plan.added == 2 and plan.new_classes == ["cat", "dog"]
