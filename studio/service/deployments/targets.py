"""What a chat call may name as `model=`: the one list behind Try it's picker and the Evaluate
dialog's, so both offer the same things under the same names.

Azure (and the demo): a model answers only through a deployment, so the targets are the resource's
ready deployments (state Succeeded), each with the job/checkpoint it serves when this project made
it. OpenAI: no deployments; the targets are this project's fine-tuned models and checkpoints, plus
the base models, called by id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from studio.service.profile import BASE_MODELS, ServiceProfile

KINDS = ("deployment", "fine_tuned", "checkpoint", "base")


@dataclass(frozen=True, slots=True)
class CallTarget:
    label: str  # what a picker shows
    model: str  # exactly what goes into chat.completions.create(model=...)
    kind: str  # one of KINDS
    deployment: str | None = None
    served_model: str | None = None  # the model id behind a deployment
    job_id: str | None = None
    checkpoint_step: int | None = None


def direct_targets(store: Any | None) -> list[CallTarget]:
    """OpenAI: the project's succeeded jobs' models and their checkpoints (newest first), then base models.

    `store`: anything with `.jobs` (a JobRepository): a ProjectStore, or the UI's labeling session."""
    out: list[CallTarget] = []
    if store is not None:
        jobs = [j for j in store.jobs.list_jobs() if j.status == "succeeded" and j.fine_tuned_model]
        for job in sorted(jobs, key=lambda j: j.created_at or 0, reverse=True):
            model = job.fine_tuned_model or ""
            out.append(CallTarget(f"{model} (job {job.id})", model, "fine_tuned", served_model=model, job_id=job.id))
            for ckpt in sorted(store.jobs.checkpoints(job.id), key=lambda c: c.step_number or 0, reverse=True):
                if ckpt.model_id and ckpt.model_id != model:
                    out.append(CallTarget(f"{ckpt.model_id} (checkpoint, step {ckpt.step_number})", ckpt.model_id,
                                          "checkpoint", served_model=ckpt.model_id, job_id=job.id,
                                          checkpoint_step=ckpt.step_number))
    out.extend(CallTarget(f"{m} (base model)", m, "base", served_model=m) for m in BASE_MODELS)
    return out


def call_targets(profile: ServiceProfile, store: Any | None = None, *, manager: Any = None) -> list[CallTarget]:
    """The targets for `profile` (network for Azure/demo: lists the deployments)."""
    from studio.service.deployments.management import supports_deployments

    if not supports_deployments(profile):
        return direct_targets(store)
    if manager is None:
        from studio.service.deployments.manager import open_manager

        manager = open_manager(profile, store)
    out = []
    for info in manager.list():
        if not info.ready:
            continue
        what = f"checkpoint step {info.checkpoint_step}" if info.checkpoint_step else (
            f"job {info.job_id}" if info.job_id else info.model)
        kind = info.deployment_type.label if info.deployment_type else info.sku
        out.append(CallTarget(f"{info.name} — {what} ({kind})", info.name, "deployment", deployment=info.name,
                              served_model=info.model, job_id=info.job_id, checkpoint_step=info.checkpoint_step))
    return out


def model_source(store: Any | None, model: str) -> tuple[str | None, int | None]:
    """(job id, checkpoint step) of a fine-tuned model or checkpoint this project trained, else (None, None)."""
    if store is None:
        return None, None
    for job in store.jobs.list_jobs():
        if job.fine_tuned_model == model:
            return job.id, None
        for ckpt in store.jobs.checkpoints(job.id):
            if ckpt.model_id == model:
                return job.id, ckpt.step_number
    return None, None


def resolve_model(store: Any | None, text: str) -> str:
    """A model id as given, or a job id of this project turned into its fine-tuned model."""
    from studio.core.errors import StudioError

    text = text.strip()
    if store is not None and text.startswith("ftjob-"):
        job = store.jobs.get_job(text)
        if job is None:
            raise StudioError(f"There is no job {text} in this project (see 'studio-cli jobs').")
        if job.status != "succeeded" or not job.fine_tuned_model:
            raise StudioError(f"Job {text} has not succeeded (status: {job.status}); only a finished job's model can be deployed.")
        return job.fine_tuned_model
    return text
