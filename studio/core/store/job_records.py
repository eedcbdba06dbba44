"""The project's memory of fine-tuning: submissions, jobs, events, checkpoints, metrics, service skips.

Written by the service layer as it submits and polls, read by the UI and the CLI. Everything a job
view shows comes from here, so the view works offline and after a restart, and the network code
never has to be asked "what did we already see?".

Qt-free and SDK-free: callers pass plain values. `JobRepository` is the typed repository of these
tables; get it as `store.jobs` from an open `ProjectStore` (one per connection, so one per thread).
Every write goes through the store's transaction helper (`ProjectStore.transaction()`: the
read-only guard, BEGIN IMMEDIATE, a commit with `synchronous=FULL`, friendly errors when the file
is locked or full) and commits before the method returns, because a submission step must be on disk
before the next network call: that is what makes a retried submission safe. Rows that belong
together (a page of events, a skip report) commit in one transaction.

No secret ever passes through here: profiles are stored as their non-secret JSON.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any, ContextManager, Iterable, Protocol, Sequence

TERMINAL_STATUSES = frozenset({"succeeded", "failed", "cancelled"})


def is_terminal(status: str | None) -> bool:
    return (status or "") in TERMINAL_STATUSES


class _Store(Protocol):
    """What the repository needs of `ProjectStore` (a protocol: the store module imports this one)."""

    conn: sqlite3.Connection

    def transaction(self) -> ContextManager[object]: ...


def _loads(text: str | None, default: Any = None) -> Any:
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True)


# -- submissions ------------------------------------------------------------------------------------

SUBMISSION_STATES = (
    "started",  # row exists, nothing done yet
    "exported",  # export_dir set
    "uploaded",  # training (and validation) file ids set
    "processed",  # files processed by the service
    "created",  # job_id set: done
    "failed",  # error set; may be retried
    "cancelled",  # the user cancelled; may be retried
)


@dataclass(frozen=True, slots=True)
class SubmissionRecord:
    id: int
    created_at: float
    state: str
    profile: dict
    params: dict
    export_dir: str | None
    training_file_id: str | None
    validation_file_id: str | None
    job_id: str | None
    error: str | None

    @property
    def done(self) -> bool:
        return self.job_id is not None


_SUBMISSION_COLUMNS = ("state", "export_dir", "training_file_id", "validation_file_id", "job_id", "error")


def _submission(row: dict) -> SubmissionRecord:
    return SubmissionRecord(
        id=row["id"],
        created_at=row["created_at"],
        state=row["state"],
        profile=_loads(row["profile_json"], {}),
        params=_loads(row["params_json"], {}),
        export_dir=row["export_dir"],
        training_file_id=row["training_file_id"],
        validation_file_id=row["validation_file_id"],
        job_id=row["job_id"],
        error=row["error"],
    )


# -- jobs -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JobRecord:
    id: str
    submission_id: int | None
    profile: dict
    base_model: str | None
    status: str
    created_at: float | None
    finished_at: float | None
    fine_tuned_model: str | None
    trained_tokens: int | None
    training_file_id: str | None
    validation_file_id: str | None
    result_files: list[str]
    error: dict | None
    estimated_finish: float | None
    raw: dict
    updated_at: float | None

    @property
    def terminal(self) -> bool:
        return is_terminal(self.status)

    @property
    def duration(self) -> float | None:
        """Seconds from creation to finish (or to the last update while it runs)."""
        if self.created_at is None:
            return None
        end = self.finished_at or self.updated_at
        return None if end is None else max(0.0, end - self.created_at)

    @property
    def suffix(self) -> str | None:
        return self.raw.get("suffix") if isinstance(self.raw, dict) else None


def _job(row: dict) -> JobRecord:
    return JobRecord(
        id=row["id"],
        submission_id=row["submission_id"],
        profile=_loads(row["profile_json"], {}),
        base_model=row["base_model"],
        status=row["status"],
        created_at=row["created_at"],
        finished_at=row["finished_at"],
        fine_tuned_model=row["fine_tuned_model"],
        trained_tokens=row["trained_tokens"],
        training_file_id=row["training_file_id"],
        validation_file_id=row["validation_file_id"],
        result_files=_loads(row["result_files_json"], []),
        error=_loads(row["error_json"]),
        estimated_finish=row["estimated_finish"],
        raw=_loads(row["raw_json"], {}),
        updated_at=row["updated_at"],
    )


# -- events -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JobEvent:
    id: str
    job_id: str
    created_at: float
    level: str
    type: str | None
    message: str
    data: dict | None = None


# -- metrics ----------------------------------------------------------------------------------------

METRIC_FIELDS = (
    "train_loss", "train_accuracy", "valid_loss", "valid_accuracy",
    "full_valid_loss", "full_valid_accuracy", "total_steps",
)


@dataclass(frozen=True, slots=True)
class MetricPoint:
    """One training step's numbers; None where the service reported nothing for that step."""

    step: int
    train_loss: float | None = None
    train_accuracy: float | None = None
    valid_loss: float | None = None
    valid_accuracy: float | None = None
    full_valid_loss: float | None = None
    full_valid_accuracy: float | None = None
    total_steps: int | None = None


