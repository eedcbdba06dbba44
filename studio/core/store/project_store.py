"""The project file: one SQLite database the user can save anywhere, copy and back up.

Why these choices:
- WAL journal so the UI can read while a scan writes, and a crash mid-write never corrupts the file.
- Every label change is its own committed transaction with `synchronous=FULL`, so a label the user saw
  saved survives a kill -9 or power loss; bulk scan writes use `NORMAL` and batches for speed.
- Labels live on the image row (single-label classification) with an append-only audit table that
  powers undo and history.
- The file is refused, never modified, when it is not ours, is newer than this app, or is locked.
"""

from __future__ import annotations

import json
import os
import random
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import sqlite_utils

from studio.core.keys import reserved_class_keys
from studio.core.store import schema
from studio.core.store.job_records import JobRepository
from studio.core.store.moderation_flags import FLAGGED_SQL, MODERATION_COLUMN
from studio.core.errors import ProjectOpenError, ProjectReadOnlyError, StudioError
from studio.core.models import (
    CheckResult,
    ClassInfo,
    ImageFilter,
    ImageRow,
    LabelChange,
    ProjectStatus,
    Root,
    Verdict,
)

# Distinct, colour-blind-friendlier palette (Okabe-Ito first, then Tableau) for new classes.
CLASS_PALETTE = (
    "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7",
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
    "#ff9da7", "#9c755f",
)
# Keys a class may not take: the app's own single-key commands, derived from the one key table.
RESERVED_KEYS = reserved_class_keys()
# Default shortcuts: 1-9, then the letters of the keyboard's top rows that no command takes.
DEFAULT_SHORTCUTS = tuple(k for k in "123456789qwertyuiopfghjklzxcvbnm" if k not in RESERVED_KEYS)

_IMAGE_COLUMNS = (
    "id, root_id, rel_path, size, mtime_ns, fingerprint, format, mode, width, height, frames, "
    f"verdict, message, check_stage, class_id, excluded, missing, service_skip, {MODERATION_COLUMN}"
)


@dataclass(frozen=True, slots=True)
class KnownFile:
    """What the store remembers of a file, enough to decide whether a rescan must read it."""

    id: int
    size: int
    mtime_ns: int
    fingerprint: str | None
    missing: bool
    check_stage: str


@dataclass(frozen=True, slots=True)
class FileRecord:
    """A file found by a scan, to be inserted or updated in the store."""

    rel_path: str
    size: int
    mtime_ns: int
    fingerprint: str | None
    check: CheckResult | None = None


def _now() -> float:
    return time.time()


@dataclass(frozen=True, slots=True)
class StoreFactory:
    """The one way to get another connection to an open project: one per worker thread.

    SQLite connections are not shared between threads here. The UI thread uses the connection its
    owner holds (the labeling session's store); a scan, an export, a submission or the job poller
    opens its own from this factory and closes it when done. Read-only projects hand out read-only
    connections only.
    """

    path: Path
    read_only: bool = False

    def open(self) -> "ProjectStore":
        """A connection with the project's own access (writable unless the project is read-only)."""
        return ProjectStore.open(self.path, read_only=self.read_only)

    def open_reader(self) -> "ProjectStore":
        """A read-only connection (previews, estimates): it can never write by mistake."""
        return ProjectStore.open(self.path, read_only=True)


