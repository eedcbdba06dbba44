"""scan_project against a real SQLite project and real folders; check_folder's JSON."""

from __future__ import annotations

import builtins
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

from checks_images import encode, noise, write
from studio.core.checks import pool as check_pool_module
from studio.core.errors import StudioError
from studio.core.models import ImageFilter, Verdict
from studio.core.scan.project_scan import check_folder, scan_project
from studio.core.store.project_store import ProjectStore
from studio.core.tasks import CancelToken

ALL = ImageFilter(include_missing=True)


def jpeg(seed: int) -> bytes:
    return encode(noise(seed=seed), "JPEG")


def make_library(root: Path, count: int = 12) -> None:
    for i in range(count):
        write(root / ("sub" if i % 2 else "") / f"img{i:03d}.jpg", jpeg(i))
    write(root / "broken.jpg", jpeg(99)[:-400])
    write(root / "anim.gif", encode(noise(), "GIF", save_all=True, append_images=[noise(seed=1)]))
    write(root / "notes.txt", b"not an image")
    write(root / ".hidden.jpg", jpeg(5))


@pytest.fixture
def project(tmp_path):
    images = tmp_path / "images"
    make_library(images)
    store = ProjectStore.create(tmp_path / "p.studio", [images])
    yield store, images
    store.close()


def rows_by_path(store: ProjectStore) -> dict[str, object]:
    return {r.rel_path: r for r in store.images(store.image_ids(ALL))}


def test_first_scan_stores_every_image_with_deep_verdicts(project, check_pool):
    store, images = project
    batches: list[list[int]] = []
    report = scan_project(store, pool=check_pool, on_batch=batches.append)
    assert (report.new, report.changed, report.moved, report.missing) == (14, 0, 0, 0)
    assert report.header_checked == report.deep_checked == 14
    assert report.flagged == {"corrupt": 1, "format": 1}
    rows = rows_by_path(store)
    assert set(rows) == {f"{'sub/' if i % 2 else ''}img{i:03d}.jpg" for i in range(12)} | {
        "broken.jpg", "anim.gif"}
    assert all(r.check_stage == "deep" and r.fingerprint for r in rows.values())
    assert rows["broken.jpg"].verdict is Verdict.CORRUPT  # only the deep stage can know
    assert rows["anim.gif"].verdict is Verdict.FORMAT and rows["anim.gif"].frames == 2
    assert rows["img000.jpg"].verdict is Verdict.OK and rows["img000.jpg"].width == 64
    assert {i for batch in batches for i in batch} == {r.id for r in rows.values()}


def test_rescan_of_an_unchanged_folder_reads_no_image_data(project, check_pool, monkeypatch):
    store, images = project
    scan_project(store, pool=check_pool)
    opened: list[str] = []
    real_open = builtins.open

    def spy_open(file, *args, **kwargs):
        if str(images) in os.fspath(file) if isinstance(file, (str, os.PathLike)) else False:
            opened.append(os.fspath(file))
        return real_open(file, *args, **kwargs)

    def no_checks(*args, **kwargs):
        raise AssertionError("a check ran during an unchanged rescan")

    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(Image, "open", no_checks)
    monkeypatch.setattr(check_pool_module, "check_header", no_checks)
    monkeypatch.setattr(check_pool_module, "_deep", no_checks)
    report = scan_project(store, pool=check_pool)
    assert opened == []
    assert (report.new, report.changed, report.moved, report.missing, report.unchanged) == (0, 0, 0, 0, 14)
    assert report.header_checked == report.deep_checked == 0


