from __future__ import annotations

import base64
import io
import json
from collections import Counter
from dataclasses import replace

import pytest
from PIL import Image

from export_helpers import item_for, sha256, write_image
from studio.core.errors import DatasetError
from studio.core.splits.quotas import Split
from studio.core.export.dataset_limits import DatasetLimits
from studio.core.export.jsonl_validator import validate_jsonl
from studio.core.export.jsonl_writer import write_dataset
from studio.core.export.manifest import read_manifest
from studio.core.export.records import ExportOptions
from studio.core.models import Verdict
from studio.core.tasks import CancelToken, Cancelled

FAST = ExportOptions(workers=0)


def lines(path):
    return [json.loads(t) for t in path.read_text(encoding="utf-8-sig").splitlines()]


def answers(path):
    return [ex["messages"][-1]["content"] for ex in lines(path)]


def test_export_passes_the_independent_validator_and_has_the_documented_shape(make_items, tmp_path):
    items = make_items({"cat": 30, "dog": 25, "bird": 15})
    report = write_dataset(items, tmp_path / "out", ExportOptions(workers=0, val_fraction=0.2, test_fraction=0.1),
                          class_names=["cat", "dog", "bird"])
    out = tmp_path / "out"
    assert validate_jsonl(out / "train.jsonl").ok
    assert validate_jsonl(out / "validation.jsonl", training=False).ok
    assert validate_jsonl(out / "test.jsonl", training=False).ok
    assert sum(report.examples.values()) == 70 and report.skipped == []
    ex = lines(out / "train.jsonl")[0]
    system, user, assistant = ex["messages"]
    assert system["role"] == "system" and "cat, dog, bird" in system["content"]
    assert user["content"][0]["type"] == "text"
    assert user["content"][1]["image_url"]["detail"] == "low"
    assert user["content"][1]["image_url"]["url"].startswith("data:image/jpeg;base64,")
    assert assistant == {"role": "assistant", "content": assistant["content"]}
    assert assistant["content"] in {"cat", "dog", "bird"}
    per_class = {c: sum(s.values()) for c, s in report.per_class.items()}
    assert per_class == {"cat": 30, "dog": 25, "bird": 15}
    for c in ("cat", "dog", "bird"):  # stratified: every class in every split
        assert report.per_class[c].get("validation", 0) >= 1 and report.per_class[c].get("train", 0) >= 1
    saved = json.loads((out / "export_report.json").read_text(encoding="utf-8"))
    assert saved["examples"] == report.examples and saved["options"]["seed"] == 42


