"""`studio-cli pause | resume | cancel PROJECT JOB`: act on a recorded fine-tuning job, as the job view does.

Thin wrappers over `JobMonitor.pause/resume/cancel`, with the profile the job was submitted with, so
the same per-style rules apply as in the app (e.g. the dated Azure API answers a resume with
`resuming`, OpenAI with `queued`). Prints the job's new status.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from studio.core.errors import StudioError
from studio.core.store.project_store import ProjectStore

ACTIONS = {
    "pause": "pause a running fine-tuning job (keeps a checkpoint; resume later)",
    "resume": "resume a paused fine-tuning job",
    "cancel": "cancel a fine-tuning job (cannot be undone)",
}


def register(sub: argparse._SubParsersAction) -> None:
    for verb, help_text in ACTIONS.items():
        p = sub.add_parser(verb, help=help_text)
        p.add_argument("project", type=Path)
        p.add_argument("job_id")
        p.set_defaults(handler=cmd_job_action, verb=verb)


def cmd_job_action(args: argparse.Namespace) -> int:
    from studio.service.credentials import resolve_credentials
    from studio.service.jobs.monitor import JobMonitor
    from studio.service.profile import ServiceProfile

    with ProjectStore.open(args.project) as store:
        job = store.jobs.get_job(args.job_id)
        if job is None or not job.profile:
            raise StudioError(f"Job {args.job_id} is not recorded in this project. List its jobs with 'studio-cli jobs'.")
        profile = ServiceProfile.from_dict(job.profile)
        if args.verb in ("pause", "resume") and not profile.supports_pause:
            raise StudioError(f"{profile.display_name()} does not support pause and resume with this API version; "
                              "use api-version 2025-04-01-preview or later.")
        monitor = JobMonitor(store, profile, resolve_credentials(profile, use_env=True))
        record = getattr(monitor, args.verb)(args.job_id)
    print(f"{record.id}: {record.status}")
    return 0
