"""The Qt side of fine-tuning for one open project: submissions, job polling, and their signals.

Widgets (wizard, jobs panel, job view) never call the service or open threads themselves; they ask
this object and listen to its signals. It owns:
- quick reads on the UI thread through the labeling session, which owns the project file there
  (`session.jobs`, the prompts, the classes); it never opens the file a second time;
- a `JobPoller` on its own QThread (with its own connection) that does every service call about
  existing jobs, and one QTimer per watched job that decides when to poll next: the poll interval
  while all is well, the service layer's back-off while reconnecting, nothing once the job is final;
- `SubmissionRun`s: export + upload + create on the thread pool, cancellable, and resumable with the
  same submission id so a retry can never create a second job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from studio.core.store import job_records as jr
from studio.core.errors import CredentialError, StudioError
from studio.core.finetune_data import load_prompt_templates, save_prompt_templates
from studio.core.store.project_store import ProjectStore
from studio.service.jobs.monitor import JobSnapshot, poll_delay
from studio.service.profile import ServiceProfile
from studio.service.retry import DEFAULT_POLICY, RetryPolicy
from studio.service.submit.submission import start_submission, submit
from studio.service.submit.params import SubmitParams
from studio.ui.app import settings as app_settings
from studio.ui.finetune.credentials import FinetuneCredentials
from studio.ui.common.tasks import BackgroundTask
from studio.ui.labeling.session import ProjectSession
from studio.ui.finetune.jobs.poller import JobPoller

PROBLEM_RETRY_SECONDS = 60.0  # an answer retrying cannot fix (e.g. unknown job): ask again rarely


@dataclass(frozen=True)
class FinetuneConfig:
    """Timings of the fine-tune machinery; tests shrink them, the app keeps the defaults."""

    poll_interval: float = 5.0
    demo_poll_interval: float = 1.5  # the demo trains a step every 0.5 s: poll often so curves fill smoothly
    reconnect_backoff: RetryPolicy = field(default_factory=lambda: RetryPolicy(base_delay=2.0, max_delay=60.0))
    submit_policy: RetryPolicy = DEFAULT_POLICY
    file_poll_interval: float = 2.0
    request_timeout: float = 30.0
    export_workers: int | None = None  # None: one encoding process per core


@dataclass
class _Watch:
    timer: QTimer
    in_flight: bool = False
    again: bool = False  # a poll was asked for while one was running
    paused_for_sign_in: bool = False


class FinetuneController(QObject):
    job_updated = Signal(str, object)  # job id, JobSnapshot (also while reconnecting)
    job_problem = Signal(str, str, str)  # job id, message, kind ("sign_in" | "error")
    action_finished = Signal(str, str, bool, str)  # job id, verb, ok, message
    jobs_changed = Signal()  # a job was added or reached a final state: lists re-read
    submissions_changed = Signal()
    service_skips_changed = Signal(object)  # list[int]: images newly marked as skipped by the service
    profile_changed = Signal(object)  # ServiceProfile

    _poll_request = Signal(str)
    _action_request = Signal(str, str)
    _forget_request = Signal()

    def __init__(
        self,
        session: ProjectSession,
        *,
        credentials: FinetuneCredentials | None = None,
        config: FinetuneConfig | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.read_only = session.read_only
        self.config = config or FinetuneConfig()
        self.credentials = credentials or FinetuneCredentials()
        self._jobs = session.jobs
        self.stores = session.stores  # worker threads' own connections
        self._watches: dict[str, _Watch] = {}
        self._last: dict[str, JobSnapshot] = {}
        self._runs: dict[int, "SubmissionRun"] = {}
        self._closed = False

        self._thread = QThread()
        self._thread.setObjectName("finetune-job-poller")
        self._poller = JobPoller(
            self.stores,
            self.credentials.resolve,
            lambda: self.profile,
            backoff=self.config.reconnect_backoff,
            request_timeout=self.config.request_timeout,
        )
        self._poller.moveToThread(self._thread)
        self._poll_request.connect(self._poller.poll)
        self._action_request.connect(self._poller.act)
        self._forget_request.connect(self._poller.forget_credentials)
        self._poller.snapshot.connect(self._on_snapshot)
        self._poller.poll_failed.connect(self._on_poll_failed)
        self._poller.action_done.connect(self._on_action_done)
        self._poller.action_failed.connect(self._on_action_failed)
        self._poller.skips_marked.connect(self._on_skips)
        self._thread.start()

    # -- the chosen service -------------------------------------------------------------------------

    @property
    def profile(self) -> ServiceProfile:
        return app_settings.load_profile()

    def set_profile(self, profile: ServiceProfile) -> None:
        app_settings.save_profile(profile)
        self.profile_changed.emit(profile)

    def credentials_changed(self) -> None:
        """After a sign-in: rebuild clients and poll the jobs that were waiting for it."""
        self._forget_request.emit()
        for job_id, watch in self._watches.items():
            if watch.paused_for_sign_in:
                watch.paused_for_sign_in = False
                self.poll_now(job_id)

    # -- reads for the windows (UI thread, quick) ---------------------------------------------------

    def jobs(self) -> list[jr.JobRecord]:
        return self._jobs.list_jobs()

    def job(self, job_id: str) -> jr.JobRecord | None:
        return self._jobs.get_job(job_id)

    def metrics(self, job_id: str) -> list[jr.MetricPoint]:
        return self._jobs.metrics(job_id)

    def events(self, job_id: str) -> list[jr.JobEvent]:
        return self._jobs.events(job_id)

    def checkpoints(self, job_id: str) -> list[jr.CheckpointRecord]:
        return self._jobs.checkpoints(job_id)

    def skipped_image_ids(self, job_id: str | None = None) -> list[int]:
        return sorted({s.image_id for s in self._jobs.service_skips(job_id)})

    def unfinished_submissions(self) -> list[jr.SubmissionRecord]:
        """Submissions that stopped before a job existed (failed, cancelled, or cut by a crash)."""
        running = {sid for sid, run in self._runs.items() if run.running}
        return [s for s in self._jobs.list_submissions(unfinished_only=True) if s.id not in running]

    def last_snapshot(self, job_id: str) -> JobSnapshot | None:
        return self._last.get(job_id)

    def service_skips(self, job_id: str) -> list[jr.ServiceSkip]:
        return self._jobs.service_skips(job_id)

    @property
    def project_name(self) -> str:
        return self.session.name

    def class_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.session.classes())

    def prompt_templates(self) -> tuple[str, str]:
        """The project's system and instruction texts (the defaults until the user changed them)."""
        return load_prompt_templates(self.session)

    def save_prompt_templates(self, system: str, instruction: str) -> None:
        save_prompt_templates(self.session, system, instruction)

    def open_reader(self) -> ProjectStore:
        """A read-only connection for a worker thread; the caller closes it."""
        return self.stores.open_reader()

    # -- monitoring ---------------------------------------------------------------------------------

    def attach_running(self) -> list[str]:
        """Watch every job of this project that was not final when last seen (after an open)."""
        ids = [job.id for job in self._jobs.list_jobs(active_only=True)]
        for job_id in ids:
            self.watch(job_id)
        return ids

    def watch(self, job_id: str) -> None:
        if self._closed:
            return
        if job_id not in self._watches:
            timer = QTimer(self)
            timer.setSingleShot(True)
            timer.timeout.connect(lambda j=job_id: self.poll_now(j))
            self._watches[job_id] = _Watch(timer)
        self.poll_now(job_id)

    def is_watching(self, job_id: str) -> bool:
        return job_id in self._watches

    def watched(self) -> list[str]:
        return list(self._watches)

    def poll_now(self, job_id: str) -> None:
        watch = self._watches.get(job_id)
        if watch is None or self._closed:
            return
        if watch.in_flight:
            watch.again = True
            return
        watch.timer.stop()
        watch.in_flight = True
        self._poll_request.emit(job_id)

    def _schedule(self, job_id: str, seconds: float) -> None:
        watch = self._watches.get(job_id)
        if watch is None:
            return
        watch.in_flight = False
        if watch.again:
            watch.again = False
            self.poll_now(job_id)
            return
        watch.timer.start(max(10, int(seconds * 1000)))

    def _on_snapshot(self, job_id: str, snap: JobSnapshot) -> None:
        if self._closed:
            return
        previous = self._last.get(job_id)
        self._last[job_id] = snap
        self.job_updated.emit(job_id, snap)
        if previous is None or previous.status != snap.status:
            self.jobs_changed.emit()
        if snap.terminal and not snap.reconnecting:
            watch = self._watches.pop(job_id, None)
            if watch is not None:
                watch.timer.stop()
                watch.timer.deleteLater()
            return
        interval = self.config.poll_interval
        if (snap.job.profile or {}).get("kind") == "demo":
            interval = min(interval, self.config.demo_poll_interval)
        self._schedule(job_id, poll_delay(snap, interval))

    def _on_poll_failed(self, job_id: str, message: str, kind: str) -> None:
        if self._closed:
            return
        self.job_problem.emit(job_id, message, kind)
        watch = self._watches.get(job_id)
        if watch is None:
            return
        if kind == "sign_in":
            watch.in_flight = False
            watch.paused_for_sign_in = True  # resumes on credentials_changed()
            return
        self._schedule(job_id, max(PROBLEM_RETRY_SECONDS, self.config.poll_interval))

    def _on_skips(self, job_id: str, image_ids: list[int]) -> None:
        if not self._closed:
            self.service_skips_changed.emit(list(image_ids))

    # -- pause / resume / cancel --------------------------------------------------------------------

    def pause(self, job_id: str) -> None:
        self._action_request.emit(job_id, "pause")

    def resume(self, job_id: str) -> None:
        self._action_request.emit(job_id, "resume")

    def cancel_job(self, job_id: str) -> None:
        self._action_request.emit(job_id, "cancel")

    def _on_action_done(self, job_id: str, verb: str, record: Any) -> None:
        if self._closed:
            return
        self.action_finished.emit(job_id, verb, True, "")
        self.jobs_changed.emit()
        self.watch(job_id)  # also re-attaches a job that was final in our records but not on the service

    def _on_action_failed(self, job_id: str, verb: str, message: str) -> None:
        if not self._closed:
            self.action_finished.emit(job_id, verb, False, message)

    # -- submissions --------------------------------------------------------------------------------

    def new_submission(self, profile: ServiceProfile, params: SubmitParams) -> "SubmissionRun":
        """Record a submission (validating `params`; raises `StudioError`) and return its runner."""
        if self.read_only:
            raise StudioError("This project is open read-only, so nothing can be submitted from it. "
                              "Reopen it with write access.")
        submission_id = start_submission(self.session, profile, params)
        self.submissions_changed.emit()
        return self._run_for(submission_id, profile)

    def resume_submission(self, submission_id: int) -> "SubmissionRun":
        """The runner of an earlier submission: `start()` carries on where it stopped."""
        run = self._runs.get(submission_id)
        if run is not None:
            return run
        record = self._jobs.get_submission(submission_id)
        if record is None:
            raise StudioError(f"Submission {submission_id} is not in this project.")
        return self._run_for(submission_id, ServiceProfile.from_dict(record.profile))

    def _run_for(self, submission_id: int, profile: ServiceProfile) -> "SubmissionRun":
        run = SubmissionRun(self, submission_id, profile)
        self._runs[submission_id] = run
        run.created.connect(self._on_created)
        run.failed.connect(lambda *_: self.submissions_changed.emit())
        run.cancelled.connect(self.submissions_changed)
        run.ended.connect(lambda sid=submission_id: self._runs.pop(sid, None))
        return run

    def _on_created(self, job_id: str) -> None:
        self.jobs_changed.emit()
        self.submissions_changed.emit()
        self.watch(job_id)

    def export_options_extra(self) -> dict:
        """Export settings that belong to this machine, not to the user's choice."""
        return {"workers": self.config.export_workers}

    # -- shutdown -----------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop polling and submissions and close their connections (the project is being closed; the
        session closes its own).

        A submission cut here resumes from its last recorded step with "Retry" next time.
        """
        if self._closed:
            return
        self._closed = True
        for watch in self._watches.values():
            watch.timer.stop()
        self._watches.clear()
        for run in list(self._runs.values()):
            run.cancel()
        self._thread.quit()
        if not self._thread.wait(15_000):  # a request in flight ends at its timeout at the latest
            return  # the worker still holds its connection; never close it from under it
        self._poller.close()
        for run in list(self._runs.values()):
            run.wait(15.0)


class SubmissionRun(QObject):
    """One submission's background work: start, cancel, and start again (= retry, same job)."""

    progress = Signal(int, int, str)  # done, total (-1 unknown), message
    warning = Signal(str)
    created = Signal(str)  # job id
    failed = Signal(str, bool)  # message, needs sign-in
    cancelled = Signal()
    ended = Signal()  # after created: the runner is no longer needed

    def __init__(self, controller: FinetuneController, submission_id: int, profile: ServiceProfile) -> None:
        super().__init__(controller)
        self.controller = controller
        self.submission_id = submission_id
        self.profile = profile
        self.job_id: str | None = None
        self._task: BackgroundTask | None = None
        self._finished_flag = False

    @property
    def running(self) -> bool:
        return self._task is not None and self._task.running

    def start(self) -> None:
        """Run (or continue) the submission. Safe to call again after a failure or a cancel."""
        if self.running:
            return
        try:
            credentials = self.controller.credentials.resolve(self.profile)
        except CredentialError as error:
            self.failed.emit(str(error), True)
            return
        stores, config, sid, profile = self.controller.stores, self.controller.config, self.submission_id, self.profile
        warn = self.warning.emit

        def work(progress: Callable, cancel: Any) -> str:
            store = stores.open()
            try:
                return submit(store, profile, credentials, progress=progress, cancel=cancel, submission_id=sid,
                              warn=warn, policy=config.submit_policy, poll_interval=config.file_poll_interval)
            finally:
                store.close()

        task = BackgroundTask(work, self)
        task.progress.connect(self.progress)
        task.finished.connect(self._on_created)
        task.failed.connect(lambda message: self.failed.emit(message, False))
        task.cancelled.connect(self.cancelled)
        self._task = task.start()

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def wait(self, seconds: float) -> bool:
        """Block until the worker is done (used when closing the project); False on timeout."""
        return self._task is None or self._task.wait(seconds)

    def _on_created(self, job_id: str) -> None:
        self.job_id = job_id
        self.created.emit(job_id)
        self.ended.emit()
