"""The worker that talks to the service about existing jobs: polls, pause, resume, cancel.

It lives on its own QThread with its own connection to the project file (SQLite connections are not
shared between threads here), and handles one request at a time in arrival order, so a slow or
unreachable service never blocks the window and two polls of one job never overlap. Scheduling
(when to poll next) stays on the UI thread in `FinetuneController`; this object only does the work
and reports back with signals.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, Signal, Slot

from studio.core.errors import CredentialError, StudioError
from studio.core.store.project_store import ProjectStore, StoreFactory
from studio.service.credentials import Credentials
from studio.service.jobs.monitor import JobMonitor
from studio.service.clients import make_client
from studio.service.profile import ServiceProfile
from studio.service.retry import RetryPolicy
from studio.ui.common.tasks import error_text

CredentialsFor = Callable[[ServiceProfile], Credentials]
ProfileFor = Callable[[], ServiceProfile]


class JobPoller(QObject):
    snapshot = Signal(str, object)  # job id, studio.service.jobs.monitor.JobSnapshot
    poll_failed = Signal(str, str, str)  # job id, message, kind: "sign_in" | "error" (retrying cannot fix it)
    action_done = Signal(str, str, object)  # job id, verb, JobRecord
    action_failed = Signal(str, str, str)  # job id, verb, message
    skips_marked = Signal(str, object)  # job id, list[int] of image ids the service skipped

    def __init__(
        self,
        stores: StoreFactory,
        credentials_for: CredentialsFor,
        default_profile: ProfileFor,
        *,
        backoff: RetryPolicy,
        request_timeout: float,
    ) -> None:
        super().__init__()
        self._stores = stores
        self._credentials_for = credentials_for
        self._default_profile = default_profile
        self._backoff = backoff
        self._timeout = request_timeout
        self._store: ProjectStore | None = None
        self._monitors: dict[str, JobMonitor] = {}

    # -- plumbing (worker thread) -------------------------------------------------------------------

    def _project(self) -> ProjectStore:
        if self._store is None:
            self._store = self._stores.open()
        return self._store

    def _profile_of(self, job_id: str) -> ServiceProfile:
        job = self._project().jobs.get_job(job_id)
        if job is not None and job.profile:
            return ServiceProfile.from_dict(job.profile)
        return self._default_profile()

    def _monitor(self, job_id: str) -> JobMonitor:
        profile = self._profile_of(job_id)
        key = profile.to_json()
        monitor = self._monitors.get(key)
        if monitor is None:
            credentials = self._credentials_for(profile)
            client = make_client(profile, credentials, timeout=self._timeout)
            monitor = JobMonitor(self._project(), profile, credentials, client=client, backoff=self._backoff)
            self._monitors[key] = monitor
        return monitor

    @Slot()
    def forget_credentials(self) -> None:
        """Drop clients built with old credentials (after a new sign-in)."""
        self._monitors.clear()

    # -- requests (queued from the UI thread) -------------------------------------------------------

    @Slot(str)
    def poll(self, job_id: str) -> None:
        try:
            monitor = self._monitor(job_id)
            snap = monitor.poll(job_id)
        except CredentialError as error:
            self._monitors.clear()  # rebuilt with fresh credentials on the next try
            self.poll_failed.emit(job_id, str(error), "sign_in")
            return
        except Exception as error:  # noqa: BLE001 - becomes a message in the job view
            if isinstance(error, StudioError):
                self._monitors.clear()
            kind = "sign_in" if getattr(error, "status_code", None) in (401, 403) else "error"
            self.poll_failed.emit(job_id, error_text(error), kind)
            return
        self.snapshot.emit(job_id, snap)
        if snap.skipped_images:
            ids = sorted({s.image_id for s in self._project().jobs.service_skips(job_id)})
            self.skips_marked.emit(job_id, ids)

    @Slot(str, str)
    def act(self, job_id: str, verb: str) -> None:
        try:
            monitor = self._monitor(job_id)
            action = {"pause": monitor.pause, "resume": monitor.resume, "cancel": monitor.cancel}[verb]
            record = action(job_id)
        except Exception as error:  # noqa: BLE001
            self.action_failed.emit(job_id, verb, error_text(error))
            return
        self.action_done.emit(job_id, verb, record)

    @Slot()
    def close(self) -> None:
        self._monitors.clear()
        if self._store is not None:
            self._store.close()
            self._store = None
