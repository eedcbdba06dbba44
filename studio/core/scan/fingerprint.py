"""A fast identity for an image file, used to recognise a file that was moved or renamed.

Hashing whole files would read every byte of a photo library on each scan; the size plus the first
and last 64 KiB tell two photos apart just as well in practice (a JPEG's head holds its EXIF and
quantisation tables, its tail the last entropy-coded data), at a fixed cost per file.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

CHUNK = 64 * 1024


def fingerprint(path: Path | str, size: int) -> str:
    """Fingerprint of the file at `path`, whose size the caller already knows from its stat."""
    with open(path, "rb") as f:
        head = f.read(CHUNK)
        tail = b""
        if size > CHUNK:
            if size > 2 * CHUNK:
                f.seek(size - CHUNK)
            tail = f.read(CHUNK)
    return _digest(size, head, tail)


def fingerprint_bytes(data: bytes) -> str:
    """The same fingerprint computed from a file's complete contents already in memory."""
    size = len(data)
    return _digest(size, data[:CHUNK], data[max(CHUNK, size - CHUNK):])


def _digest(size: int, head: bytes, tail: bytes) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(size.to_bytes(8, "little"))
    h.update(head)
    h.update(tail)
    return h.hexdigest()


__all__ = ["fingerprint", "fingerprint_bytes"]

