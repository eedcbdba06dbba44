"""Find the candidate image files under a project's roots.

This runs on every rescan, so it must cost one `stat` per file and nothing else for ordinary photo
folders: files are recognised by extension, and only files with an unknown or missing extension
have their first bytes read. No image data is read here.

Hidden files and folders are skipped (names starting with a dot, and the hidden attribute on
Windows). Symlinked files are followed. A symlinked folder is followed only when it does not lead
back into a tree being walked: its target is inside a root (walked anyway, so following it would
list the same images twice) or it is a folder already visited (a loop).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from studio.core.checks.image_check import image_by_name, looks_like_image
from studio.core.models import FileEntry
from studio.core.tasks import CancelToken

_WINDOWS = os.name == "nt"


def walk_images(
    roots: Sequence[tuple[int, Path]], cancel: CancelToken | None = None
) -> Iterator[FileEntry]:
    """Yield a `FileEntry` for every candidate image under each `(root_id, folder)`.

    Within a folder, files come in name order, then its subfolders, so the first images a UI shows
    are stable. Folders that cannot be listed (permissions, vanished mid-walk) are skipped, never
    fatal. A root that is missing yields nothing. Stops quietly when `cancel` is set.
    """
    for root_id, rel_path, abs_path, size, mtime_ns in walk_files(roots, cancel):
        yield FileEntry(root_id, rel_path, Path(abs_path), size, mtime_ns)


class WalkedFile(NamedTuple):
    """`FileEntry` with the path as a string: building a `Path` per file would cost a rescan more
    than the walk itself, and a rescan needs no path for a file that did not change."""

    root_id: int
    rel_path: str
    abs_path: str
    size: int
    mtime_ns: int


def walk_files(
    roots: Sequence[tuple[int, Path]], cancel: CancelToken | None = None
) -> Iterator[WalkedFile]:
    """Like `walk_images`, yielding `WalkedFile`s."""
    real_roots = [_real(path) for _, path in roots]
    for root_id, root in roots:
        yield from _walk_root(root_id, Path(root), real_roots, cancel)


def _walk_root(
    root_id: int, root: Path, real_roots: list[str], cancel: CancelToken | None
) -> Iterator[WalkedFile]:
    try:
        st = os.stat(root)
    except OSError:
        return
    if not stat.S_ISDIR(st.st_mode):
        return
    visited: set[tuple[int, int]] = {(st.st_dev, st.st_ino)}
    stack: list[tuple[str, str]] = [(os.fspath(root), "")]
    while stack:
        if cancel is not None and cancel.cancelled:
            return
        folder, rel_prefix = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        subfolders: list[tuple[str, str]] = []
        for entry in entries:
            name = entry.name
            if name.startswith(".") or (_WINDOWS and _hidden_on_windows(entry)):
                continue
            if not _storable(name):
                continue  # undecodable bytes in the name: cannot be stored or exported as text
            try:
                is_dir = entry.is_dir()
                is_file = not is_dir and entry.is_file()
            except OSError:
                continue
            rel = rel_prefix + name
            if is_dir:
                if _follow_folder(entry, real_roots, visited):
                    subfolders.append((entry.path, rel + "/"))
                continue
            if not is_file or not _is_candidate(name, entry.path):
                continue
            try:
                info = entry.stat()  # follows a symlinked file to the file it points at
            except OSError:
                continue  # vanished or a dangling link
            yield WalkedFile(root_id, rel, entry.path, info.st_size, info.st_mtime_ns)
        # Pushed in reverse so the walk descends in name order.
        stack.extend(reversed(subfolders))


def _follow_folder(entry: os.DirEntry, real_roots: list[str], visited: set[tuple[int, int]]) -> bool:
    """Mark a subfolder visited; False when it was seen before or is a link back into the tree."""
    try:
        info = entry.stat()  # of the target when the entry is a symlink
        symlink = entry.is_symlink()
    except OSError:
        return False
    key = (info.st_dev, info.st_ino)
    if key in visited:
        return False
    if symlink:
        target = _real(entry.path)
        if any(target == r or target.startswith(r.rstrip(os.sep) + os.sep) for r in real_roots):
            return False
    visited.add(key)
    return True


def _is_candidate(name: str, path: str) -> bool:
    by_name = image_by_name(name)
    return looks_like_image(path) if by_name is None else by_name


def _storable(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _hidden_on_windows(entry: os.DirEntry) -> bool:
    try:
        # st_file_attributes exists on Windows only (typeshed knows it as such); cached by scandir
        attributes = getattr(entry.stat(follow_symlinks=False), "st_file_attributes")
    except (OSError, AttributeError):
        return False
    return bool(attributes & stat.FILE_ATTRIBUTE_HIDDEN)


def _real(path: Path | str) -> str:
    return os.path.realpath(os.fspath(path))


__all__ = ["WalkedFile", "walk_files", "walk_images"]
