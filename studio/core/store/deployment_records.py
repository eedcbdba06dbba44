"""The project's memory of the Azure deployments it created (schema version 5).

Why the project keeps its own list when the service can list deployments: a resource is shared, and
only the project knows which deployment it made, for which job or checkpoint, and for what (an
evaluation run offers to delete exactly the deployments it created). A row is written before the
create request leaves, so even a crash mid-request leaves a trace of a deployment that may cost
money by the hour.

States: "requested" (row written, request not yet answered), "provisioning", "succeeded", "failed",
"cancelled" (the user stopped provisioning; the studio deleted it), "deleted" (`deleted_at` set: by
the studio, by the user elsewhere, or expired). Qt-free and SDK-free; every write goes through the
store's one guarded transaction (read-only refusal, friendly "locked / disk full" errors).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from typing import Any, ContextManager, Protocol

STATES = ("requested", "provisioning", "succeeded", "failed", "cancelled", "deleted")


class _Store(Protocol):
    """What the records need of `ProjectStore` (writes go through its one guarded transaction)."""

    conn: sqlite3.Connection

    def transaction(self) -> ContextManager[object]: ...


@dataclass(frozen=True, slots=True)
class DeploymentRecord:
    id: int
    account_id: str
    name: str
    model: str
    job_id: str | None
    checkpoint_step: int | None
    deployment_type: str  # "developer" | "standard" | "globalstandard"
    sku: str
    capacity: int
    purpose: str | None  # e.g. "evaluation:12"
    state: str
    requested_at: float
    created_at: float | None
    deleted_at: float | None
    error: str | None

    @property
    def live(self) -> bool:
        return self.deleted_at is None


_COLUMNS = ("id", "account_id", "name", "model", "job_id", "checkpoint_step", "deployment_type", "sku", "capacity",
            "purpose", "state", "requested_at", "created_at", "deleted_at", "error")


def _record(row: tuple[Any, ...]) -> DeploymentRecord:
    return DeploymentRecord(*row)


def _select(store: _Store, where: str, args: tuple[Any, ...]) -> list[DeploymentRecord]:
    sql = f"SELECT {', '.join(_COLUMNS)} FROM deployments {where}"
    return [_record(r) for r in store.conn.execute(sql, args).fetchall()]


def record_request(store: _Store, *, account_id: str, name: str, model: str, deployment_type: str, sku: str,
                   capacity: int, job_id: str | None = None, checkpoint_step: int | None = None,
                   purpose: str | None = None) -> int:
    """Note a deployment about to be requested; returns its row id. A live row of the same name is
    replaced (an update of an existing deployment through the studio)."""
    with store.transaction():
        store.conn.execute("UPDATE deployments SET deleted_at = ?, state = 'deleted' WHERE account_id = ? AND name = ? AND deleted_at IS NULL",
                           (time.time(), account_id.lower(), name))
        cursor = store.conn.execute(
            "INSERT INTO deployments (account_id, name, model, job_id, checkpoint_step, deployment_type, sku, capacity,"
            " purpose, state, requested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'requested', ?)",
            (account_id.lower(), name, model, job_id, checkpoint_step, deployment_type, sku, capacity, purpose, time.time()),
        )
    return int(cursor.lastrowid or 0)


def update_state(store: _Store, record_id: int, state: str, *, created_at: float | None = None, error: str | None = None) -> None:
    if state not in STATES:
        raise ValueError(f"unknown deployment state {state!r}")
    deleted = time.time() if state in ("deleted", "cancelled") else None
    with store.transaction():
        store.conn.execute(
            "UPDATE deployments SET state = ?, created_at = COALESCE(?, created_at), error = COALESCE(?, error),"
            " deleted_at = COALESCE(deleted_at, ?) WHERE id = ?",
            (state, created_at, error, deleted, record_id),
        )


def mark_deleted(store: _Store, account_id: str, name: str) -> int:
    """The deployment no longer exists (deleted or expired); returns how many live rows that closed."""
    with store.transaction():
        cursor = store.conn.execute("UPDATE deployments SET deleted_at = ?, state = 'deleted' WHERE account_id = ? AND name = ? AND deleted_at IS NULL",
                            (time.time(), account_id.lower(), name))
    return cursor.rowcount


def live_record(store: _Store, account_id: str, name: str) -> DeploymentRecord | None:
    rows = _select(store, "WHERE account_id = ? AND name = ? AND deleted_at IS NULL", (account_id.lower(), name))
    return rows[0] if rows else None


def project_deployments(store: _Store, *, account_id: str | None = None, purpose: str | None = None,
                        include_deleted: bool = False) -> list[DeploymentRecord]:
    """The deployments this project created, newest first."""
    where, args = [], []
    if account_id is not None:
        where.append("account_id = ?")
        args.append(account_id.lower())
    if purpose is not None:
        where.append("purpose = ?")
        args.append(purpose)
    if not include_deleted:
        where.append("deleted_at IS NULL")
    clause = (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY requested_at DESC, id DESC"
    return _select(store, clause, tuple(args))