def test_reexport_is_identical_and_items_keep_the_split_they_carry(make_items, tmp_path):
    items = make_items({"a": 40, "b": 40})
    write_dataset(items, tmp_path / "one", FAST)
    write_dataset(list(reversed(items)), tmp_path / "two", FAST)
    for name in ("train.jsonl", "validation.jsonl", "manifest.jsonl"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()

    # Stickiness across additions is the project's stored splits (tests/core/splits); the writer
    # honours the split each item carries and places only items without one.
    before = {e.image_id: e.file for e in read_manifest(tmp_path / "one" / "manifest.jsonl").entries}
    split_of = {"train.jsonl": Split.TRAIN, "validation.jsonl": Split.VALIDATION, "test.jsonl": Split.TEST}
    carried = [replace(it, split=split_of[before[it.image_id]]) for it in items]
    more = carried + make_items({"a": 20, "b": 10, "c": 12}, start_id=1000)
    write_dataset(more, tmp_path / "three", FAST)
    after = {e.image_id: e.file for e in read_manifest(tmp_path / "three" / "manifest.jsonl").entries}
    assert all(after[i] == f for i, f in before.items())


def test_parallel_workers_write_the_same_bytes(make_items, tmp_path):
    items = make_items({"a": 12, "b": 12}, size=(700, 500))
    write_dataset(items, tmp_path / "serial", FAST)
    write_dataset(items, tmp_path / "pool", ExportOptions(workers=2))
    assert (tmp_path / "serial" / "train.jsonl").read_bytes() == (tmp_path / "pool" / "train.jsonl").read_bytes()


def test_labels_with_quotes_newlines_and_unicode_round_trip(make_items, tmp_path):
    names = ['say "cheese"', "two\nlines", "Ünïcödé 猫 🐈", "back\\slash"]
    items = make_items({n: 4 for n in names})
    report = write_dataset(items, tmp_path / "out", ExportOptions(workers=0, val_fraction=0.0, test_fraction=0.0), class_names=names)
    raw = (tmp_path / "out" / "train.jsonl").read_bytes()
    assert "猫 🐈".encode("utf-8") in raw and b"\\u732b" not in raw  # unicode written as UTF-8, not escaped
    assert raw.count(b"\n") == 16  # a newline inside a label never splits a line
    assert Counter(answers(tmp_path / "out" / "train.jsonl")) == {n: 4 for n in names}
    assert validate_jsonl(tmp_path / "out" / "train.jsonl").ok
    assert report.examples == {"train": 16}


def test_flagged_images_left_out_by_default_and_fixed_on_request(make_items, image_dir, tmp_path):
    items = make_items({"a": 12, "b": 12})
    grey = write_image(image_dir / "grey.png", mode="L", fmt="PNG")
    bmp = write_image(image_dir / "pic.bmp", fmt="BMP")
    broken = image_dir / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    flagged = [
        item_for(grey, 900, "a", image_dir, Verdict.MODE),
        item_for(bmp, 901, "b", image_dir, Verdict.FORMAT),
    ]
    corrupt = replace(flagged[0], image_id=902, abs_path=broken, rel_path="broken.jpg", verdict=Verdict.CORRUPT)
    all_items = items + flagged + [corrupt]

    plain = write_dataset(all_items, tmp_path / "plain", ExportOptions(workers=0, val_fraction=0.0, test_fraction=0.0))
    assert {s.image_id for s in plain.skipped} == {900, 901, 902}
    assert plain.examples["train"] == 24 and plain.fixed == 0
    assert "turn on Fix" in next(s.reason for s in plain.skipped if s.image_id == 900)

    fixed = write_dataset(all_items, tmp_path / "fixed", ExportOptions(workers=0, val_fraction=0.0, test_fraction=0.0, fix=True))
    assert [s.image_id for s in fixed.skipped] == [902]  # corrupt: never, even with fix
    assert "damaged" in fixed.skipped[0].reason
    assert fixed.examples["train"] == 26 and fixed.fixed == 2
    assert validate_jsonl(tmp_path / "fixed" / "train.jsonl").ok
    index = read_manifest(tmp_path / "fixed" / "manifest.jsonl")
    entry = next(e for e in index.entries if e.image_id == 900)
    assert entry.reencoded
    example = lines(tmp_path / "fixed" / "train.jsonl")[entry.line - 1]
    url = example["messages"][1]["content"][1]["image_url"]["url"]
    assert Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).mode == "RGB"
    report = json.loads((tmp_path / "fixed" / "export_report.json").read_text(encoding="utf-8"))
    assert report["skipped"][0]["image_id"] == 902


def test_originals_are_byte_identical_after_export(make_items, image_dir, tmp_path):
    items = make_items({"a": 10, "b": 10}, size=(800, 600))
    grey = write_image(image_dir / "grey.png", mode="L", fmt="PNG", size=(900, 600))
    items.append(item_for(grey, 500, "a", image_dir, Verdict.MODE))
    before = {p: sha256(p) for p in image_dir.rglob("*") if p.is_file()}
    write_dataset(items, tmp_path / "out", ExportOptions(workers=0, fix=True))
    after = {p: sha256(p) for p in image_dir.rglob("*") if p.is_file()}
    assert after == before