class ProjectStore:
    """A project open for reading and (unless read-only) writing."""

    def __init__(self, path: Path, conn: sqlite3.Connection, read_only: bool) -> None:
        self.path = path
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        self.read_only = read_only
        self._roots_cache: dict[int, Path] | None = None
        self._jobs: JobRepository | None = None

    # ------------------------------------------------------------------ opening and closing

    @classmethod
    def create(cls, path: Path | str, roots: Sequence[Path | str] = ()) -> "ProjectStore":
        """Create a new project file; refuses to overwrite anything that already exists."""
        path = Path(path)
        if path.exists():
            raise ProjectOpenError(
                f"'{path}' already exists. Choose another name, or open it as a project instead."
            )
        if not path.parent.is_dir():
            raise ProjectOpenError(f"The folder '{path.parent}' does not exist. Choose an existing folder.")
        try:
            conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise ProjectOpenError(f"Cannot create '{path}': {exc}. Check that the folder is writable.") from exc
        try:
            _configure(conn)
            conn.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
            _migrate(conn, 0)
            store = cls(path, conn, read_only=False)
            store._set_meta("created_at", str(_now()))
            for root in roots:
                store.add_root(root)
            return store
        except Exception:
            conn.close()
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            raise

    @classmethod
    def open(cls, path: Path | str, *, read_only: bool = False) -> "ProjectStore":
        """Open an existing project, upgrading an older schema in place (after a backup copy)."""
        path = Path(path)
        if not path.is_file():
            raise ProjectOpenError(f"'{path}' does not exist or is not a file.")
        if not read_only and not os.access(path, os.W_OK):
            raise ProjectOpenError(
                f"'{path}' is read-only. Copy it somewhere writable, or open it read-only to browse."
            )
        with path.open("rb") as fh:
            header = fh.read(16)
        if header != b"SQLite format 3\x00":
            raise ProjectOpenError(f"'{path}' is not a studio project (it is not a SQLite database).")
        uri = f"file:{path.as_posix()}?mode={'ro' if read_only else 'rw'}"
        try:
            conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise ProjectOpenError(f"Cannot open '{path}': {exc}.") from exc
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if app_id != schema.APPLICATION_ID:
                raise ProjectOpenError(
                    f"'{path}' is a SQLite database but not a studio project. Nothing was changed."
                )
            if version > schema.SCHEMA_VERSION:
                raise ProjectOpenError(
                    f"'{path}' was saved by a newer version of the studio (schema {version}, this app "
                    f"understands up to {schema.SCHEMA_VERSION}). Update the app to open it. Nothing was changed."
                )
            if not read_only:
                _configure(conn)
                _check_not_locked(conn, path)
                if version < schema.SCHEMA_VERSION:
                    _backup_before_upgrade(conn, path, version)
                    _migrate(conn, version)
            else:
                conn.execute("PRAGMA busy_timeout = 2000")
                if version < schema.SCHEMA_VERSION:
                    raise ProjectOpenError(
                        f"'{path}' uses an older format and must be upgraded, which needs write access. "
                        "Open it without read-only mode."
                    )
            return cls(path, conn, read_only=read_only)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise ProjectOpenError(f"'{path}' cannot be read as a project: {exc}. Nothing was changed.") from exc
        except Exception:
            conn.close()
            raise

    def close(self) -> None:
        try:
            if not self.read_only:
                self.conn.execute("PRAGMA optimize")
        except sqlite3.Error:
            pass
        self.conn.close()

    def __enter__(self) -> "ProjectStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ helpers

    def _write(self) -> None:
        if self.read_only:
            raise ProjectReadOnlyError(
                f"'{self.path.name}' is open read-only, so this change was not made. "
                "Reopen it with write access to edit."
            )

    def _set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def _select_in(self, sql: str, values: Sequence[Any], *leading: Any) -> list[tuple[Any, ...]]:
        """Rows of `sql` (whose `{}` is an IN list) for all `values`, in chunks under SQLite's
        limit on bound parameters; `leading` parameters come before each chunk's values."""
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(values), 900):
            chunk = values[start : start + 900]
            rows += self.conn.execute(sql.format(",".join("?" * len(chunk))), (*leading, *chunk)).fetchall()
        return rows

    def transaction(self) -> "_Transaction":
        """The one way the store layer writes: refuse on a read-only project, then BEGIN IMMEDIATE ...
        COMMIT (rollback on error; nested use joins the outer one). Repositories over this store's
        tables (`jobs`, evaluations, ...) use it too, so every write has the same guard and errors."""
        self._write()
        return _Transaction(self.conn)

    _tx = transaction  # the short name the store's own methods use

    @property
    def factory(self) -> StoreFactory:
        """Opens more connections to this project, for worker threads."""
        return StoreFactory(self.path, self.read_only)

    @property
    def jobs(self) -> JobRepository:
        """Typed access to the fine-tuning records (submissions, jobs, events, checkpoints, skips)."""
        if self._jobs is None:
            self._jobs = JobRepository(self)
        return self._jobs

    # ------------------------------------------------------------------ roots

    def roots(self) -> list[Root]:
        return [Root(id=r[0], path=Path(r[1])) for r in self.conn.execute("SELECT id, path FROM roots ORDER BY id")]

    def _root_paths(self) -> dict[int, Path]:
        if self._roots_cache is None:
            self._roots_cache = {r.id: r.path for r in self.roots()}
        return self._roots_cache

    def add_root(self, folder: Path | str) -> Root:
        """Add an image folder to the project (stored as an absolute path)."""
        folder = Path(folder).expanduser().resolve()
        if not folder.is_dir():
            raise StudioError(f"'{folder}' is not a folder. Choose a folder that contains images.")
        for root in self.roots():
            if root.path == folder:
                return root
        with self._tx():
            cur = self.conn.execute("INSERT INTO roots(path, added_at) VALUES (?, ?)", (str(folder), _now()))
        self._roots_cache = None
        assert cur.lastrowid is not None  # set by every successful INSERT
        return Root(id=cur.lastrowid, path=folder)

    def relink_root(self, root_id: int, new_folder: Path | str) -> int:
        """Point a root at the folder's new location; returns how many known images are found there.

        Labels follow the images because they are keyed by root + relative path; images that are not at
        the same relative path are matched by fingerprint on the next scan (see project_scan).
        """
        new_folder = Path(new_folder).expanduser().resolve()
        if not new_folder.is_dir():
            raise StudioError(f"'{new_folder}' is not a folder. Choose the folder that now holds the images.")
        with self._tx():
            self.conn.execute("UPDATE roots SET path = ? WHERE id = ?", (str(new_folder), root_id))
        self._roots_cache = None
        found = 0
        for (rel,) in self.conn.execute("SELECT rel_path FROM images WHERE root_id = ?", (root_id,)):
            if (new_folder / rel).is_file():
                found += 1
        return found

    # ------------------------------------------------------------------ images: scan side

    def known_files(self, root_id: int) -> dict[str, KnownFile]:
        rows = self.conn.execute(
            "SELECT rel_path, id, size, mtime_ns, fingerprint, missing, check_stage FROM images WHERE root_id = ?",
            (root_id,),
        )
        return {r[0]: KnownFile(r[1], r[2], r[3], r[4], bool(r[5]), r[6]) for r in rows}

    def upsert_files(self, root_id: int, records: Iterable[FileRecord]) -> dict[str, int]:
        """Insert new files or update changed ones, in one transaction; returns rel_path -> image id.

        A changed file (size or mtime differs) loses its old check verdict, since its content changed,
        but keeps its label: the user labeled that file, and a re-save rarely changes what it shows.
        This is the scan's hot path, so it is one `executemany` upsert plus one id query per batch,
        committed with `synchronous=NORMAL` (a lost scan batch is simply found again by the next scan;
        label commits keep `FULL`).
        """
        rows = [
            (root_id, rec.rel_path, rec.size, rec.mtime_ns, rec.fingerprint, *_check_columns(rec.check))
            for rec in records
        ]
        if not rows:
            return {}
        self._write()
        self.conn.execute("PRAGMA synchronous = NORMAL")
        try:
            with self._tx():
                self.conn.executemany(
                    "INSERT INTO images(root_id, rel_path, size, mtime_ns, fingerprint, format, mode, width, "
                    "height, frames, verdict, message, check_stage) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
                    "ON CONFLICT(root_id, rel_path) DO UPDATE SET size=excluded.size, mtime_ns=excluded.mtime_ns, "
                    "fingerprint=excluded.fingerprint, format=excluded.format, mode=excluded.mode, "
                    "width=excluded.width, height=excluded.height, frames=excluded.frames, "
                    "verdict=excluded.verdict, message=excluded.message, check_stage=excluded.check_stage, "
                    # A service skip judged the old content; a changed file deserves a fresh chance.
                    "service_skip=CASE WHEN images.size != excluded.size OR images.mtime_ns != excluded.mtime_ns "
                    "THEN NULL ELSE images.service_skip END, "
                    "missing=0",
                    rows,
                )
                found = self._select_in(
                    "SELECT id, rel_path FROM images WHERE root_id = ? AND rel_path IN ({})",
                    [r[1] for r in rows], root_id,
                )
                ids = {rel: int(image_id) for image_id, rel in found}
        finally:
            self.conn.execute("PRAGMA synchronous = FULL")
        return ids

    def record_checks(self, results: Iterable[tuple[int, CheckResult]]) -> None:
        with self._tx():
            self.conn.executemany(
                "UPDATE images SET format=?, mode=?, width=?, height=?, frames=?, verdict=?, message=?, "
                "check_stage=? WHERE id=?",
                ((*_check_columns(check), image_id) for image_id, check in results),
            )

    def mark_missing(self, image_ids: Iterable[int], missing: bool = True) -> None:
        with self._tx():
            self.conn.executemany(
                "UPDATE images SET missing=? WHERE id=?", ((int(missing), i) for i in image_ids)
            )

    def move_image(self, image_id: int, root_id: int, rel_path: str, size: int, mtime_ns: int) -> None:
        """Record that a known image now lives elsewhere; its label and checks stay with it."""
        with self._tx():
            self.conn.execute(
                "UPDATE images SET root_id=?, rel_path=?, size=?, mtime_ns=?, missing=0 WHERE id=?",
                (root_id, rel_path, size, mtime_ns, image_id),
            )

    def find_missing_by_fingerprint(self, fingerprint: str) -> list[int]:
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT id FROM images WHERE fingerprint = ? AND missing = 1 ORDER BY id", (fingerprint,)
            )
        ]

    def remove_missing(self) -> int:
        """Forget images that are gone from disk (their labels stay in the audit log)."""
        with self._tx():
            cur = self.conn.execute("DELETE FROM images WHERE missing = 1")
        return cur.rowcount

    # ------------------------------------------------------------------ images: read side

    def _row(self, r: Sequence[Any]) -> ImageRow:
        roots = self._root_paths()
        root = roots.get(r[1])
        abs_path = (root / r[2]) if root is not None else Path(r[2])
        try:
            verdict = Verdict(r[11])
        except ValueError:
            verdict = Verdict.PENDING
        return ImageRow(
            id=r[0], root_id=r[1], rel_path=r[2], abs_path=abs_path, size=r[3], mtime_ns=r[4],
            fingerprint=r[5], format=r[6], mode=r[7], width=r[8], height=r[9], frames=r[10],
            verdict=verdict, message=r[12], check_stage=r[13], class_id=r[14], excluded=bool(r[15]),
            missing=bool(r[16]), service_skip=r[17], moderation=r[18],
        )

    def image(self, image_id: int) -> ImageRow:
        r = self.conn.execute(f"SELECT {_IMAGE_COLUMNS} FROM images WHERE id = ?", (image_id,)).fetchone()
        if r is None:
            raise KeyError(image_id)
        return self._row(r)

    def images(self, image_ids: Sequence[int]) -> list[ImageRow]:
        """Rows for the given ids, in the given order (ids that no longer exist are left out)."""
        ids = list(image_ids)
        found = {r[0]: self._row(r) for r in self._select_in(f"SELECT {_IMAGE_COLUMNS} FROM images WHERE id IN ({{}})", ids)}
        return [found[i] for i in ids if i in found]

    def iter_images(self, flt: ImageFilter = ImageFilter()) -> Iterator[ImageRow]:
        where, params = _filter_sql(flt)
        for r in self.conn.execute(
            f"SELECT {_IMAGE_COLUMNS} FROM images WHERE {where} ORDER BY root_id, rel_path", params
        ):
            yield self._row(r)

    def image_ids(self, flt: ImageFilter = ImageFilter(), order: str = "path") -> list[int]:
        """Ids of the images a view shows, in display order. Cheap even for 100,000 images."""
        where, params = _filter_sql(flt)
        order_sql = {
            "path": "root_id, rel_path",
            "name": "root_id, rel_path",
            "size": "size DESC, root_id, rel_path",
            "class": "class_id IS NULL, class_id, root_id, rel_path",
            "verdict": "verdict = 'ok', verdict, root_id, rel_path",
        }.get(order)
        if order_sql is None:
            raise ValueError(f"unknown sort order {order!r}")
        return [r[0] for r in self.conn.execute(f"SELECT id FROM images WHERE {where} ORDER BY {order_sql}", params)]

    def count(self, flt: ImageFilter = ImageFilter()) -> int:
        where, params = _filter_sql(flt)
        return int(self.conn.execute(f"SELECT count(*) FROM images WHERE {where}", params).fetchone()[0])

    def folders(self) -> list[str]:
        """Distinct sub-folders (root-relative, '/'-separated) that hold images, for the folder filter."""
        out: set[str] = set()
        for (rel,) in self.conn.execute("SELECT rel_path FROM images WHERE missing = 0"):
            parts = rel.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                out.add("/".join(parts[:i]))
        return sorted(out)

    # ------------------------------------------------------------------ classes

    def classes(self) -> list[ClassInfo]:
        return [
            ClassInfo(id=r[0], name=r[1], position=r[2], shortcut=r[3], color=r[4])
            for r in self.conn.execute("SELECT id, name, position, shortcut, color FROM classes ORDER BY position, id")
        ]

    def class_by_name(self, name: str) -> ClassInfo | None:
        """The class called `name`, compared as stored (white space folded, as `add_class` does)."""
        name = _fold_spaces(name)
        for c in self.classes():
            if c.name == name:
                return c
        return None

    def add_class(self, name: str, shortcut: str | None = None, color: str | None = None) -> ClassInfo:
        """Add a class; gives it the next free shortcut and palette colour unless told otherwise."""
        name = _clean_class_name(name)
        existing = self.classes()
        if any(c.name == name for c in existing):
            raise StudioError(f"A class named '{name}' already exists. Choose another name.")
        used_keys = {c.shortcut for c in existing if c.shortcut}
        if shortcut is None:
            shortcut = next((k for k in DEFAULT_SHORTCUTS if k not in used_keys), None)
        else:
            shortcut = self._validate_shortcut(shortcut, None)
        if color is not None:
            color = _clean_color(color)
        else:
            used_colors = {c.color for c in existing}
            color = next((c for c in CLASS_PALETTE if c not in used_colors), None)
            if color is None:
                color = "#%06x" % random.Random(name).randrange(0x1000000)
        position = (max((c.position for c in existing), default=-1)) + 1
        with self._tx():
            cur = self.conn.execute(
                "INSERT INTO classes(name, position, shortcut, color) VALUES (?,?,?,?)",
                (name, position, shortcut, color),
            )
        assert cur.lastrowid is not None  # set by every successful INSERT
        return ClassInfo(id=cur.lastrowid, name=name, position=position, shortcut=shortcut, color=color)

    def _validate_shortcut(self, key: str | None, class_id: int | None) -> str | None:
        if key in (None, ""):
            return None
        key = key.lower()
        if len(key) != 1 or not key.isalnum():
            raise StudioError(f"'{key}' cannot be a shortcut. Use one letter or digit.")
        if key in RESERVED_KEYS:
            raise StudioError(f"'{key}' is reserved for navigation or commands. Choose another key.")
        for c in self.classes():
            if c.shortcut == key and c.id != class_id:
                raise StudioError(f"'{key}' is already the shortcut of '{c.name}'. Choose another key.")
        return key

    def rename_class(self, class_id: int, new_name: str) -> None:
        new_name = _clean_class_name(new_name)
        other = self.class_by_name(new_name)
        if other is not None and other.id != class_id:
            raise StudioError(
                f"A class named '{new_name}' already exists. To combine the two, merge them instead."
            )
        with self._tx():
            self.conn.execute("UPDATE classes SET name=? WHERE id=?", (new_name, class_id))

    def set_class_color(self, class_id: int, color: str) -> None:
        color = _clean_color(color)
        with self._tx():
            self.conn.execute("UPDATE classes SET color=? WHERE id=?", (color, class_id))

    def set_class_shortcut(self, class_id: int, key: str | None) -> None:
        key = self._validate_shortcut(key, class_id)
        with self._tx():
            self.conn.execute("UPDATE classes SET shortcut=? WHERE id=?", (key, class_id))

    def reorder_classes(self, class_ids: Sequence[int]) -> None:
        with self._tx():
            self.conn.executemany(
                "UPDATE classes SET position=? WHERE id=?", ((pos, cid) for pos, cid in enumerate(class_ids))
            )

    def merge_classes(self, source_id: int, target_id: int, source: str = "merge") -> LabelChange:
        """Move every image of `source_id` to `target_id`, then delete the source class."""
        if source_id == target_id:
            raise StudioError("Choose two different classes to merge.")
        ids = [r[0] for r in self.conn.execute("SELECT id FROM images WHERE class_id=?", (source_id,))]
        with self._tx():
            change = self._apply(dict.fromkeys(ids, target_id), source)
            self.conn.execute("DELETE FROM classes WHERE id=?", (source_id,))
        return change

    def delete_class(self, class_id: int, reassign_to: int | None = None, source: str = "delete-class") -> LabelChange:
        """Delete a class; its images become unlabeled or move to `reassign_to`."""
        ids = [r[0] for r in self.conn.execute("SELECT id FROM images WHERE class_id=?", (class_id,))]
        with self._tx():
            change = self._apply(dict.fromkeys(ids, reassign_to), source)
            self.conn.execute("DELETE FROM classes WHERE id=?", (class_id,))
        return change

    def class_counts(self) -> dict[int, int]:
        return {
            r[0]: r[1]
            for r in self.conn.execute(
                "SELECT class_id, count(*) FROM images WHERE class_id IS NOT NULL AND missing=0 GROUP BY class_id"
            )
        }

    # ------------------------------------------------------------------ labels

    def set_label(self, image_ids: Iterable[int], class_id: int | None, source: str = "user") -> LabelChange:
        """Label (or, with None, unlabel) images; committed durably before this returns."""
        with self._tx():
            return self._apply(dict.fromkeys(image_ids, class_id), source)

    def apply_labels(self, labels: dict[int, int | None], source: str = "undo") -> LabelChange:
        """Set each image to its own class (undo/redo and imports), in one durable transaction."""
        with self._tx():
            return self._apply(labels, source)

    def _apply(self, labels: dict[int, int | None], source: str) -> LabelChange:
        """Write labels and their audit rows; the caller holds the transaction."""
        if not labels:
            return LabelChange(batch_id=0, before={}, after=None)
        ids = list(labels)
        before: dict[int, int | None] = dict(self._select_in("SELECT id, class_id FROM images WHERE id IN ({})", ids))
        batch = int(self.conn.execute("SELECT coalesce(max(batch_id), 0) + 1 FROM label_audit").fetchone()[0])
        now = _now()
        changed = [(i, before[i], labels[i]) for i in ids if i in before and before[i] != labels[i]]
        self.conn.executemany("UPDATE images SET class_id=? WHERE id=?", ((new, i) for i, _, new in changed))
        self.conn.executemany(
            "INSERT INTO label_audit(batch_id, image_id, old_class_id, new_class_id, source, at) VALUES (?,?,?,?,?,?)",
            ((batch, i, old, new, source, now) for i, old, new in changed),
        )
        values = set(labels.values())
        after = values.pop() if len(values) == 1 else None
        return LabelChange(batch_id=batch, before={i: before[i] for i in ids if i in before}, after=after)

    def set_excluded(self, image_ids: Iterable[int], excluded: bool) -> dict[int, bool]:
        """Exclude images from (or include them in) the dataset; returns the previous state for undo."""
        ids = list(image_ids)
        with self._tx():
            before = {i: bool(x) for i, x in self._select_in("SELECT id, excluded FROM images WHERE id IN ({})", ids)}
            self.conn.executemany("UPDATE images SET excluded=? WHERE id=?", ((int(excluded), i) for i in ids))
        return before

    def label_history(self, image_id: int) -> list[dict[str, Any]]:
        names = {c.id: c.name for c in self.classes()}
        return [
            {
                "at": r[0],
                "source": r[1],
                "old": names.get(r[2], None if r[2] is None else f"#{r[2]}"),
                "new": names.get(r[3], None if r[3] is None else f"#{r[3]}"),
            }
            for r in self.conn.execute(
                "SELECT at, source, old_class_id, new_class_id FROM label_audit WHERE image_id=? ORDER BY id",
                (image_id,),
            )
        ]

    # ------------------------------------------------------------------ status and settings

    def status(self) -> ProjectStatus:
        st = ProjectStatus()
        q = self.conn.execute
        st.total = q("SELECT count(*) FROM images WHERE missing=0").fetchone()[0]
        st.missing = q("SELECT count(*) FROM images WHERE missing=1").fetchone()[0]
        st.labeled = q("SELECT count(*) FROM images WHERE missing=0 AND class_id IS NOT NULL").fetchone()[0]
        st.unlabeled = st.total - st.labeled
        st.excluded = q("SELECT count(*) FROM images WHERE missing=0 AND excluded=1").fetchone()[0]
        st.pending_checks = q("SELECT count(*) FROM images WHERE missing=0 AND verdict='pending'").fetchone()[0]
        st.service_skipped = q(
            "SELECT count(*) FROM images WHERE missing=0 AND service_skip IS NOT NULL"
        ).fetchone()[0]
        st.likely_skipped = dict(
            q(f"SELECT {MODERATION_COLUMN} AS k, count(*) FROM images WHERE missing=0 AND k IS NOT NULL GROUP BY k")
        )
        counts = self.class_counts()
        st.per_class = {c.name: counts.get(c.id, 0) for c in self.classes()}
        st.flagged = {
            r[0]: r[1]
            for r in q(
                "SELECT verdict, count(*) FROM images WHERE missing=0 AND verdict NOT IN ('ok','pending') "
                "GROUP BY verdict ORDER BY verdict"
            )
        }
        return st

    def get_setting(self, key: str, default: Any = None) -> Any:
        r = self.conn.execute("SELECT value FROM settings WHERE key=?", (key,)).fetchone()
        return default if r is None else json.loads(r[0])

    def set_setting(self, key: str, value: Any) -> None:
        with self._tx():
            self.conn.execute(
                "INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)", (key, json.dumps(value))
            )

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])


