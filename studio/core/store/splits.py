"""The project's stored splits and perceptual hashes: the one place that reads and writes them.

Splits are keyed by image identity (see schema version 3), hashes live on the image row (version 7).
The rules that decide splits are in `studio.core.splits`; this module only stores their outcome, as
plain strings and integers, so the store layer imports no feature package.
Threads: like the store itself, use one repository per connection (one per thread).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

if TYPE_CHECKING:
    from studio.core.store.project_store import ProjectStore


class SplitRepository:
    def __init__(self, store: "ProjectStore") -> None:
        self.store = store
        self.conn = store.conn

    # -- splits ------------------------------------------------------------------------------------

    def stored(self) -> dict[str, str]:
        """identity -> split name, for every identity ever assigned (also of images now removed)."""
        return {r[0]: r[1] for r in self.conn.execute("SELECT identity, split FROM splits")}

    def save(self, assignment: Mapping[str, str], previous: Mapping[str, str] | None = None) -> int:
        """Store the splits that differ from `previous` (all of them without it); returns how many."""
        now = time.time()
        changed = [(i, s, now) for i, s in assignment.items() if previous is None or previous.get(i) != s]
        if changed:
            with self.store._tx():
                self.conn.executemany(
                    "INSERT INTO splits (identity, split, assigned_at) VALUES (?, ?, ?) "
                    "ON CONFLICT(identity) DO UPDATE SET split = excluded.split, assigned_at = excluded.assigned_at",
                    changed,
                )
        return len(changed)

    # -- perceptual hashes -------------------------------------------------------------------------

    def record_hashes(self, hashes: Iterable[tuple[int, int | None]]) -> None:
        """(image id, unsigned 64-bit hash or None) pairs from the deep check."""
        with self.store._tx():
            self.conn.executemany(
                "UPDATE images SET phash = ? WHERE id = ?",
                ((None if h is None else to_signed(h), image_id) for image_id, h in hashes),
            )

    def hashes(self, image_ids: Sequence[int] | None = None) -> dict[int, int]:
        """image id -> unsigned hash, for the images that have one."""
        if image_ids is None:
            rows = self.conn.execute("SELECT id, phash FROM images WHERE phash IS NOT NULL").fetchall()
        else:
            rows = self.store._select_in("SELECT id, phash FROM images WHERE phash IS NOT NULL AND id IN ({})",
                                         list(image_ids))
        return {int(r[0]): from_signed(int(r[1])) for r in rows}

    # -- "not a duplicate" marks -------------------------------------------------------------------

    def ignored(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT identity FROM duplicate_ignored")}

    def set_ignored(self, identities: Iterable[str], ignored: bool = True) -> None:
        now = time.time()
        with self.store._tx():
            if ignored:
                self.conn.executemany("INSERT OR REPLACE INTO duplicate_ignored (identity, at) VALUES (?, ?)",
                                      ((i, now) for i in identities))
            else:
                self.conn.executemany("DELETE FROM duplicate_ignored WHERE identity = ?", ((i,) for i in identities))


def to_signed(value: int) -> int:
    """An unsigned 64-bit hash as the signed integer SQLite can store."""
    return value - (1 << 64) if value >= 1 << 63 else value


def from_signed(value: int) -> int:
    """The unsigned 64-bit hash back from SQLite's signed integer."""
    return value + (1 << 64) if value < 0 else value


__all__ = ["SplitRepository", "from_signed", "to_signed"]
