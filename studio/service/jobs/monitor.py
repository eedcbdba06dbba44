"""Follow fine-tuning jobs: status, events, metrics, checkpoints, results, skipped images.

`JobMonitor.poll(job_id)` asks the service once and stores everything new in the project (via
`job_records`), then returns a `JobSnapshot` built from the project records, so a view can render the
same way whether the data came in this second or before the last restart.

Network trouble is a state, not an exception: a poll that cannot reach the service returns a
snapshot with `connection="reconnecting"` and `retry_in` (growing back-off, or what a 429 asked for);
the next successful poll clears it. Only answers that retrying cannot fix (bad credentials, unknown
job) raise `ServiceError`.

Status is an open string: Azure adds `pending`, `pausing`, `resuming`, and anything new the service
invents is shown as is; only succeeded / failed / cancelled are terminal.

Answers are read as each API style documents them (`service.wire`, `service.styles`): events come
newest first on OpenAI and Azure v1 but oldest first on the dated API [facts §3], so a poll asks only
for what is new on each style — newest-first pages until a known event, or, on the dated API, the
page after the last event recorded — and costs requests in proportion to the new events.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable

import openai

from studio.core.store import job_records as jr
from studio.core.tasks import CancelToken, Cancelled
from studio.service.credentials import Credentials
from studio.service.jobs.sync import checkpoint_record, event_metric, event_record, record_job
from studio.service.clients import make_client
from studio.service.profile import ServiceProfile
from studio.service.retry import RetryPolicy, call_with_retry, is_retryable, sleep_cancellable, wait_before_retry
from studio.service.errors import describe, service_error
from studio.service.jobs.skip_report import record_skips
from studio.service.submit.submission import METADATA_KEY
from studio.service.submit.file_upload import find_uploaded_names
from studio.service.jobs.training_metrics import parse_results_csv
from studio.service import wire
from studio.service.styles import rules, style_of

EVENT_PAGE = 100


@dataclass(frozen=True, slots=True)
class JobSnapshot:
    """A job as the project knows it after one poll, plus what that poll added."""

    job: jr.JobRecord
    new_events: list[jr.JobEvent] = field(default_factory=list)
    new_metrics: list[jr.MetricPoint] = field(default_factory=list)
    checkpoints: list[jr.CheckpointRecord] = field(default_factory=list)
    connection: str = "ok"  # "ok" | "reconnecting"
    retry_in: float | None = None
    message: str | None = None  # why we are reconnecting, for a status line
    skipped_images: int = 0  # images newly marked as skipped by this poll
    step: int | None = None
    total_steps: int | None = None

    @property
    def status(self) -> str:
        return self.job.status

    @property
    def terminal(self) -> bool:
        return self.job.terminal

    @property
    def reconnecting(self) -> bool:
        return self.connection == "reconnecting"


class JobMonitor:
    """Polls jobs of one service profile. Thread-compatible: one poll at a time per monitor."""

    def __init__(
        self,
        store: Any,
        profile: ServiceProfile,
        credentials: Credentials,
        *,
        client: openai.OpenAI | None = None,
        backoff: RetryPolicy = RetryPolicy(base_delay=2.0, max_delay=60.0),
    ) -> None:
        self.store = store
        self.profile = profile
        self.credentials = credentials
        self._client = client
        self._backoff = backoff
        self._failures = 0
        self._known_events: dict[str, set[str]] = {}
        self._event_cursor: dict[str, str | None] = {}  # oldest-first styles: the last event id seen, in list order
        self._rules = rules(style_of(profile))
        self._results_loaded: set[str] = set()
        self._lock = threading.Lock()

    # -- plumbing -----------------------------------------------------------------------------------

    @property
    def client(self) -> openai.OpenAI:
        if self._client is None:
            self._client = make_client(self.profile, self.credentials)
        return self._client

    def _call(self, fn: Callable[[], Any]) -> Any:
        # One quick retry inside a poll; longer outages are the reconnecting state's job.
        return call_with_retry(fn, policy=RetryPolicy(max_attempts=2, base_delay=0.2, max_delay=0.5))

    # -- polling ------------------------------------------------------------------------------------

    def poll(self, job_id: str) -> JobSnapshot:
        with self._lock:
            try:
                snapshot = self._poll(job_id)
            except Exception as error:  # noqa: BLE001
                if not is_retryable(error):
                    raise service_error(error, self.profile, f"check job {job_id}", self.credentials) from None
                self._failures += 1
                delay = wait_before_retry(self._backoff, self._failures, error)
                job = self.store.jobs.get_job(job_id) or _placeholder(job_id)
                return JobSnapshot(
                    job=job,
                    checkpoints=self.store.jobs.checkpoints(job_id),
                    connection="reconnecting",
                    retry_in=delay,
                    message=describe(error, self.profile, "check the job", self.credentials),
                    **_progress(self.store, job_id),
                )
            self._failures = 0
            return snapshot

    def _poll(self, job_id: str) -> JobSnapshot:
        job = self._call(lambda: wire.call(lambda: self.client.fine_tuning.jobs.with_raw_response.retrieve(job_id)))
        known = self.store.jobs.get_job(job_id)
        record = record_job(self.store, job, self.profile if known is None or not known.profile else None)
        new_events = self._fetch_new_events(job_id)
        self.store.jobs.add_events(new_events)
        new_metrics = [m for m in (event_metric(e) for e in new_events) if m is not None]
        if new_metrics:
            self.store.jobs.add_metrics(job_id, new_metrics)
        checkpoints = self._fetch_checkpoints(job_id)
        if checkpoints:
            self.store.jobs.add_checkpoints(checkpoints)
        skipped = self._record_skips(record, new_events)
        if record.status == "succeeded" and job_id not in self._results_loaded:
            self._load_results(record)
        return JobSnapshot(
            job=self.store.jobs.get_job(job_id),
            new_events=sorted(new_events, key=lambda e: (e.created_at, e.id)),
            new_metrics=sorted(new_metrics, key=lambda m: m.step),
            checkpoints=self.store.jobs.checkpoints(job_id),
            skipped_images=skipped,
            **_progress(self.store, job_id),
        )

    def _fetch_new_events(self, job_id: str) -> list[jr.JobEvent]:
        """Events not yet recorded, in requests proportional to how many are new (see module doc)."""
        known = self._known_events.get(job_id)
        if known is None:
            known = self._known_events[job_id] = self.store.jobs.known_event_ids(job_id)
        if self._rules.events_oldest_first:
            new = self._events_forward(job_id, known)
        else:
            new = self._events_newest_first(job_id, known)
        known.update(e.id for e in new)
        return new

    def _event_page(self, job_id: str, after: str | None) -> tuple[list[jr.JobEvent], bool]:
        kwargs: dict[str, Any] = {"limit": EVENT_PAGE} | ({"after": after} if after else {})
        page = wire.Page.of(self._call(lambda: wire.call(
            lambda: self.client.fine_tuning.jobs.with_raw_response.list_events(job_id, **kwargs))))
        return [event_record(job_id, e) for e in page.data], page.has_more

    def _events_newest_first(self, job_id: str, known: set[str]) -> list[jr.JobEvent]:
        """[facts §3] OAI / AZ1: newest first; page toward older events until one is already known."""
        new: list[jr.JobEvent] = []
        after: str | None = None
        while True:
            items, has_more = self._event_page(job_id, after)
            seen = {n.id for n in new}
            fresh = [e for e in items if e.id not in known and e.id not in seen]
            new.extend(fresh)
            if not items or not has_more or len(fresh) < len(items):
                return new
            after = items[-1].id

    def _events_forward(self, job_id: str, known: set[str]) -> list[jr.JobEvent]:
        """[facts §3] dated API: oldest first, `after` continues toward newer events — start after the
        last event recorded (in list order) and read forward to the end."""
        if job_id not in self._event_cursor:
            last = self.store.jobs.events(job_id, newest_first=True, limit=1)
            self._event_cursor[job_id] = last[0].id if last else None
        after = self._event_cursor[job_id]
        new: list[jr.JobEvent] = []
        while True:
            items, has_more = self._event_page(job_id, after)
            seen = {n.id for n in new}
            new.extend(e for e in items if e.id not in known and e.id not in seen)
            if items:
                after = items[-1].id
            if not items or not has_more:
                break
        self._event_cursor[job_id] = after
        return new

    def _fetch_checkpoints(self, job_id: str) -> list[jr.CheckpointRecord]:
        out: list[jr.CheckpointRecord] = []
        after: str | None = None
        while True:
            kwargs: dict[str, Any] = {"limit": 100} | ({"after": after} if after else {})
            page = wire.Page.of(self._call(lambda: wire.call(
                lambda: self.client.fine_tuning.jobs.checkpoints.with_raw_response.list(job_id, **kwargs))))
            out.extend(checkpoint_record(job_id, c) for c in page.data)
            if not page.data or not page.has_more:
                return out
            after = str(page.data[-1].get("id"))

    def _record_skips(self, job: jr.JobRecord, new_events: list[jr.JobEvent]) -> int:
        texts: list[tuple[str, str | None]] = [
            (e.message, None) for e in new_events if e.level in ("warn", "warning", "error")
        ]
        if job.error and job.error.get("message"):
            param = str(job.error.get("param") or "")
            texts.append((job.error["message"], "validation" if "validation" in param else None))
        if not texts:
            return 0
        submission = self.store.jobs.job_submission(job.id)
        export_dir = submission.export_dir if submission else None
        return sum(record_skips(self.store, job.id, text, export_dir, hint or "training") for text, hint in texts)

    def _load_results(self, job: jr.JobRecord) -> None:
        for file_id in job.result_files[:1]:
            content = self._call(lambda: self.client.files.content(file_id))
            points = parse_results_csv(content.content if hasattr(content, "content") else content.read())  # plain or base64
            if points:
                self.store.jobs.add_metrics(job.id, points)
        self._results_loaded.add(job.id)

    # -- actions ------------------------------------------------------------------------------------

    def _act(self, job_id: str, verb: str, fn: Callable[[], Any]) -> jr.JobRecord:
        try:
            job = call_with_retry(lambda: wire.call(fn))
        except Exception as error:  # noqa: BLE001
            raise service_error(error, self.profile, f"{verb} job {job_id}", self.credentials) from None
        return record_job(self.store, job)

    def pause(self, job_id: str) -> jr.JobRecord:
        return self._act(job_id, "pause", lambda: self.client.fine_tuning.jobs.with_raw_response.pause(job_id))

    def resume(self, job_id: str) -> jr.JobRecord:
        return self._act(job_id, "resume", lambda: self.client.fine_tuning.jobs.with_raw_response.resume(job_id))

    def cancel(self, job_id: str) -> jr.JobRecord:
        return self._act(job_id, "cancel", lambda: self.client.fine_tuning.jobs.with_raw_response.cancel(job_id))

    # -- after a restart ----------------------------------------------------------------------------

    def attach_all(self) -> list[jr.JobRecord]:
        """This project's jobs that were still running when last seen, on this monitor's service."""
        mine = self.profile.credential_account()
        out = []
        for job in self.store.jobs.list_jobs(active_only=True):
            try:
                same = not job.profile or ServiceProfile.from_dict(job.profile).credential_account() == mine
            except Exception:  # noqa: BLE001 - an unreadable profile is not ours to poll
                same = False
            if same:
                out.append(job)
        return out

    def refresh_from_service(self, max_jobs: int = 500) -> list[jr.JobRecord]:
        """Find this project's jobs on the service and record them.

        Covers a job whose create response was lost, and a project copied to another machine. A job
        is this project's when it carries one of its submission tokens in `metadata` or — on every
        style, and the only key on the dated API, which has no metadata [facts §1] — when its
        training file is one this project uploaded: recorded on the submission, or found again by
        the submission's unique file name (`studio-<token>-train.jsonl`) if that upload's answer was
        lost too. A job created before its submission started is never taken for it.
        """
        submissions = [s for s in self.store.jobs.list_submissions() if s.params.get("submission_token")]
        by_token = {s.params["submission_token"]: s for s in submissions}
        try:
            by_file = {s.training_file_id: s for s in submissions if s.training_file_id}
            missing = [s for s in submissions if not s.training_file_id and not s.job_id]
            if missing:
                by_file |= self._files_by_submission_name(missing)
            found: list[jr.JobRecord] = []
            for job in wire.iter_jobs(self.client, max_jobs=max_jobs):
                sub = by_token.get(str(job.metadata.get(METADATA_KEY))) or by_file.get(job.training_file or "")
                if sub is None or (sub.job_id and sub.job_id != job.id):
                    continue
                if job.created_at is not None and sub.created_at and job.created_at + 5 < sub.created_at:
                    continue  # older than the submission: not its job
                if not sub.job_id:
                    self.store.jobs.update_submission(sub.id, state="created", job_id=job.id, error=None,
                                         **({} if sub.training_file_id else {"training_file_id": job.training_file}))
                found.append(record_job(self.store, job.raw, self.profile, submission_id=sub.id))
        except Exception as error:  # noqa: BLE001
            raise service_error(error, self.profile, "list fine-tuning jobs", self.credentials) from None
        return found

    def _files_by_submission_name(self, submissions: list) -> dict[str, Any]:
        """Training files on the service named after these submissions (their upload answer was lost)."""
        names = {}
        for sub in submissions:
            token = sub.params["submission_token"]
            round_ = int(sub.params.get("upload_round", 0))
            names[f"studio-{token}" + (f"-r{round_}" if round_ else "") + "-train.jsonl"] = sub
        return {file_id: names[name] for name, file_id in find_uploaded_names(self.client, set(names), style_of(self.profile)).items()}

    # -- the CLI's loop -----------------------------------------------------------------------------

    def watch(
        self,
        job_id: str,
        on_update: Callable[[JobSnapshot], None],
        interval: float = 5.0,
        cancel: CancelToken | None = None,
    ) -> JobSnapshot:
        """Poll until the job is terminal (or `cancel`); calls `on_update` after every poll."""
        while True:
            snapshot = self.poll(job_id)
            on_update(snapshot)
            if snapshot.terminal and not snapshot.reconnecting:
                return snapshot
            try:
                sleep_cancellable((snapshot.retry_in or interval) if snapshot.reconnecting else interval, cancel)
            except Cancelled:
                return snapshot


def _placeholder(job_id: str) -> jr.JobRecord:
    return jr.JobRecord(
        id=job_id, submission_id=None, profile={}, base_model=None, status="unknown", created_at=None,
        finished_at=None, fine_tuned_model=None, trained_tokens=None, training_file_id=None,
        validation_file_id=None, result_files=[], error=None, estimated_finish=None, raw={}, updated_at=None,
    )


def _progress(store: Any, job_id: str) -> dict:
    points = store.jobs.metrics(job_id)
    if not points:
        return {"step": None, "total_steps": None}
    total = next((p.total_steps for p in reversed(points) if p.total_steps), None)
    return {"step": points[-1].step, "total_steps": total}


def active_jobs(store: Any) -> list[jr.JobRecord]:
    """Jobs to re-attach when a project opens (any service); see `JobMonitor.attach_all`."""
    return store.jobs.list_jobs(active_only=True)


def poll_delay(snapshot: JobSnapshot, interval: float) -> float:
    """How long a UI timer should wait before the next poll of this job."""
    return snapshot.retry_in if snapshot.reconnecting and snapshot.retry_in is not None else interval