# ---------------------------------------------------------------------- module helpers


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT with rollback on error; nested use joins the outer transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.outer = False

    def __enter__(self) -> "_Transaction":
        if self.conn.in_transaction:
            self.outer = True
        else:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise _friendly_write_error(exc) from exc
        return self

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: object) -> None:
        if self.outer:
            return
        if exc_type is None:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.OperationalError as err:
                self.conn.execute("ROLLBACK")
                raise _friendly_write_error(err) from err
        else:
            self.conn.execute("ROLLBACK")


def _friendly_write_error(exc: sqlite3.OperationalError) -> StudioError:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return ProjectOpenError(
            "The project is being changed by another program or window. Close the other one and try again; "
            "your change was not saved."
        )
    if "readonly" in text or "read-only" in text:
        return ProjectReadOnlyError("The project file cannot be written (read-only). Your change was not saved.")
    if "disk" in text or "full" in text:
        return StudioError("The disk is full, so the change was not saved. Free some space and try again.")
    return StudioError(f"The project could not be saved ({exc}). Your change was not saved.")


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA busy_timeout = 2000")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise ProjectOpenError("The project's folder does not support the database journal. Save it on a local disk.")
    # FULL: a commit is on disk before the UI moves on, so a crash never loses a label the user saw saved.
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")


