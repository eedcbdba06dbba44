"""The map from dataset lines back to project images.

The service reports problems only as text naming line numbers of the uploaded file ("inaccessible
URL (3): Line numbers --> 1, 2, 3"). The manifest, written next to the JSONL files, lets the app turn
such a line number (1-based, as the service counts) and image index within the line into the project
image, so the reason can be shown on the image itself. One JSON record per image per line, written
while the dataset streams, so it never needs the whole dataset in memory.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

MANIFEST_NAME = "manifest.jsonl"


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    file: str  # "train.jsonl", "validation.jsonl" or "test.jsonl"
    line: int  # 1-based line number in that file
    image_index: int  # 0-based index of the image within the line's example
    image_id: int
    rel_path: str
    fingerprint: str | None
    class_name: str
    reencoded: bool


def write_entry(fh: IO[bytes], entry: ManifestEntry) -> None:
    fh.write(json.dumps(asdict(entry), ensure_ascii=False).encode("utf-8") + b"\n")


class ManifestIndex:
    """All entries of a manifest, indexed by (file, line)."""

    def __init__(self, entries: list[ManifestEntry]) -> None:
        self.entries = entries
        self._by_line: dict[tuple[str, int], list[ManifestEntry]] = {}
        for e in entries:
            self._by_line.setdefault((e.file, e.line), []).append(e)

    def lookup(self, file: str, line: int) -> list[ManifestEntry]:
        """Images of line `line` (1-based) of `file` (a file name such as "train.jsonl")."""
        return list(self._by_line.get((Path(file).name, line), ()))

    def image(self, file: str, line: int, image_index: int = 0) -> ManifestEntry | None:
        for e in self._by_line.get((Path(file).name, line), ()):
            if e.image_index == image_index:
                return e
        return None


def read_manifest(path: Path) -> ManifestIndex:
    entries = []
    with open(path, encoding="utf-8") as fh:
        for text in fh:
            if text.strip():
                entries.append(ManifestEntry(**json.loads(text)))
    return ManifestIndex(entries)
