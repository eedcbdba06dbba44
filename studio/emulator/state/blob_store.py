"""Where file and upload-part bytes live: memory for tests, a folder for the persistent demo.

Kept apart from the JSON state so the state file stays small however large the uploads are.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

_SAFE_KEY = re.compile(r"^[A-Za-z0-9_.-]+$")


class MemoryBlobStore:
    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def put(self, key: str, data: bytes) -> None:
        with self._lock:
            self._blobs[key] = bytes(data)

    def get(self, key: str) -> bytes:
        with self._lock:
            return self._blobs[key]

    def delete(self, key: str) -> None:
        with self._lock:
            self._blobs.pop(key, None)


class DirectoryBlobStore:
    def __init__(self, folder: Path) -> None:
        self._folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if not _SAFE_KEY.match(key):
            raise ValueError(f"unsafe blob key {key!r}")
        return self._folder / key

    def put(self, key: str, data: bytes) -> None:
        target = self._path(key)
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


BlobStore = MemoryBlobStore | DirectoryBlobStore
