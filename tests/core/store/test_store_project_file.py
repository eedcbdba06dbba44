"""The project file: creation, refusal of foreign/newer/locked/read-only files, upgrades, durability."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from studio.core.store import schema
from studio.core.errors import ProjectOpenError, ProjectReadOnlyError, StudioError
from studio.core.models import ImageFilter, Verdict, CheckResult
from studio.core.store.project_store import FileRecord, ProjectStore


def _new_project(tmp_path: Path, n: int = 5) -> ProjectStore:
    folder = tmp_path / "images"
    folder.mkdir(exist_ok=True)
    store = ProjectStore.create(tmp_path / "p.studio", [folder])
    root = store.roots()[0]
    store.upsert_files(root.id, [FileRecord(f"img{i:03}.jpg", 100 + i, 1, f"fp{i}") for i in range(n)])
    return store


def test_create_refuses_to_overwrite(tmp_path):
    target = tmp_path / "exists.studio"
    target.write_bytes(b"precious")
    with pytest.raises(ProjectOpenError, match="already exists"):
        ProjectStore.create(target)
    assert target.read_bytes() == b"precious"


def test_open_non_project_files_fails_clearly_and_changes_nothing(tmp_path):
    text = tmp_path / "notes.studio"
    text.write_text("hello")
    with pytest.raises(ProjectOpenError, match="not a studio project"):
        ProjectStore.open(text)
    assert text.read_text() == "hello"

    other_db = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other_db)
    conn.execute("CREATE TABLE t(x)")
    conn.commit()
    conn.close()
    before = other_db.read_bytes()
    with pytest.raises(ProjectOpenError, match="not a studio project"):
        ProjectStore.open(other_db)
    assert other_db.read_bytes() == before

    with pytest.raises(ProjectOpenError, match="does not exist"):
        ProjectStore.open(tmp_path / "nope.studio")


def test_newer_schema_is_refused_untouched(tmp_path):
    store = _new_project(tmp_path)
    store.conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    store.close()
    before = (tmp_path / "p.studio").read_bytes()
    with pytest.raises(ProjectOpenError, match="newer version"):
        ProjectStore.open(tmp_path / "p.studio")
    assert (tmp_path / "p.studio").read_bytes() == before


def test_read_only_file_is_refused_for_writing_but_opens_read_only(tmp_path):
    store = _new_project(tmp_path)
    cat = store.add_class("cat")
    store.set_label([1], cat.id)
    store.close()
    path = tmp_path / "p.studio"
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    path.chmod(0o444)
    try:
        if os.geteuid() != 0:  # root ignores file permissions
            with pytest.raises(ProjectOpenError, match="read-only"):
                ProjectStore.open(path)
        ro = ProjectStore.open(path, read_only=True)
        assert ro.image(1).class_id == cat.id
        with pytest.raises(ProjectReadOnlyError):
            ro.set_label([2], cat.id)
        ro.close()
    finally:
        path.chmod(0o644)


def test_locked_project_is_refused(tmp_path):
    store = _new_project(tmp_path)
    path = store.path
    store.close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(ProjectOpenError, match="open in another program"):
            ProjectStore.open(path)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    ProjectStore.open(path).close()


def test_old_schema_upgrades_without_loss_and_keeps_a_backup(tmp_path):
    """Build a real version-1 file by hand, as the first release wrote it, then open it."""
    path = tmp_path / "old.studio"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
    for stmt in schema.MIGRATIONS[0]:
        conn.execute(stmt)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO roots(id, path, added_at) VALUES (1, ?, 0)", (str(tmp_path),))
    conn.execute("INSERT INTO classes(id, name, position, shortcut, color) VALUES (1, 'cat', 0, '1', '#ff0000')")
    conn.execute(
        "INSERT INTO images(id, root_id, rel_path, size, mtime_ns, verdict, class_id) "
        "VALUES (1, 1, 'a.jpg', 10, 5, 'ok', 1)"
    )
    conn.close()

    store = ProjectStore.open(path)
    assert store.schema_version == schema.SCHEMA_VERSION
    row = store.image(1)
    assert row.class_id == 1 and row.verdict is Verdict.OK and row.service_skip is None
    assert [c.name for c in store.classes()] == ["cat"]
    store.close()
    backup = tmp_path / "old.studio.v1.bak"
    assert backup.exists()
    check = sqlite3.connect(backup)
    assert check.execute("PRAGMA user_version").fetchone()[0] == 1
    check.close()


def test_labels_undo_data_and_history(tmp_path):
    store = _new_project(tmp_path)
    cat, dog = store.add_class("cat"), store.add_class("dog")
    assert (cat.shortcut, dog.shortcut) == ("1", "2")
    first = store.set_label([1, 2, 3], cat.id)
    assert first.before == {1: None, 2: None, 3: None}
    second = store.set_label([2], dog.id)
    assert store.count(ImageFilter(class_id=dog.id)) == 1
    store.apply_labels(second.before, source="undo")
    assert store.image(2).class_id == cat.id
    store.apply_labels(first.before, source="undo")
    assert store.count(ImageFilter(unlabeled=True)) == 5
    history = store.label_history(2)
    assert [h["new"] for h in history] == ["cat", "dog", "cat", None]


def test_class_rules(tmp_path):
    store = _new_project(tmp_path)
    a = store.add_class("  benign  ")
    assert a.name == "benign"
    with pytest.raises(StudioError, match="already exists"):
        store.add_class("benign")
    b = store.add_class('mal "ignant"\nstage 2')
    assert b.name == 'mal "ignant" stage 2'
    with pytest.raises(StudioError, match="already the shortcut"):
        store.set_class_shortcut(b.id, "1")
    with pytest.raises(StudioError, match="reserved"):
        store.set_class_shortcut(b.id, "x")
    store.set_class_shortcut(b.id, "M")
    assert store.class_by_name(b.name).shortcut == "m"
    store.set_label([1, 2], a.id)
    store.set_label([3], b.id)
    change = store.delete_class(b.id, reassign_to=None)
    assert change.before == {3: b.id}
    assert store.image(3).class_id is None
    c = store.add_class("other")
    store.set_label([4], c.id)
    store.merge_classes(c.id, a.id)
    assert store.count(ImageFilter(class_id=a.id)) == 3
    assert [x.name for x in store.classes()] == ["benign"]


def test_filters(tmp_path):
    store = _new_project(tmp_path, n=0)
    root = store.roots()[0]
    bad = CheckResult(Verdict.MODE, "convert", 10, "JPEG", "CMYK", 5, 5, 1, "header")
    ok = CheckResult(Verdict.OK, "", 10, "PNG", "RGB", 5, 5, 1, "deep")
    ids = store.upsert_files(
        root.id,
        [
            FileRecord("a/one.jpg", 1, 1, "f1", bad),
            FileRecord("a/b/two.png", 1, 1, "f2", ok),
            FileRecord("Three.PNG", 1, 1, "f3", ok),
        ],
    )
    assert store.image_ids(ImageFilter(flagged=True)) == [ids["a/one.jpg"]]
    assert store.image_ids(ImageFilter(reason=Verdict.MODE)) == [ids["a/one.jpg"]]
    assert sorted(store.image_ids(ImageFilter(folder="a"))) == sorted([ids["a/one.jpg"], ids["a/b/two.png"]])
    assert store.image_ids(ImageFilter(name_contains="three")) == [ids["Three.PNG"]]
    assert store.folders() == ["a", "a/b"]
    store.set_excluded([ids["Three.PNG"]], True)
    assert store.image_ids(ImageFilter(excluded=True)) == [ids["Three.PNG"]]
    assert store.status().flagged == {"mode": 1}


_LABELER = textwrap.dedent(
    """
    import sys
    from studio.core.store.project_store import ProjectStore
    store = ProjectStore.open(sys.argv[1])
    cls = store.classes()[0].id
    i = 0
    while True:
        image_id = (i % 200) + 1
        store.set_label([image_id], cls if i < 200 else None)
        print(image_id, flush=True)   # only after the commit returned: the user "saw it saved"
        i += 1
    """
)


def test_kill_9_while_labeling_loses_no_saved_label(tmp_path):
    store = _new_project(tmp_path, n=200)
    store.add_class("cat")
    path = store.path
    store.close()
    proc = subprocess.Popen(
        [sys.executable, "-c", _LABELER, str(path)], stdout=subprocess.PIPE, text=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    saved: list[int] = []
    assert proc.stdout is not None
    while len(saved) < 150:
        line = proc.stdout.readline()
        assert line, "labeler died early"
        saved.append(int(line))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    reopened = ProjectStore.open(path)
    labeled = set(reopened.image_ids(ImageFilter(class_id=reopened.classes()[0].id)))
    assert set(saved) <= labeled
    assert reopened.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    reopened.close()


def test_relink_moved_folder_keeps_labels(tmp_path):
    store = _new_project(tmp_path)
    cat = store.add_class("cat")
    store.set_label([1, 2], cat.id)
    old = store.roots()[0].path
    for i in range(5):
        (old / f"img{i:03}.jpg").write_bytes(b"x")
    store.close()
    moved = tmp_path / "renamed"
    old.rename(moved)
    store = ProjectStore.open(tmp_path / "p.studio")
    root = store.roots()[0]
    assert not root.exists
    assert store.relink_root(root.id, moved) == 5
    assert store.roots()[0].path == moved.resolve()
    assert store.image(1).abs_path == moved.resolve() / "img000.jpg"
    assert store.image(1).class_id == cat.id


def test_service_skip_mark_is_cleared_only_when_the_file_changes(tmp_path):
    store = _new_project(tmp_path, n=2)
    root = store.roots()[0]
    store.conn.execute("UPDATE images SET service_skip = 'contains people or faces'")
    ok = CheckResult(Verdict.OK, "", 100, "JPEG", "RGB", 5, 5, 1, "deep")
    store.upsert_files(root.id, [FileRecord("img000.jpg", 100, 1, "fp0", ok)])  # same file, deep result
    assert store.image(1).service_skip == "contains people or faces"
    store.upsert_files(root.id, [FileRecord("img001.jpg", 555, 2, "new", None)])  # edited by the user
    assert store.image(2).service_skip is None
    assert store.count(ImageFilter(service_skipped=True)) == 1


def test_class_lookup_folds_white_space_like_add_class(tmp_path):
    store = _new_project(tmp_path, n=0)
    store.add_class("tumour  grade\t2")
    assert store.class_by_name(" tumour grade 2\n").name == "tumour grade 2"