def _check_not_locked(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a project another process is writing to, rather than fight it for the lock."""
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        raise ProjectOpenError(
            f"'{path.name}' is open in another program or window. Close it there first. Nothing was changed."
        ) from exc


def _backup_before_upgrade(conn: sqlite3.Connection, path: Path, version: int) -> None:
    """Keep a copy of the old file so an upgrade can never lose a user's work."""
    backup = path.with_name(f"{path.name}.v{version}.bak")
    if backup.exists():
        return
    dest = sqlite3.connect(str(backup))
    try:
        conn.backup(dest)
    finally:
        dest.close()


def _migrate(conn: sqlite3.Connection, from_version: int) -> None:
    for version in range(from_version, schema.SCHEMA_VERSION):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in schema.MIGRATIONS[version]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise


def _check_columns(check: CheckResult | None) -> tuple[Any, ...]:
    if check is None:
        return (None, None, None, None, None, Verdict.PENDING.value, "", "none")
    return (
        check.format, check.mode, check.width, check.height, check.frames,
        check.verdict.value, check.message, check.stage,
    )


def _fold_spaces(name: str) -> str:
    """Class names keep single spaces only, so "a  b" and "a b\n" name the same class."""
    return " ".join(str(name).split())


def _clean_class_name(name: str) -> str:
    cleaned = _fold_spaces(name)
    if not cleaned:
        raise StudioError("A class needs a name. Type at least one character.")
    if len(cleaned) > 200:
        raise StudioError("Class names can be at most 200 characters long.")
    return cleaned


def _clean_color(color: str) -> str:
    """'#rrggbb' in lower case: the one form the grid, the class panel and exports read back."""
    cleaned = color.strip().lower()
    if not re.fullmatch(r"#[0-9a-f]{6}", cleaned):
        raise StudioError(f"'{color}' is not a colour. Give it as #rrggbb, for example #1e88e5.")
    return cleaned


def _filter_sql(flt: ImageFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if not flt.include_missing:
        clauses.append("missing = 0")
    if flt.class_id is not None:
        clauses.append("class_id = ?")
        params.append(flt.class_id)
    if flt.unlabeled:
        clauses.append("class_id IS NULL")
    if flt.reason is not None:
        clauses.append("verdict = ?")
        params.append(flt.reason.value)
    elif flt.flagged:
        clauses.append("verdict NOT IN ('ok', 'pending')")
    if flt.excluded is not None:
        clauses.append("excluded = ?")
        params.append(int(flt.excluded))
    if flt.folder:
        clauses.append("substr(rel_path, 1, ?) = ?")
        prefix = flt.folder.rstrip("/") + "/"
        params.extend([len(prefix), prefix])
    if flt.name_contains:
        clauses.append("instr(lower(rel_path), ?) > 0")
        params.append(flt.name_contains.lower())
    if flt.service_skipped:
        clauses.append("service_skip IS NOT NULL")
    if flt.moderation:
        clauses.append(f"({FLAGGED_SQL})")
    if flt.root_id is not None:
        clauses.append("root_id = ?")
        params.append(flt.root_id)
    if flt.image_ids is not None:
        # One JSON parameter instead of one per id: no SQLite variable limit, any set size.
        clauses.append("id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(sorted(flt.image_ids)))
    return (" AND ".join(clauses) or "1"), params