# -- checkpoints ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckpointRecord:
    id: str
    job_id: str
    created_at: float | None
    step_number: int | None
    model_id: str | None
    metrics: dict = field(default_factory=dict)


# -- images the service skipped ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServiceSkip:
    job_id: str
    image_id: int
    reason: str
    line_number: int | None


# -- the repository ---------------------------------------------------------------------------------


class JobRepository:
    """Submissions, jobs, events, metrics, checkpoints and service skips of one open project.

    Bound to one `ProjectStore` (and so to its connection and thread); reads are plain queries,
    writes commit through `store.transaction()`, so a read-only project refuses them with the
    store's own message.
    """

    def __init__(self, store: _Store) -> None:
        self._store = store

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cur = self._store.conn.execute(sql, tuple(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        """One write statement, committed on its own."""
        with self._store.transaction():
            return self._store.conn.execute(sql, tuple(params))

    # -- submissions --------------------------------------------------------------------------------

    def create_submission(self, profile: dict, params: dict) -> int:
        cursor = self._execute(
            "INSERT INTO submissions (created_at, state, profile_json, params_json) VALUES (?, ?, ?, ?)",
            (time.time(), "started", _dumps(profile), _dumps(params)),
        )
        return int(cursor.lastrowid or 0)

    def update_submission(self, submission_id: int, **values: Any) -> None:
        """Record a step. Only the named columns change; pass `error=None` to clear an old error."""
        unknown = set(values) - set(_SUBMISSION_COLUMNS) - {"params"}
        if unknown:
            raise ValueError(f"unknown submission fields: {sorted(unknown)}")
        if "params" in values:
            values["params_json"] = _dumps(values.pop("params"))
        sets = ", ".join(f"{name} = ?" for name in values)
        self._execute(f"UPDATE submissions SET {sets} WHERE id = ?", (*values.values(), submission_id))

    def get_submission(self, submission_id: int) -> SubmissionRecord | None:
        rows = self._rows("SELECT * FROM submissions WHERE id = ?", (submission_id,))
        return _submission(rows[0]) if rows else None

    def list_submissions(self, unfinished_only: bool = False) -> list[SubmissionRecord]:
        where = "WHERE job_id IS NULL" if unfinished_only else ""
        return [_submission(r) for r in self._rows(f"SELECT * FROM submissions {where} ORDER BY id DESC")]

    # -- jobs ---------------------------------------------------------------------------------------

    def upsert_job(
        self,
        job_id: str,
        *,
        status: str,
        profile: dict | None = None,
        submission_id: int | None = None,
        base_model: str | None = None,
        created_at: float | None = None,
        finished_at: float | None = None,
        fine_tuned_model: str | None = None,
        trained_tokens: int | None = None,
        training_file_id: str | None = None,
        validation_file_id: str | None = None,
        result_files: Sequence[str] | None = None,
        error: dict | None = None,
        estimated_finish: float | None = None,
        raw: dict | None = None,
    ) -> None:
        """Insert or update a job. `None` never overwrites a known value, except `error`/`estimated_finish`
        which follow the service (a resumed job loses its error; a finished one its estimate)."""
        conn = self._store.conn
        values = {
            "status": status,
            "profile_json": _dumps(profile) if profile is not None else None,
            "submission_id": submission_id,
            "base_model": base_model,
            "created_at": created_at,
            "finished_at": finished_at,
            "fine_tuned_model": fine_tuned_model,
            "trained_tokens": trained_tokens,
            "training_file_id": training_file_id,
            "validation_file_id": validation_file_id,
            "result_files_json": _dumps(list(result_files)) if result_files is not None else None,
            "raw_json": _dumps(raw) if raw is not None else None,
            "updated_at": time.time(),
        }
        always: dict[str, Any] = {"error_json": _dumps(error), "estimated_finish": estimated_finish}
        with self._store.transaction():  # the existence check and the write are one step
            exists = conn.execute("SELECT 1 FROM jobs WHERE id = ?", (job_id,)).fetchone() is not None
            if not exists:
                values["profile_json"] = values["profile_json"] or "{}"
                row = dict(values) | always
                cols = ", ".join(row)
                conn.execute(f"INSERT INTO jobs (id, {cols}) VALUES (?, {', '.join('?' for _ in row)})",
                             (job_id, *row.values()))
                return
            row = {k: v for k, v in values.items() if v is not None} | always
            sets = ", ".join(f"{k} = ?" for k in row)
            conn.execute(f"UPDATE jobs SET {sets} WHERE id = ?", (*row.values(), job_id))

    def get_job(self, job_id: str) -> JobRecord | None:
        rows = self._rows("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return _job(rows[0]) if rows else None

    def list_jobs(self, *, active_only: bool = False) -> list[JobRecord]:
        """Newest first. `active_only` keeps jobs that are not terminal (to re-attach after a restart)."""
        jobs = [_job(r) for r in self._rows("SELECT * FROM jobs ORDER BY created_at DESC, rowid DESC")]
        return [j for j in jobs if not j.terminal] if active_only else jobs

    def job_submission(self, job_id: str) -> SubmissionRecord | None:
        job = self.get_job(job_id)
        if job is not None and job.submission_id is not None:
            return self.get_submission(job.submission_id)
        rows = self._rows("SELECT * FROM submissions WHERE job_id = ? ORDER BY id DESC", (job_id,))
        return _submission(rows[0]) if rows else None

    # -- events -------------------------------------------------------------------------------------

    def known_event_ids(self, job_id: str) -> set[str]:
        return {r[0] for r in self._store.conn.execute("SELECT id FROM job_events WHERE job_id = ?", (job_id,))}

    def add_events(self, events: Iterable[JobEvent]) -> int:
        """Store events not seen before (dedupe by id), in one transaction; returns how many were new."""
        added = 0
        with self._store.transaction():
            for e in events:
                cur = self._store.conn.execute(
                    "INSERT OR IGNORE INTO job_events (id, job_id, created_at, level, type, message, data_json)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (e.id, e.job_id, e.created_at, e.level, e.type, e.message, _dumps(e.data)),
                )
                added += cur.rowcount
        return added

    def events(
        self, job_id: str, *, levels: Iterable[str] | None = None, limit: int | None = None,
        newest_first: bool = False,
    ) -> list[JobEvent]:
        """A job's events in time order (or newest first); `levels` e.g. {"warn", "error"} filters."""
        sql = "SELECT * FROM job_events WHERE job_id = ?"
        params: list[Any] = [job_id]
        if levels is not None:
            wanted = list(levels)
            sql += f" AND level IN ({', '.join('?' for _ in wanted)})"
            params += wanted
        order = "DESC" if newest_first else "ASC"
        sql += f" ORDER BY created_at {order}, rowid {order}"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        return [
            JobEvent(r["id"], r["job_id"], r["created_at"], r["level"], r["type"], r["message"], _loads(r["data_json"]))
            for r in self._rows(sql, params)
        ]

    # -- metrics ------------------------------------------------------------------------------------

    def add_metrics(self, job_id: str, points: Iterable[MetricPoint]) -> int:
        """Merge points into the job's series: a value already known is kept unless the new one is set.

        Events and the results CSV describe the same steps with different columns; merging lets each
        fill what the other lacks, in whichever order they arrive.
        """
        cols = ", ".join(METRIC_FIELDS)
        updates = ", ".join(f"{f} = COALESCE(excluded.{f}, {f})" for f in METRIC_FIELDS)
        n = 0
        with self._store.transaction():
            for p in points:
                self._store.conn.execute(
                    f"INSERT INTO job_metrics (job_id, step, {cols}) VALUES (?, ?, {', '.join('?' for _ in METRIC_FIELDS)})"
                    f" ON CONFLICT(job_id, step) DO UPDATE SET {updates}",
                    (job_id, p.step, *(getattr(p, f) for f in METRIC_FIELDS)),
                )
                n += 1
        return n

    def metrics(self, job_id: str) -> list[MetricPoint]:
        return [
            MetricPoint(r["step"], *(r[f] for f in METRIC_FIELDS))
            for r in self._rows("SELECT * FROM job_metrics WHERE job_id = ? ORDER BY step", (job_id,))
        ]

    def metric_series(self, job_id: str, name: str) -> list[tuple[int, float]]:
        """(step, value) pairs of one metric, skipping steps where it is missing — what a chart plots."""
        if name not in METRIC_FIELDS:
            raise ValueError(f"unknown metric {name!r}")
        return [
            (r[0], r[1])
            for r in self._store.conn.execute(
                f"SELECT step, {name} FROM job_metrics WHERE job_id = ? AND {name} IS NOT NULL ORDER BY step", (job_id,)
            )
        ]

    # -- checkpoints --------------------------------------------------------------------------------

    def add_checkpoints(self, checkpoints: Iterable[CheckpointRecord]) -> int:
        n = 0
        with self._store.transaction():
            for c in checkpoints:
                self._store.conn.execute(
                    "INSERT OR REPLACE INTO job_checkpoints (id, job_id, created_at, step_number, model_id, metrics_json)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (c.id, c.job_id, c.created_at, c.step_number, c.model_id, _dumps(c.metrics or {})),
                )
                n += 1
        return n

    def checkpoints(self, job_id: str) -> list[CheckpointRecord]:
        return [
            CheckpointRecord(r["id"], r["job_id"], r["created_at"], r["step_number"], r["model_id"],
                             _loads(r["metrics_json"], {}))
            for r in self._rows(
                "SELECT * FROM job_checkpoints WHERE job_id = ? ORDER BY step_number, created_at", (job_id,)
            )
        ]

    # -- images the service skipped -----------------------------------------------------------------

    def record_service_skips(self, job_id: str, skips: Iterable[tuple[int, str, int | None]]) -> int:
        """Remember (image id, reason, JSONL line) the service skipped in a job and mark the images.

        `images.service_skip` holds the latest reason so the grid can show and filter it cheaply.
        """
        n = 0
        with self._store.transaction():
            for image_id, reason, line in skips:
                self._store.conn.execute(
                    "INSERT OR REPLACE INTO service_skips (job_id, image_id, reason, line_number) VALUES (?, ?, ?, ?)",
                    (job_id, int(image_id), reason, line),
                )
                self._store.conn.execute("UPDATE images SET service_skip = ? WHERE id = ?", (reason, int(image_id)))
                n += 1
        return n

    def service_skips(self, job_id: str | None = None) -> list[ServiceSkip]:
        sql, params = "SELECT * FROM service_skips", []
        if job_id is not None:
            sql, params = sql + " WHERE job_id = ?", [job_id]
        return [
            ServiceSkip(r["job_id"], r["image_id"], r["reason"], r["line_number"])
            for r in self._rows(sql + " ORDER BY job_id, line_number", params)
        ]

    def image_service_skips(self, image_id: int) -> list[ServiceSkip]:
        """Every job that skipped this image, with the reason (for the image's detail panel)."""
        return [
            ServiceSkip(r["job_id"], r["image_id"], r["reason"], r["line_number"])
            for r in self._rows("SELECT * FROM service_skips WHERE image_id = ? ORDER BY rowid", (image_id,))
        ]

    def clear_service_skip(self, image_ids: Iterable[int]) -> None:
        """Unmark images (the user fixed or replaced them); the per-job history in service_skips stays."""
        with self._store.transaction():
            self._store.conn.executemany(
                "UPDATE images SET service_skip = NULL WHERE id = ?", ((int(i),) for i in image_ids)
            )
