"""Export and estimate from a real project file (real SQLite, real images)."""

from __future__ import annotations

import json

import pytest

from export_helpers import sha256, write_image
from studio.core.errors import DatasetError
from studio.core.export.jsonl_validator import validate_jsonl
from studio.core.export.manifest import read_manifest
from studio.core.export.project_export import estimate_project, export_project
from studio.core.export.records import ExportOptions
from studio.core.models import CheckResult, Verdict
from studio.core.store.project_store import FileRecord, ProjectStore


@pytest.fixture
def project(tmp_path):
    images = tmp_path / "photos"
    store = ProjectStore.create(tmp_path / "p.studio", [images.mkdir() or images])
    root = store.roots()[0]
    records = []
    for i in range(40):
        cls = "cat" if i % 2 else "dog"
        p = write_image(images / cls / f"{i:03d}.jpg", size=(64, 48))
        check = CheckResult(Verdict.OK, "OK", p.stat().st_size, "JPEG", "RGB", 64, 48, 1, "deep")
        records.append(FileRecord(f"{cls}/{i:03d}.jpg", p.stat().st_size, p.stat().st_mtime_ns, sha256(p), check))
    grey = write_image(images / "grey.png", mode="L", fmt="PNG")
    records.append(FileRecord("grey.png", grey.stat().st_size, grey.stat().st_mtime_ns, sha256(grey),
                              CheckResult(Verdict.MODE, "mode", grey.stat().st_size, "PNG", "L", 64, 48, 1, "deep")))
    ids = store.upsert_files(root.id, records)
    cat, dog = store.add_class("cat"), store.add_class("dog")
    store.add_class("bird")  # no images: still named in the prompt
    for rel, image_id in ids.items():
        if rel.startswith("cat/") or rel == "grey.png":
            store.set_label([image_id], cat.id)
        elif rel.startswith("dog/"):
            store.set_label([image_id], dog.id)
    store.add_class("unused-label-target")
    yield store, ids
    store.close()


def test_export_project_takes_labeled_included_present_images(project, tmp_path):
    store, ids = project
    store.set_excluded([ids["cat/001.jpg"]], True)
    store.mark_missing([ids["dog/000.jpg"]])
    store.set_label([ids["cat/003.jpg"]], None)
    store.set_setting("prompt.system", "Pick one of {classes}.")
    report = export_project(store, tmp_path / "out", ExportOptions(workers=0))
    exported = {e.image_id for e in read_manifest(tmp_path / "out" / "manifest.jsonl").entries}
    assert ids["cat/001.jpg"] not in exported and ids["dog/000.jpg"] not in exported
    assert ids["cat/003.jpg"] not in exported
    assert len(exported) == 37 and [s.image_id for s in report.skipped] == [ids["grey.png"]]
    first = json.loads((tmp_path / "out" / "train.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first["messages"][0]["content"] == "Pick one of cat, dog, bird, unused-label-target."
    assert validate_jsonl(tmp_path / "out" / "train.jsonl").ok
    assert any("bird (0)" in w for w in report.warnings)

    fixed = export_project(store, tmp_path / "fixed", ExportOptions(workers=0, fix=True))
    assert fixed.fixed == 1 and fixed.skipped == []


def test_estimate_project_matches_the_export(project, tmp_path):
    store, _ = project
    opts = ExportOptions(workers=0, detail="high", epochs=3, price_per_1m=25.0)
    est = estimate_project(store, opts)
    report = export_project(store, tmp_path / "out", opts)
    assert est.as_dict() == report.estimate.as_dict()
    assert est.splits["train"].image_tokens == 255 * est.splits["train"].examples  # 64x48 -> one tile
    assert est.cost[1] == pytest.approx(3 * est.training_tokens_per_epoch * 25 / 1e6)


def test_too_few_labeled_images_is_a_clear_error(tmp_path):
    store = ProjectStore.create(tmp_path / "empty.studio")
    store.add_class("a")
    with pytest.raises(DatasetError, match="Label more images"):
        export_project(store, tmp_path / "out", ExportOptions(workers=0))
    store.close()
