"""The project's moderation-skip predictions and the user's "this flag is wrong" marks.

The one place that reads and writes the `moderation` and `moderation_dismissed` tables (schema v6).
Predictions are cached per file fingerprint: an image is analysed once, a moved file or an identical
copy reuses the result, and an edited file (new fingerprint) is analysed again. A prediction made by
another detector version counts until the stage has recomputed it, so an upgrade never hides a
warning in the meantime.

An image "is flagged" when its rule checks passed (a file the service rejects anyway is the rule
verdict's business), it is not missing, its fingerprint has a face or person prediction, and the user
has not dismissed that prediction. `FLAGGED_SQL` is that rule, shared with the image filter.

Threads: like the store itself, use one repository per connection (one per thread).
"""

from __future__ import annotations

import json
import time
import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


class _Store(Protocol):
    """What the repository needs of a ProjectStore (not imported: the store imports this module)."""

    conn: sqlite3.Connection

    def transaction(self) -> AbstractContextManager[Any]: ...

# A WHERE fragment over `images` (unqualified column names): the image is flagged, not dismissed.
FLAGGED_SQL = (
    "verdict = 'ok' AND fingerprint IN (SELECT fingerprint FROM moderation WHERE likely_skipped IS NOT NULL) "
    "AND fingerprint NOT IN (SELECT fingerprint FROM moderation_dismissed)"
)
# An expression over `images`: the image's active flag kind ("face" | "person") or NULL.
MODERATION_COLUMN = (
    "CASE WHEN images.verdict = 'ok' AND images.fingerprint NOT IN (SELECT fingerprint FROM moderation_dismissed) "
    "THEN (SELECT m.likely_skipped FROM moderation m WHERE m.fingerprint = images.fingerprint) END"
)
# The service fails a job outright when more than this many multimodal examples are skipped.
SKIP_LIMIT = 200


@dataclass(frozen=True, slots=True)
class ModerationFlag:
    """The prediction for one image. `boxes` are (x, y, w, h) in original-image pixels, EXIF
    orientation applied."""

    kind: str  # "face" | "person"
    boxes: tuple[tuple[int, int, int, int], ...]
    dismissed: bool
    size: tuple[int, int] = (0, 0)  # (w, h) of the image as shown, which the boxes refer to


@dataclass(frozen=True, slots=True)
class PendingFile:
    """A distinct file content still to be analysed, with one image that has it (to read it from)."""

    fingerprint: str
    image_id: int
    path: str


@dataclass(frozen=True, slots=True)
class ModerationCounts:
    face: int = 0
    person: int = 0
    dismissed: int = 0
    pending: int = 0  # images that passed the checks but have no prediction yet

    @property
    def flagged(self) -> int:
        return self.face + self.person