def test_manifest_maps_every_line_back_to_its_image(make_items, tmp_path):
    items = make_items({"a": 15, "b": 15})
    by_id = {it.image_id: it for it in items}
    write_dataset(items, tmp_path / "out", FAST)
    index = read_manifest(tmp_path / "out" / "manifest.jsonl")
    for name in ("train.jsonl", "validation.jsonl"):
        examples = lines(tmp_path / "out" / name)
        for number, ex in enumerate(examples, start=1):
            entry = index.image(name, number, 0)
            item = by_id[entry.image_id]
            assert ex["messages"][-1]["content"] == item.class_name == entry.class_name
            assert entry.rel_path == item.rel_path and entry.fingerprint == item.fingerprint
            url = ex["messages"][1]["content"][1]["image_url"]["url"]
            assert base64.b64decode(url.split(",", 1)[1]) == item.abs_path.read_bytes()  # small: sent as is
    assert len(index.entries) == 30
    assert index.lookup("train.jsonl", 10_000) == []


def test_nine_examples_is_an_error_and_nothing_is_written(make_items, tmp_path):
    items = make_items({"a": 5, "b": 4})
    with pytest.raises(DatasetError, match="at least 10"):
        write_dataset(items, tmp_path / "out", ExportOptions(workers=0, val_fraction=0.0, test_fraction=0.0))
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_few_examples_and_small_classes_are_warned(make_items, tmp_path):
    report = write_dataset(make_items({"a": 20, "b": 6}), tmp_path / "out", FAST)
    text = " ".join(report.warnings)
    assert "fewer than 10" in text and "b (6)" in text and "Only 26 examples" in text


def test_file_size_limit_refuses_and_publishes_nothing(make_items, tmp_path):
    items = make_items({"a": 20, "b": 20}, size=(600, 400))  # re-encoded: size unknown until written
    out = tmp_path / "out"
    write_dataset(items, out, FAST)  # a previous good export must survive a refused one
    previous = {p.name: p.read_bytes() for p in out.iterdir()}
    single_line = max(len(t) for t in (out / "train.jsonl").read_bytes().splitlines()) + 1
    with pytest.raises(DatasetError, match="detail 'low'") as err:
        write_dataset(items, out, FAST, limits=DatasetLimits(max_file_bytes=single_line * 5))
    assert "reached the service's limit" in str(err.value)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == previous  # no temp files, old files intact

    with pytest.raises(DatasetError, match="at least"):  # lower bound known before writing
        write_dataset(items, out, ExportOptions(workers=0, downscale=False), limits=DatasetLimits(max_file_bytes=2000))


def test_cancel_leaves_no_partial_files(make_items, tmp_path):
    items = make_items({"a": 30, "b": 30})
    token = CancelToken()
    seen = []

    def progress(done, total, message=""):
        seen.append(done)
        if done == 10:
            token.cancel()

    out = tmp_path / "out"
    for workers in (0, 2):
        with pytest.raises(Cancelled):
            write_dataset(items, out, ExportOptions(workers=workers), progress=progress, cancel=token)
        assert list(out.iterdir()) == []
        token = CancelToken()
    assert 10 in seen


def test_azure_bom_and_stale_test_split_removed(make_items, tmp_path):
    items = make_items({"a": 20, "b": 20})
    out = tmp_path / "out"
    write_dataset(items, out, ExportOptions(workers=0, test_fraction=0.2))
    assert (out / "test.jsonl").exists()
    write_dataset(items, out, ExportOptions(workers=0, azure_bom=True, test_fraction=0.0))
    assert not (out / "test.jsonl").exists()
    assert (out / "train.jsonl").read_bytes().startswith(b"\xef\xbb\xbf{")
    assert validate_jsonl(out / "train.jsonl").ok


def test_estimate_in_report_counts_written_images(make_items, tmp_path):
    items = make_items({"a": 20, "b": 20}, size=(1024, 1024))
    r = write_dataset(items, tmp_path / "hi", ExportOptions(workers=0, detail="high", epochs=2, price_per_1m=10.0))
    train = r.estimate.splits["train"]
    assert train.image_tokens == 765 * r.examples["train"]
    assert r.estimate.billed_tokens[1] == 2 * train.total
    assert r.estimate.cost[1] == pytest.approx(2 * train.total * 10.0 / 1e6)


def test_unwritable_output_is_a_clear_error(make_items, tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the output folder should be")
    with pytest.raises(DatasetError, match="Could not write the dataset"):
        write_dataset(make_items({"a": 7, "b": 7}), blocker / "out", FAST)
