"""The grid model (checked with pytest-qt's model tester) and the thumbnail cache."""

from __future__ import annotations

import os
import time

from PySide6.QtCore import QCoreApplication

from studio.core.models import ImageFilter
from studio.core.store.project_store import ProjectStore
from studio.ui.grid import thumbnails
from studio.ui.grid.model import IdRole, ImageGridModel, RowRole
from studio.ui.labeling.session import ProjectSession
from studio.ui.grid.thumbnails import ThumbnailCache, row_thumb_key


def test_model_passes_qt_model_tester_through_changes(qtmodeltester, project):
    session = ProjectSession(ProjectStore.open(project))
    model = ImageGridModel(session)
    qtmodeltester.check(model, force_py=True)
    model.set_query(ImageFilter(unlabeled=True))
    cat = session.classes()[0].id
    ids = list(model.ids)
    session.label(ids[:3], cat)  # rows leave the unlabeled view
    assert list(model.ids) == ids[3:]
    session.undo_stack.undo()  # ...and come back in path order
    assert list(model.ids) == ids
    qtmodeltester.check(model, force_py=True)
    session.close()


def test_rows_are_fetched_lazily_and_bounded(project):
    session = ProjectSession(ProjectStore.open(project))
    fetched: list[int] = []
    original = session.rows
    session.rows = lambda ids: (fetched.append(len(ids)), original(ids))[1]  # type: ignore[method-assign]
    model = ImageGridModel(session)
    model.set_query(ImageFilter())
    assert fetched == []  # opening costs one id query, no rows
    row = model.data(model.index(5, 0), RowRole)
    assert row.rel_path == "img_005.jpg"
    assert model.data(model.index(5, 0), IdRole) == row.id
    assert len(fetched) == 1
    model.data(model.index(6, 0), RowRole)
    assert len(fetched) == 1  # served from the block fetched for row 5
    session.close()


def test_apply_ids_streams_insertions_without_reset(project):
    session = ProjectSession(ProjectStore.open(project))
    model = ImageGridModel(session)
    model.set_query(ImageFilter())
    all_ids = list(model.ids)
    model.apply_ids(all_ids[::2])
    events: list[tuple] = []
    model.modelReset.connect(lambda: events.append(("reset",)))
    model.rowsInserted.connect(lambda parent, first, last: events.append(("insert", first, last)))
    model.rowsRemoved.connect(lambda parent, first, last: events.append(("remove", first, last)))
    model.apply_ids(all_ids)
    assert list(model.ids) == all_ids
    assert ("reset",) not in events
    assert all(e[0] == "insert" for e in events) and len(events) == len(all_ids) // 2
    events.clear()
    model.apply_ids(all_ids[:4] + all_ids[8:])
    assert events == [("remove", 4, 7)]
    session.close()


def _wait(cache: ThumbnailCache, rows) -> list:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        got = [cache.pixmap(r) for r in rows]
        if all(p is not None for p in got):
            return got
        cache.wait_idle(1000)
        QCoreApplication.processEvents()
    raise AssertionError("thumbnails did not load")


def test_thumbnails_cached_on_disk_and_never_regenerated_for_unchanged_files(qapp, project, tmp_path, monkeypatch):
    with ProjectStore.open(project) as store:
        rows = store.images(store.image_ids())[:4]
    cache_dir = tmp_path / "thumbs"
    decodes: list[str] = []
    real = thumbnails.decode_scaled
    monkeypatch.setattr(thumbnails, "decode_scaled", lambda path, box: (decodes.append(path), real(path, box))[1])

    first = ThumbnailCache(cache_dir)
    pix = _wait(first, rows)
    assert all(p.width() <= thumbnails.THUMB_SIZE and p.height() <= thumbnails.THUMB_SIZE for p in pix)
    assert len(decodes) == 4
    files = sorted(cache_dir.iterdir())
    assert len(files) == 4
    stamps = {f: f.stat().st_mtime_ns for f in files}
    first.shutdown()

    second = ThumbnailCache(cache_dir)  # a new session: memory is empty, the disk cache is not
    _wait(second, rows)
    assert len(decodes) == 4  # nothing decoded again
    assert {f: f.stat().st_mtime_ns for f in files} == stamps

    # A changed file (new mtime) gets a new key and a fresh thumbnail.
    changed = rows[0]
    os.utime(changed.abs_path, ns=(changed.mtime_ns + 10**9, changed.mtime_ns + 10**9))
    with ProjectStore.open(project) as store:
        from studio.core.scan.project_scan import scan_project

        scan_project(store, deep=False)
        fresh = store.image(changed.id)
    assert row_thumb_key(fresh) != row_thumb_key(changed)
    _wait(second, [fresh])
    assert len(decodes) == 5
    second.shutdown()


def test_undecodable_file_gets_no_preview_not_a_crash(qapp, tmp_path):
    from tests.ui.conftest import make_project

    path = make_project(tmp_path, n=1, extra=("broken.jpg",))
    (tmp_path / "images" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with ProjectStore.open(path) as store:
        from studio.core.scan.project_scan import scan_project

        scan_project(store, deep=False)
        row = next(r for r in store.iter_images() if r.rel_path == "broken.jpg")
    cache = ThumbnailCache(tmp_path / "thumbs")
    deadline = time.monotonic() + 5
    while not cache.failed(row) and time.monotonic() < deadline:
        cache.pixmap(row)
        cache.wait_idle(500)
        QCoreApplication.processEvents()
    assert cache.failed(row)
    cache.shutdown()


def test_exif_orientation_is_applied_in_thumbnails_and_viewer(qapp, tmp_path):
    from PIL import Image

    from studio.ui.grid.image_cache import decode_for_viewer
    from PySide6.QtCore import QSize

    path = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display": stored 64x32, shown 32x64
    Image.new("RGB", (64, 32), (200, 30, 30)).save(path, "JPEG", exif=exif.tobytes())
    thumb = thumbnails.decode_scaled(str(path), 160)
    assert (thumb.width(), thumb.height()) == (32, 64)
    shown = decode_for_viewer(str(path), QSize(400, 400))
    assert (shown.image.width(), shown.image.height()) == (32, 64)
    assert shown.fitted.height() > shown.fitted.width()


def test_thumbnail_cache_is_trimmed_least_recently_used_first(tmp_path):
    from studio.ui.grid.thumbnails import prune_cache_dir

    for i in range(10):
        path = tmp_path / f"t{i}.jpg"
        path.write_bytes(b"x" * 1000)
        os.utime(path, (1_000_000 + i, 1_000_000 + i))  # t0 is the least recently used
    assert prune_cache_dir(tmp_path, max_bytes=4000) == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t6.jpg", "t7.jpg", "t8.jpg", "t9.jpg"]
    assert prune_cache_dir(tmp_path, max_bytes=4000) == 0
    assert prune_cache_dir(tmp_path / "absent") == 0
