"""Everything the emulator knows, behind one lock, optionally persisted to a folder.

Tests read it for assertions (`jobs_created`, `files_created`, `uploads_created`, `requests`), e.g.
to prove a client never submitted a job twice. With `data_dir`, the state is saved as JSON after every
change and loaded at start; since progress is derived from stored timestamps and the wall clock, a
restarted emulator continues a job where it would have been.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.emulator.state.blob_store import DirectoryBlobStore, MemoryBlobStore
from studio.emulator.state.arm_store import ArmStore
from studio.emulator.state.clock import Clock
from studio.emulator.state.ids import derived_id
from studio.emulator.training.timeline import JobSnapshot, derive
from studio.emulator.state.records import FileRecord, JobRecord, Timing, UploadRecord
from studio.emulator.training.results_csv import results_csv
from studio.emulator.training.metrics import step_metrics

STATE_FORMAT_VERSION = 1
REQUEST_LOG_SIZE = 10_000


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str  # as sent, without the query
    resource_path: str | None  # after the style prefix, e.g. "/fine_tuning/jobs"; None if the URL was not ours
    style: str | None
    status: int  # 0 when the connection was dropped on purpose


class EmulatorState:
    def __init__(self, clock: Clock, timing: Timing, data_dir: Path | None = None) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.timing = timing
        self.files: dict[str, FileRecord] = {}
        self.uploads: dict[str, UploadRecord] = {}
        self.jobs: dict[str, JobRecord] = {}
        self.deleted_file_ids: set[str] = set()
        self.jobs_created = 0
        self.files_created = 0
        self.uploads_created = 0
        self.requests: deque[RequestRecord] = deque(maxlen=REQUEST_LOG_SIZE)
        self.arm: ArmStore | None = None  # set by the server: Resource Manager accounts and deployments
        self._terminal_snapshots: dict[str, JobSnapshot] = {}
        # Azure deployments chat completions can call: name -> model id (tests: `add_deployment`;
        # the ARM endpoints, when present, answer through `arm.deployed_model`). Not persisted.
        self.deployments: dict[str, str] = {}
        self.learned_models: dict[tuple[str, float], Any] = {}  # chat's emulated models, by training file
        self._state_path: Path | None = None
        if data_dir is not None:
            data_dir = Path(data_dir)
            self.blobs: DirectoryBlobStore | MemoryBlobStore = DirectoryBlobStore(data_dir / "blobs")
            self._state_path = data_dir / "state.json"
            self._load()
        else:
            self.blobs = MemoryBlobStore()

    def now(self) -> float:
        return float(self.clock())

    # --- jobs -------------------------------------------------------------------------------

    def snapshot(self, job: JobRecord, now: float) -> JobSnapshot:
        """The job as of `now`; terminal snapshots never change, so they are computed once."""
        cached = self._terminal_snapshots.get(job.id)
        if cached is not None:
            return cached
        snap = derive(job, now)
        if snap.terminal:
            self._terminal_snapshots[job.id] = snap
        return snap

    def forget_snapshot(self, job_id: str) -> None:
        self._terminal_snapshots.pop(job_id, None)

    def jobs_newest_first(self) -> list[JobRecord]:
        return sorted(reversed(list(self.jobs.values())), key=lambda j: j.created_at, reverse=True)

    def fine_tuned_models(self, now: float) -> dict[str, JobRecord]:
        """Models produced by succeeded jobs: usable as the base of continuous fine-tuning."""
        models = {}
        for job in self.jobs.values():
            snap = self.snapshot(job, now)
            if snap.fine_tuned_model:
                models[snap.fine_tuned_model] = job
        return models

    def add_deployment(self, name: str, model: str) -> None:
        """Make `name` callable on the Azure URL styles as a deployment of `model` (tests, demo)."""
        with self.lock:
            self.deployments[name] = model

    def deployed_model(self, name: str, now: float) -> str | None:
        """The model a deployment serves, or None when no ready deployment has that name."""
        if name in self.deployments:
            return self.deployments[name]
        arm = getattr(self, "arm", None)
        return arm.deployed_model(name, now) if arm is not None else None

    def refresh(self, now: float) -> None:
        """Materialize what time has produced: the results file of each newly succeeded job."""
        changed = False
        for job in self.jobs.values():
            if job.finalized:
                continue
            snap = self.snapshot(job, now)
            if not snap.terminal:
                continue
            job.finalized = True
            changed = True
            if snap.status == "succeeded":
                self._add_results_file(job, snap)
        if changed:
            self.save()

    def results_file_id(self, job: JobRecord) -> str:
        return derived_id("file-", job.id, "results")

    def _add_results_file(self, job: JobRecord, snap: JobSnapshot) -> None:
        file_id = self.results_file_id(job)
        if file_id in self.files or file_id in self.deleted_file_ids:
            return
        plan = job.plan
        rows = (step_metrics(job.seed, s, plan.total_steps, plan.steps_per_epoch, plan.has_validation) for s in range(1, plan.total_steps + 1))
        content = results_csv(rows)
        self.blobs.put(file_id, content)
        finished = snap.finished_at or self.now()
        self.files[file_id] = FileRecord(
            id=file_id, flavor=job.flavor, filename="results.csv", purpose="fine-tune-results", bytes=len(content),
            created_at=finished, ready_at=finished, final_status="processed",
        )

    # --- assertions helpers for tests -----------------------------------------------------------

    def requests_matching(self, method: str | None = None, path_pattern: str | None = None) -> list[RequestRecord]:
        return [
            r for r in list(self.requests)
            if (method is None or r.method == method.upper())
            and (path_pattern is None or (r.resource_path is not None and re.search(path_pattern, r.resource_path)))
        ]

    # --- persistence --------------------------------------------------------------------------

    def save(self) -> None:
        if self._state_path is None:
            return
        with self.lock:
            data: dict[str, Any] = {
                "version": STATE_FORMAT_VERSION,
                "files": [f.to_dict() for f in self.files.values()],
                "uploads": [u.to_dict() for u in self.uploads.values()],
                "jobs": [j.to_dict() for j in self.jobs.values()],
                "deleted_file_ids": sorted(self.deleted_file_ids),
                "counters": {"jobs": self.jobs_created, "files": self.files_created, "uploads": self.uploads_created},
            }
            tmp = self._state_path.with_suffix(".json.tmp")
            tmp.write_text(json.dumps(data), encoding="utf-8")
            os.replace(tmp, self._state_path)

    def _load(self) -> None:
        assert self._state_path is not None
        if not self._state_path.exists():
            return
        data = json.loads(self._state_path.read_text(encoding="utf-8"))
        if data.get("version") != STATE_FORMAT_VERSION:
            raise ValueError(f"{self._state_path} was written by another emulator version; delete it to start fresh")
        self.files = {d["id"]: FileRecord.from_dict(d) for d in data["files"]}
        self.uploads = {d["id"]: UploadRecord.from_dict(d) for d in data["uploads"]}
        self.jobs = {d["id"]: JobRecord.from_dict(d) for d in data["jobs"]}
        self.deleted_file_ids = set(data.get("deleted_file_ids", []))
        counters = data.get("counters", {})
        self.jobs_created = counters.get("jobs", len(self.jobs))
        self.files_created = counters.get("files", len(self.files))
        self.uploads_created = counters.get("uploads", len(self.uploads))