class ModerationRepository:
    def __init__(self, store: _Store) -> None:
        self.store = store
        self.conn = store.conn

    def _select_in(self, sql: str, values: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Rows of `sql` (whose `{}` is an IN list) for all `values`, in chunks under SQLite's limit."""
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(values), 900):
            chunk = list(values[start : start + 900])
            rows += self.conn.execute(sql.format(",".join("?" * len(chunk))), chunk).fetchall()
        return rows

    # -- the stage's side --------------------------------------------------------------------------

    def pending(self, detector: str) -> list[PendingFile]:
        """Distinct fingerprints of checked, present, passing images without a prediction by
        `detector`; in path order so a cancelled stage resumes where it stopped."""
        rows = self.conn.execute(
            "SELECT i.fingerprint, min(i.id) FROM images i "
            "LEFT JOIN moderation m ON m.fingerprint = i.fingerprint "
            "WHERE i.missing = 0 AND i.verdict = 'ok' AND i.check_stage = 'deep' AND i.fingerprint IS NOT NULL "
            "AND (m.fingerprint IS NULL OR m.detector != ?) "
            "GROUP BY i.fingerprint",
            (detector,),
        ).fetchall()
        paths = {
            r[0]: str(Path(r[1]) / r[2])
            for r in self._select_in(
                "SELECT i.id, r.path, i.rel_path FROM images i JOIN roots r ON r.id = i.root_id WHERE i.id IN ({})",
                [r[1] for r in rows],
            )
        }
        out = [PendingFile(fp, image_id, paths[image_id]) for fp, image_id in rows if image_id in paths]
        out.sort(key=lambda p: p.path)
        return out

    def record(
        self,
        detector: str,
        results: Iterable[tuple[str, str | None, Sequence[Sequence[int]], tuple[int, int]]],
    ) -> None:
        """Store `(fingerprint, kind or None, boxes, (w, h))` predictions in one transaction."""
        now = time.time()
        rows = [
            (fp, detector, kind, json.dumps([[int(v) for v in b] for b in boxes]), int(size[0]), int(size[1]), now)
            for fp, kind, boxes, size in results
        ]
        if not rows:
            return
        with self.store.transaction():
            self.conn.executemany(
                "INSERT OR REPLACE INTO moderation "
                "(fingerprint, detector, likely_skipped, boxes_json, width, height, checked_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def image_ids_with(self, fingerprints: Sequence[str]) -> list[int]:
        """Images (present or not) whose content is one of `fingerprints`: what a batch changed."""
        rows = self._select_in("SELECT id FROM images WHERE fingerprint IN ({})", list(fingerprints))
        return [r[0] for r in rows]

    # -- the user's side ---------------------------------------------------------------------------

    def flags(self, image_ids: Sequence[int]) -> dict[int, ModerationFlag]:
        """Predictions for the given images that passed the checks (dismissed ones included)."""
        rows = self._select_in(
            "SELECT i.id, m.likely_skipped, m.boxes_json, d.fingerprint IS NOT NULL, m.width, m.height FROM images i "
            "JOIN moderation m ON m.fingerprint = i.fingerprint "
            "LEFT JOIN moderation_dismissed d ON d.fingerprint = i.fingerprint "
            "WHERE i.verdict = 'ok' AND m.likely_skipped IS NOT NULL AND i.id IN ({})",
            list(image_ids),
        )
        return {r[0]: ModerationFlag(r[1], _boxes(r[2]), bool(r[3]), (r[4] or 0, r[5] or 0)) for r in rows}

    def flag(self, image_id: int) -> ModerationFlag | None:
        return self.flags([image_id]).get(image_id)

    def flagged_ids(self, among: Sequence[int] | None = None) -> list[int]:
        """Flagged (not dismissed) images, in path order; only those in `among` when given."""
        sql = f"SELECT id FROM images WHERE missing = 0 AND {FLAGGED_SQL} ORDER BY root_id, rel_path"
        ids = [r[0] for r in self.conn.execute(sql)]
        if among is None:
            return ids
        wanted = set(among)
        return [i for i in ids if i in wanted]

    def counts(self) -> ModerationCounts:
        q = self.conn.execute
        by_kind: dict[str, Any] = dict(
            q(
                "SELECT m.likely_skipped, count(*) FROM images i JOIN moderation m ON m.fingerprint = i.fingerprint "
                "WHERE i.missing = 0 AND i.verdict = 'ok' AND m.likely_skipped IS NOT NULL "
                "AND i.fingerprint NOT IN (SELECT fingerprint FROM moderation_dismissed) GROUP BY m.likely_skipped"
            ).fetchall()
        )
        dismissed = q(
            "SELECT count(*) FROM images i JOIN moderation m ON m.fingerprint = i.fingerprint "
            "JOIN moderation_dismissed d ON d.fingerprint = i.fingerprint "
            "WHERE i.missing = 0 AND i.verdict = 'ok' AND m.likely_skipped IS NOT NULL"
        ).fetchone()[0]
        pending = q(
            "SELECT count(*) FROM images i LEFT JOIN moderation m ON m.fingerprint = i.fingerprint "
            "WHERE i.missing = 0 AND i.verdict = 'ok' AND m.fingerprint IS NULL"
        ).fetchone()[0]
        return ModerationCounts(int(by_kind.get("face", 0)), int(by_kind.get("person", 0)), int(dismissed), int(pending))

    def set_dismissed(self, image_ids: Iterable[int], dismissed: bool) -> list[int]:
        """Mark the flags of these images as wrong (or not); returns every image id that changed
        with them (identical copies share the mark, since they share the content)."""
        fps = [r[0] for r in self._select_in(
            "SELECT DISTINCT fingerprint FROM images WHERE fingerprint IS NOT NULL AND id IN ({})", list(image_ids)
        )]
        if not fps:
            return []
        now = time.time()
        with self.store.transaction():
            if dismissed:
                self.conn.executemany(
                    "INSERT OR IGNORE INTO moderation_dismissed (fingerprint, dismissed_at) VALUES (?, ?)",
                    [(fp, now) for fp in fps],
                )
            else:
                self.conn.executemany("DELETE FROM moderation_dismissed WHERE fingerprint = ?", [(fp,) for fp in fps])
        return self.image_ids_with(fps)


def _boxes(text: str) -> tuple[tuple[int, int, int, int], ...]:
    try:
        return tuple((int(b[0]), int(b[1]), int(b[2]), int(b[3])) for b in json.loads(text))
    except (ValueError, TypeError, IndexError):
        return ()


__all__ = ["FLAGGED_SQL", "MODERATION_COLUMN", "SKIP_LIMIT", "ModerationCounts", "ModerationFlag", "ModerationRepository", "PendingFile"]