def test_new_changed_moved_and_deleted_files_are_detected(project, check_pool):
    store, images = project
    scan_project(store, pool=check_pool)
    before = rows_by_path(store)
    cat = store.add_class("cat")
    store.set_label([before["img000.jpg"].id, before["sub/img001.jpg"].id], cat.id)

    write(images / "new.png", encode(noise(seed=50), "PNG"))  # new
    changed = images / "img002.jpg"
    write(changed, jpeg(2)[:-300])  # same name, now truncated
    os.utime(changed, ns=(before["img002.jpg"].mtime_ns + 10**9,) * 2)
    deleted_bytes = (images / "img004.jpg").read_bytes()
    (images / "img004.jpg").unlink()  # deleted
    (images / "renamed" / "deeper").mkdir(parents=True)
    shutil.move(images / "img000.jpg", images / "renamed" / "deeper" / "kitty.jpg")  # moved

    report = scan_project(store, pool=check_pool)
    assert (report.new, report.changed, report.moved, report.missing) == (1, 1, 1, 1)
    assert report.unchanged == 14 - 3
    after = rows_by_path(store)
    moved = after["renamed/deeper/kitty.jpg"]
    assert moved.id == before["img000.jpg"].id and moved.class_id == cat.id and not moved.missing
    assert "img000.jpg" not in after
    assert after["sub/img001.jpg"].class_id == cat.id
    assert after["img004.jpg"].missing
    assert after["img002.jpg"].verdict is Verdict.CORRUPT and after["img002.jpg"].check_stage == "deep"
    assert after["new.png"].verdict is Verdict.OK and after["new.png"].format == "PNG"

    # The deleted file comes back at its old path: no longer missing, nothing re-checked.
    write(images / "img004.jpg", deleted_bytes)
    os.utime(images / "img004.jpg", ns=(before["img004.jpg"].mtime_ns,) * 2)
    report = scan_project(store, pool=check_pool)
    assert report.returned == 1 and report.header_checked == 0
    assert not store.image(before["img004.jpg"].id).missing


def test_moves_are_found_after_a_header_only_scan(project, check_pool):
    store, images = project
    scan_project(store, deep=False, pool=check_pool)
    rows = rows_by_path(store)
    assert all(r.check_stage == "header" and r.fingerprint for r in rows.values())
    shutil.move(images / "img006.jpg", images / "sub" / "six.jpg")
    report = scan_project(store, deep=False, pool=check_pool)
    assert report.moved == 1 and report.new == 0 and report.missing == 0
    assert store.image(rows["img006.jpg"].id).rel_path == "sub/six.jpg"


def test_move_without_a_known_fingerprint_is_matched_by_size_and_time(project, check_pool):
    store, images = project
    scan_project(store, pool=check_pool)
    store.conn.execute("UPDATE images SET fingerprint = NULL")
    old = rows_by_path(store)["img008.jpg"]
    shutil.move(images / "img008.jpg", images / "eight.jpg")  # keeps its mtime
    report = scan_project(store, pool=check_pool)
    assert report.moved == 1
    assert store.image(old.id).rel_path == "eight.jpg"


def test_identical_content_at_a_new_path_is_new_when_the_original_is_still_there(project, check_pool):
    store, images = project
    scan_project(store, pool=check_pool)
    shutil.copy2(images / "img010.jpg", images / "copy.jpg")
    report = scan_project(store, pool=check_pool)
    assert report.new == 1 and report.moved == 0


def test_relinked_folder_keeps_labels(project, check_pool, tmp_path):
    store, images = project
    scan_project(store, pool=check_pool)
    rows = rows_by_path(store)
    dog = store.add_class("dog")
    store.set_label([rows["img002.jpg"].id, rows["sub/img005.jpg"].id], dog.id)
    moved_root = tmp_path / "moved library"
    images.rename(moved_root)
    shutil.move(moved_root / "sub" / "img005.jpg", moved_root / "five.jpg")
    [root] = store.roots()
    report = scan_project(store, pool=check_pool)
    assert report.unavailable_roots == [str(images)] and report.missing == 0  # unplugged, not deleted
    store.relink_root(root.id, moved_root)
    report = scan_project(store, pool=check_pool)
    assert report.moved == 1 and report.new == 0 and report.missing == 0
    assert store.image(rows["img002.jpg"].id).class_id == dog.id
    assert store.image(rows["sub/img005.jpg"].id).rel_path == "five.jpg"
    assert store.image(rows["sub/img005.jpg"].id).class_id == dog.id


def test_cancel_mid_scan_keeps_what_was_done_and_the_next_scan_finishes(tmp_path, check_pool):
    images = tmp_path / "many"
    for i in range(150):
        write(images / f"{i:03d}.jpg", jpeg(i))
    store = ProjectStore.create(tmp_path / "c.studio", [images])
    try:
        token = CancelToken()

        def progress(done, total, message=""):
            if message.startswith("Checking images in depth") and done >= 5:
                token.cancel()

        report = scan_project(store, pool=check_pool, progress=progress, cancel=token)
        assert report.cancelled and report.header_checked == 150
        assert 5 <= report.deep_checked < 150
        stages = [r.check_stage for r in store.iter_images()]
        assert len(stages) == 150 and stages.count("deep") == report.deep_checked

        report = scan_project(store, pool=check_pool)  # picks up where the last one stopped
        assert not report.cancelled and report.new == 0
        assert report.deep_checked == 150 - stages.count("deep")
        assert {r.check_stage for r in store.iter_images()} == {"deep"}

        token = CancelToken()
        token.cancel()
        write(images / "late.jpg", jpeg(1000))
        report = scan_project(store, pool=check_pool, cancel=token)
        assert report.cancelled and report.header_checked == 0
    finally:
        store.close()


