"""walk_images and fingerprint on real folder trees."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from checks_images import encode, noise, write
from studio.core.scan import folder_walk
from studio.core.scan.fingerprint import fingerprint, fingerprint_bytes
from studio.core.scan.folder_walk import walk_images
from studio.core.tasks import CancelToken

JPEG = encode(noise(), "JPEG")
PNG = encode(noise(), "PNG")


def rels(root: Path, **kw) -> list[str]:
    return [e.rel_path for e in walk_images([(1, root)], **kw)]


def test_finds_images_recursively_and_skips_hidden_and_non_images(tmp_path):
    write(tmp_path / "a.jpg", JPEG)
    write(tmp_path / "sub" / "b.PNG", PNG)
    write(tmp_path / "sub" / "deeper" / "c.webp", encode(noise(), "WEBP"))
    write(tmp_path / "sub" / "no_extension", PNG)  # recognised by its bytes
    write(tmp_path / "junk.jpg", b"junk")  # named an image: reported (the checker calls it corrupt)
    write(tmp_path / ".hidden.jpg", JPEG)
    write(tmp_path / ".git" / "inside.jpg", JPEG)
    write(tmp_path / "sub" / ".cache" / "thumb.jpg", JPEG)
    write(tmp_path / ".DS_Store", b"\x00\x00\x00\x01Bud1" + bytes(100))
    write(tmp_path / "notes.txt", PNG)
    write(tmp_path / "README", b"plain text\n")
    assert sorted(rels(tmp_path)) == ["a.jpg", "junk.jpg", "sub/b.PNG", "sub/deeper/c.webp", "sub/no_extension"]


def test_entries_carry_stat_data_and_absolute_paths(tmp_path):
    path = write(tmp_path / "x" / "a.jpg", JPEG)
    os.utime(path, ns=(1_600_000_000_123_456_789, 1_600_000_000_123_456_789))
    [entry] = walk_images([(7, tmp_path)])
    assert (entry.root_id, entry.rel_path, entry.abs_path) == (7, "x/a.jpg", path)
    assert (entry.size, entry.mtime_ns) == (len(JPEG), 1_600_000_000_123_456_789)


def test_unicode_and_spaces_in_names(tmp_path):
    write(tmp_path / "Été 2024" / "café au lait 1.jpg", JPEG)
    write(tmp_path / "日本" / "写真 ✓.png", PNG)
    found = rels(tmp_path)
    assert found == ["Été 2024/café au lait 1.jpg", "日本/写真 ✓.png"]
    for entry in walk_images([(1, tmp_path)]):
        assert entry.abs_path.is_file()


def test_symlinked_files_are_followed_and_dangling_links_ignored(tmp_path):
    outside = write(tmp_path / "elsewhere" / "real.jpg", JPEG)
    root = tmp_path / "root"
    root.mkdir()
    (root / "link.jpg").symlink_to(outside)
    (root / "dangling.jpg").symlink_to(tmp_path / "nothing.jpg")
    [entry] = walk_images([(1, root)])
    assert entry.rel_path == "link.jpg" and entry.size == len(JPEG)


def test_symlink_loops_and_links_back_into_the_tree_are_not_followed(tmp_path):
    root = tmp_path / "root"
    write(root / "a" / "one.jpg", JPEG)
    (root / "a" / "loop").symlink_to(root)  # back to the top: a loop
    (root / "a" / "self").symlink_to(root / "a")  # to its own folder
    (root / "b").mkdir()
    (root / "b" / "to_a").symlink_to(root / "a")  # a second path to a folder already in the tree
    outside = tmp_path / "outside"
    write(outside / "two.jpg", JPEG)
    (outside / "back").symlink_to(root)  # the outside folder links back in
    (outside / "again").symlink_to(outside)  # and to itself
    (root / "ext").symlink_to(outside)  # followed: it leads out of the tree
    assert rels(root) == ["a/one.jpg", "ext/two.jpg"]


def test_unlistable_folder_is_skipped_not_fatal(tmp_path, monkeypatch):
    write(tmp_path / "ok" / "a.jpg", JPEG)
    write(tmp_path / "locked" / "b.jpg", JPEG)
    real_scandir = os.scandir

    def scandir(path):
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(folder_walk.os, "scandir", scandir)
    assert rels(tmp_path) == ["ok/a.jpg"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root ignores folder permissions")
def test_folder_without_permission_is_skipped(tmp_path):
    write(tmp_path / "ok" / "a.jpg", JPEG)
    locked = tmp_path / "locked"
    write(locked / "b.jpg", JPEG)
    locked.chmod(0)
    try:
        assert rels(tmp_path) == ["ok/a.jpg"]
    finally:
        locked.chmod(0o755)


def test_missing_root_yields_nothing_and_several_roots_keep_their_ids(tmp_path):
    write(tmp_path / "r1" / "a.jpg", JPEG)
    write(tmp_path / "r2" / "b.jpg", JPEG)
    found = [(e.root_id, e.rel_path) for e in walk_images(
        [(1, tmp_path / "r1"), (2, tmp_path / "nope"), (3, tmp_path / "r2")])]
    assert found == [(1, "a.jpg"), (3, "b.jpg")]


def test_cancel_stops_the_walk(tmp_path):
    for i in range(5):
        write(tmp_path / f"d{i}" / "a.jpg", JPEG)
    token = CancelToken()
    seen = []
    for entry in walk_images([(1, tmp_path)], cancel=token):
        seen.append(entry)
        token.cancel()
    assert len(seen) == 1


def test_only_unknown_extensions_are_sniffed(tmp_path, monkeypatch):
    write(tmp_path / "a.jpg", JPEG)
    write(tmp_path / "b.txt", b"text")
    write(tmp_path / "c", PNG)
    sniffed = []
    real = folder_walk.looks_like_image
    monkeypatch.setattr(folder_walk, "looks_like_image", lambda p: sniffed.append(p) or real(p))
    assert rels(tmp_path) == ["a.jpg", "c"]
    assert [Path(p).name for p in sniffed] == ["c"]


def test_fingerprint_identifies_content_not_name(tmp_path):
    big = os.urandom(300_000)
    a = write(tmp_path / "a.bin", big)
    b = write(tmp_path / "moved" / "renamed.bin", big)
    assert fingerprint(a, len(big)) == fingerprint(b, len(big)) == fingerprint_bytes(big)
    changed_tail = write(tmp_path / "c.bin", big[:-1] + bytes([big[-1] ^ 1]))
    changed_head = write(tmp_path / "d.bin", bytes([big[0] ^ 1]) + big[1:])
    assert fingerprint(changed_tail, len(big)) != fingerprint(a, len(big))
    assert fingerprint(changed_head, len(big)) != fingerprint(a, len(big))
    for n in (0, 1, 65_536, 65_537, 131_072, 131_073):
        data = os.urandom(n)
        assert fingerprint(write(tmp_path / f"s{n}", data), n) == fingerprint_bytes(data)
