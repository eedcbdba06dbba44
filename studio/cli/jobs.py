"""Fine-tuning job commands of `studio-cli`: submit, list, watch, pause, resume, cancel.

Thin wrappers over `studio.service`: the job monitor the app uses records every status, event,
metric and checkpoint in the project, so the app shows what the command line did and the other way round.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.core.wording import plural
from studio.cli.common import (
    SubParsers,
    add_service_flags,
    credentials_for,
    open_project,
    print_json,
    profile_from_args,
    stderr_progress,
    warn,
)
from studio.cli.export import add_export_flags, export_options
from studio.core.errors import StudioError
from studio.core.store import job_records as jr
from studio.core.store.project_store import ProjectStore

if TYPE_CHECKING:
    from studio.service.jobs.monitor import JobMonitor, JobSnapshot
    from studio.service.profile import ServiceProfile


def register(sub: SubParsers) -> None:
    p = sub.add_parser("submit", help="export, upload and start a fine-tuning job")
    p.add_argument("project", type=Path)
    add_service_flags(p)
    p.add_argument("--model", default="gpt-4o-2024-08-06", help="base model or one of your fine-tuned models")
    p.add_argument("--epochs", type=_auto_int, default="auto")
    p.add_argument("--batch-size", type=_auto_int, default="auto")
    p.add_argument("--lr-multiplier", type=_auto_float, default="auto")
    p.add_argument("--suffix", default=None)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--training-type", choices=("standard", "global", "developer"), default=None, help="Azure only")
    add_export_flags(p)
    p.add_argument("--resume", type=int, metavar="SUBMISSION", help="resume a submission that stopped part-way")
    p.add_argument("--watch", action="store_true", help="keep printing progress until the job finishes")
    p.add_argument("--interval", type=float, default=5.0, help="seconds between polls with --watch")
    p.set_defaults(handler=cmd_submit)

    p = sub.add_parser("jobs", help="list the project's fine-tuning jobs")
    p.add_argument("project", type=Path)
    p.add_argument("--refresh", action="store_true", help="ask the service for the latest status first")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_jobs)

    p = sub.add_parser("watch", help="print a job's status, events and metrics until it finishes")
    p.add_argument("project", type=Path)
    p.add_argument("job_id")
    p.add_argument("--interval", type=float, default=5.0, help="seconds between polls")
    p.set_defaults(handler=cmd_watch)

    for verb, text in (
        ("pause", "pause a running job (it keeps its progress; resume it later)"),
        ("resume", "resume a paused job"),
        ("cancel", "cancel a job (it cannot be resumed)"),
    ):
        p = sub.add_parser(verb, help=text)
        p.add_argument("project", type=Path)
        p.add_argument("job_id")
        p.add_argument("--json", action="store_true")
        p.set_defaults(handler=cmd_job_action, verb=verb)


def _auto_int(text: str) -> Any:
    return "auto" if text == "auto" else int(text)


def _auto_float(text: str) -> Any:
    return "auto" if text == "auto" else float(text)


# -- submit / jobs / watch --------------------------------------------------------------------------


def cmd_submit(args: argparse.Namespace) -> int:
    from studio.service.profile import ServiceProfile, save_project_profile
    from studio.service.submit.params import SubmitParams
    from studio.service.submit.submission import retry_submission, submit

    with open_project(args.project) as store:
        progress = stderr_progress("submit")

        def warning(message: str) -> None:
            warn(f"warning: {message}")

        if args.resume is not None:
            sub = store.jobs.get_submission(args.resume)
            if sub is None:
                raise StudioError(f"There is no submission {args.resume} in this project (see 'studio-cli jobs').")
            profile = ServiceProfile.from_dict(sub.profile)
            job_id = retry_submission(store, args.resume, credentials_for(profile), progress=progress, warn=warning)
        else:
            profile = profile_from_args(args, store)
            params = SubmitParams(
                model=args.model, suffix=args.suffix, seed=args.seed, n_epochs=args.epochs,
                batch_size=args.batch_size, learning_rate_multiplier=args.lr_multiplier,
                training_type=args.training_type, export=export_options(args),
            )
            creds = credentials_for(profile)
            try:
                job_id = submit(store, profile, creds, params, progress, warn=warning)
            except StudioError:
                pending = store.jobs.list_submissions(unfinished_only=True)
                if pending:
                    warn(f"The submission stopped part-way; fix the cause, then resume it with: "
                         f"studio-cli submit {args.project} --resume {pending[0].id}")
                raise
        save_project_profile(store, profile)
        print(job_id)
        sys.stdout.flush()
        if args.watch:
            return _watch(store, job_id, args.interval)
    return 0


def cmd_jobs(args: argparse.Namespace) -> int:
    with open_project(args.project) as store:
        if args.refresh:
            _refresh(store)
        jobs = store.jobs.list_jobs()
        if args.json:
            print_json([_job_dict(store, j) for j in jobs])
            return 0
        if not jobs:
            print("No fine-tuning jobs in this project yet.")
        for job in jobs:
            created = time.strftime("%Y-%m-%d %H:%M", time.localtime(job.created_at)) if job.created_at else "?"
            tokens = f"{job.trained_tokens:,} tokens" if job.trained_tokens else ""
            model = job.fine_tuned_model or ""
            print(f"{job.id}  {job.status:<16} {job.base_model or '?':<22} {created}  {tokens}  {model}".rstrip())
        for sub in store.jobs.list_submissions(unfinished_only=True):
            print(f"submission {sub.id}: stopped at '{sub.state}'" + (f" ({sub.error})" if sub.error else "")
                  + f"; resume with: studio-cli submit {args.project} --resume {sub.id}")
    return 0


def _refresh(store: ProjectStore) -> None:
    from studio.service.jobs.monitor import JobMonitor
    from studio.service.profile import ServiceProfile

    monitors: dict[str, JobMonitor] = {}

    def monitor_for(profile: ServiceProfile) -> JobMonitor:
        key = profile.to_json()
        if key not in monitors:
            monitors[key] = JobMonitor(store, profile, credentials_for(profile))
        return monitors[key]

    # a submission that stopped after creating its job (response lost) gets its job back
    for sub in store.jobs.list_submissions(unfinished_only=True):
        if sub.training_file_id and sub.profile:
            monitor_for(ServiceProfile.from_dict(sub.profile)).refresh_from_service()
    for job in store.jobs.list_jobs(active_only=True):
        if not job.profile:
            continue
        snapshot = monitor_for(ServiceProfile.from_dict(job.profile)).poll(job.id)
        if snapshot.reconnecting:
            warn(f"{job.id}: {snapshot.message}")


def _job_dict(store: ProjectStore, job: jr.JobRecord) -> dict[str, Any]:
    return {
        "id": job.id,
        "status": job.status,
        "base_model": job.base_model,
        "fine_tuned_model": job.fine_tuned_model,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "trained_tokens": job.trained_tokens,
        "error": job.error,
        "service": job.profile.get("kind"),
        "checkpoints": [c.model_id for c in store.jobs.checkpoints(job.id)],
        "metrics_steps": len(store.jobs.metrics(job.id)),
    }


def _monitor(store: ProjectStore, job_id: str) -> JobMonitor:
    """The monitor for a job this project recorded, on the service (and account) it was submitted to."""
    from studio.service.jobs.monitor import JobMonitor
    from studio.service.profile import ServiceProfile

    job = store.jobs.get_job(job_id)
    if job is None or not job.profile:
        raise StudioError(f"Job {job_id} is not recorded in this project. List its jobs with 'studio-cli jobs'.")
    profile = ServiceProfile.from_dict(job.profile)
    return JobMonitor(store, profile, credentials_for(profile))


def cmd_watch(args: argparse.Namespace) -> int:
    with open_project(args.project) as store:
        return _watch(store, args.job_id, args.interval)


def _watch(store: ProjectStore, job_id: str, interval: float) -> int:
    monitor = _monitor(store, job_id)
    state: dict[str, Any] = {"status": None, "reconnecting": False}

    def show(snapshot: JobSnapshot) -> None:
        if snapshot.reconnecting:
            if not state["reconnecting"]:
                warn(f"reconnecting: {snapshot.message}")
            state["reconnecting"] = True
            return
        if state["reconnecting"]:
            warn("reconnected")
        state["reconnecting"] = False
        if snapshot.status != state["status"]:
            state["status"] = snapshot.status
            print(f"status: {snapshot.status}")
        for event in snapshot.new_events:
            if event.type != "metrics":
                print(f"{_clock(event.created_at)} {event.level:<5} {event.message}")
        for point in snapshot.new_metrics:
            print(_metric_line(point))
        if snapshot.skipped_images:
            print(f"{plural(snapshot.skipped_images, 'image')} marked as skipped by the service")
        sys.stdout.flush()

    final = monitor.watch(job_id, show, interval=interval)
    job = final.job
    if job.status == "succeeded":
        print(f"fine-tuned model: {job.fine_tuned_model}")
        if job.trained_tokens:
            print(f"trained tokens: {job.trained_tokens:,}")
        for ckpt in store.jobs.checkpoints(job_id):
            print(f"checkpoint step {ckpt.step_number}: {ckpt.model_id}")
        return 0
    if job.error:
        print(f"error: {job.error.get('message')}")
    return 1


def _clock(ts: float | None) -> str:
    return time.strftime("%H:%M:%S", time.localtime(ts)) if ts else "--:--:--"


def _metric_line(p: jr.MetricPoint) -> str:
    parts = [f"step {p.step}" + (f"/{p.total_steps}" if p.total_steps else "")]
    for label, value in (("train_loss", p.train_loss), ("train_acc", p.train_accuracy),
                         ("valid_loss", p.valid_loss), ("valid_acc", p.valid_accuracy)):
        if value is not None:
            parts.append(f"{label}={value:.4f}")
    return "  ".join(parts)


# -- pause / resume / cancel ------------------------------------------------------------------------


def cmd_job_action(args: argparse.Namespace) -> int:
    """The job buttons of the app's job view, from the command line (same monitor call, same records)."""
    with open_project(args.project) as store:
        monitor = _monitor(store, args.job_id)
        if args.verb in ("pause", "resume") and not monitor.profile.supports_pause:
            raise StudioError(
                f"Pause and resume need the Azure API version 2025-04-01-preview or later; this job was "
                f"submitted with {monitor.profile.api_version}. Cancel it, or let it finish."
            )
        record = getattr(monitor, args.verb)(args.job_id)
    if args.json:
        print_json(_job_dict_light(record))
    else:
        print(f"{record.id}: {record.status}")
    return 0


def _job_dict_light(job: jr.JobRecord) -> dict[str, Any]:
    return {"id": job.id, "status": job.status, "fine_tuned_model": job.fine_tuned_model}