# ------------------------------------------------------------------ check_folder (studio-cli check)


def test_check_folder_json_shape(tmp_path, check_pool):
    root = tmp_path / "to check"
    write(root / "ok.jpg", jpeg(1))
    write(root / "Été" / "grey photo.png", encode(noise().convert("L"), "PNG"))
    write(root / "cut.jpg", jpeg(2)[:-300])
    write(root / "junk.jpg", b"junk")
    write(root / "notes.txt", b"ignored")
    write(root / ".hidden" / "x.jpg", jpeg(3))
    result = check_folder(root, pool=check_pool)
    assert list(result["files"]) == ["cut.jpg", "junk.jpg", "ok.jpg", "Été/grey photo.png"]
    assert result["files"]["ok.jpg"] == {
        "ok": True, "reason": "ok", "message": result["files"]["ok.jpg"]["message"],
        "format": "JPEG", "mode": "RGB", "width": 64, "height": 48,
        "bytes": (root / "ok.jpg").stat().st_size,
    }
    grey = result["files"]["Été/grey photo.png"]
    assert (grey["ok"], grey["reason"], grey["mode"]) == (False, "mode", "L")
    assert "Convert it to RGB" in grey["message"]
    junk = result["files"]["junk.jpg"]
    assert junk["format"] is None and junk["width"] is None and junk["bytes"] == 4
    assert result["summary"] == {"total": 4, "ok": 1, "corrupt": 2, "mode": 1}

    quick = check_folder(root, deep=False, pool=check_pool)
    assert quick["files"]["cut.jpg"]["reason"] == "ok"  # truncation needs the deep check
    assert quick["summary"] == {"total": 4, "ok": 2, "corrupt": 1, "mode": 1}


def test_check_folder_on_a_single_file_and_on_unusable_paths(tmp_path):
    path = write(tmp_path / "one.webp", encode(noise(), "WEBP"))
    result = check_folder(path)
    assert list(result["files"]) == ["one.webp"] and result["summary"] == {"total": 1, "ok": 1}
    with pytest.raises(StudioError):
        check_folder(tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert check_folder(empty) == {"files": {}, "summary": {"total": 0, "ok": 0}}


def test_first_images_reach_the_project_before_the_header_stage_ends(tmp_path, check_pool):
    images = tmp_path / "lib"
    for i in range(300):
        write(images / f"{i:03d}.jpg", jpeg(i))
    store = ProjectStore.create(tmp_path / "s.studio", [images])
    try:
        batches: list[list[int]] = []
        progress: list[int] = []

        def on_batch(ids):
            batches.append(ids)
            progress.append(store.count())  # what a UI would see right now

        report = scan_project(store, deep=False, pool=check_pool, on_batch=on_batch)
        assert report.new == 300
        assert len(batches[0]) <= 128 and len(batches) >= 2
        assert progress[0] < 300 and progress[-1] == 300
    finally:
        store.close()


def test_scan_writes_thumbnails_under_the_callers_keys(project, check_pool, tmp_path):
    store, images = project
    shutil.copy2(images / "img010.jpg", images / "copy of 10.jpg")  # same content, same thumbnail key
    names = {}

    def thumb_key(image_id: int) -> str:
        row = store.image(image_id)
        names[image_id] = f"{row.size}-{row.mtime_ns}"  # a content-ish key, shared by the copies
        return names[image_id]

    cache = tmp_path / "cache"
    report = scan_project(store, pool=check_pool, thumb_size=48, thumb_dir=cache, thumb_key=thumb_key)
    assert report.deep_checked == 15
    rows = rows_by_path(store)
    assert {r.check_stage for r in rows.values()} == {"deep"}
    for rel in ("img010.jpg", "copy of 10.jpg", "img000.jpg"):
        with Image.open(cache / f"{names[rows[rel].id]}.jpg") as thumb:
            assert max(thumb.size) == 48
    assert names[rows["img010.jpg"].id] == names[rows["copy of 10.jpg"].id]
    assert not (cache / f"{names[rows['broken.jpg'].id]}.jpg").exists()  # did not decode
