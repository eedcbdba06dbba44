"""A job's state at any moment, derived from its record and the clock.

Nothing advances in the background: every request recomputes the job's past from its creation time,
its plan and the client's actions (pause/resume/cancel, each stored with its time). Derived objects
get ids hashed from the job id and a stable key, so the same event always has the same id, also after
the emulator restarts.

Phases (durations from the job's `Timing`), as canonical statuses; `api.jobs` names them per style:
  validating_files -> [fails here if validation failed] -> queued -> running
  (one metrics event per step; a checkpoint per epoch and at each pause) -> succeeded
Pauses stop the training clock; after a resume the job waits one step's time in `resuming` before
training continues ([facts §6] OAI answers a resume with `queued`, AZD with `resuming`).
Cancel ends everything at its time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from studio.emulator.state.ids import derived_id
from studio.emulator.training.model_names import checkpoint_model_name, fine_tuned_model_name
from studio.emulator.state.records import JobRecord
from studio.emulator.training.metrics import step_metrics

TERMINAL_STATUSES = ("succeeded", "failed", "cancelled")
INJECTED_FAILURE_CODE = "internal_error"
INJECTED_FAILURE_MESSAGE = (
    "Fine-tuning job failed due to an internal error (injected by the emulator). Retry the job; "
    "if it keeps failing, contact support."
)


@dataclass
class TimelineEvent:
    id: str
    at: float
    level: str
    message: str
    type: str = "message"
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Checkpoint:
    id: str
    at: float
    step: int
    model: str
    metrics: dict[str, float]


@dataclass
class JobSnapshot:
    status: str
    events: list[TimelineEvent]  # oldest first
    checkpoints: list[Checkpoint]  # oldest first
    training_started: bool
    finished_at: float | None
    estimated_finish: float | None
    error: dict[str, Any] | None
    fine_tuned_model: str | None
    trained_tokens: int | None
    steps_done: int

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES


class _Builder:
    def __init__(self, job: JobRecord) -> None:
        self.job = job
        self.events: list[TimelineEvent] = []
        self.checkpoints: list[Checkpoint] = []

    def event(self, key: str, at: float, message: str, level: str = "info", type: str = "message", data: dict[str, Any] | None = None) -> None:
        self.events.append(TimelineEvent(derived_id("ftevent-", self.job.id, key), at, level, message, type, data or {}))

    def checkpoint(self, step: int, at: float) -> None:
        job, plan = self.job, self.job.plan
        prefix = "ftchkpt-" if job.azure else "ftckpt_"
        metrics = step_metrics(job.seed, step, plan.total_steps, plan.steps_per_epoch, plan.has_validation)
        model = checkpoint_model_name(job.azure, job.base_model, job.suffix, job.id, step)
        self.checkpoints.append(Checkpoint(derived_id(prefix, job.id, f"ckpt-{step}"), at, step, model, metrics))
        self.event(f"ckpt-{step}", at, f"Checkpoint created at step {step}")


def resume_delay(job: JobRecord) -> float:
    """How long a resumed job waits (`queued` / `resuming`) before training continues."""
    return job.timing.step_seconds


def _wall_time_of_training(job: JobRecord, run_start: float, training_seconds: float) -> float:
    """When the training clock reaches `training_seconds`, given the pauses; inf while paused for good."""
    at = run_start + training_seconds
    for start, end in job.pauses:
        assert start is not None
        if start < at:
            if end is None:
                return math.inf
            at += end + resume_delay(job) - start
    return at


def derive(job: JobRecord, now: float) -> JobSnapshot:
    plan, timing, azure = job.plan, job.timing, job.azure
    b = _Builder(job)
    created = job.created_at
    validation_end = created + timing.validation_seconds
    run_start = validation_end + timing.queue_seconds

    b.event("created", created, f"Created fine-tuning job: {job.id}")
    files = f"training file: {job.training_file}" + (f", validation file: {job.validation_file}" if job.validation_file else "")
    b.event("validating", created, f"Validating {files}")

    end_at: float
    end_status: str
    error: dict[str, Any] | None = None
    if plan.failure is not None:
        failure = plan.failure
        b.event("failed", validation_end, failure["message"], level="error",
                data={"error_code": failure["code"], "error_param": failure["param"]})
        end_at, end_status, error = validation_end, "failed", dict(failure)
    else:
        for index, warning in enumerate(plan.warnings):
            b.event(f"warning-{index}", validation_end, warning, level="warn")
        b.event("validated", validation_end,
                "Job enqueued. Waiting for jobs ahead to complete." if azure else "Files validated, moving job to queued state")
        b.event("started", run_start, "Job started." if azure else "Fine-tuning job started")
        for index, (start, end) in enumerate(job.pauses):
            assert start is not None
            b.event(f"pause-{index}", start, "Job paused." if azure else "Fine-tuning job paused")
            if end is not None:
                b.event(f"resume-{index}", end, "Job resumed." if azure else "Fine-tuning job resumed")

        fail_step = job.injected_failure["at_step"] if job.injected_failure else None
        last_step = plan.total_steps if fail_step is None else min(plan.total_steps, fail_step - 1)
        for step in range(1, last_step + 1):
            at = _wall_time_of_training(job, run_start, step * timing.step_seconds)
            if at == math.inf:
                break
            metrics = step_metrics(job.seed, step, plan.total_steps, plan.steps_per_epoch, plan.has_validation)
            message = f"Step {step}/{plan.total_steps}: training loss={metrics['train_loss']:.4f}"
            if "valid_loss" in metrics:
                message += f", validation loss={metrics['valid_loss']:.4f}"
            b.event(f"step-{step}", at, message, type="metrics", data={**metrics, "total_steps": plan.total_steps})
            if step % plan.steps_per_epoch == 0:
                b.checkpoint(step, at)
        for start, _ in job.pauses:
            assert start is not None
            done = _steps_done_at(job, run_start, start)
            if done > 0 and done % plan.steps_per_epoch != 0 and not any(c.step == done for c in b.checkpoints):
                b.checkpoint(done, start)

        if fail_step is not None:
            end_at = _wall_time_of_training(job, run_start, min(fail_step, plan.total_steps) * timing.step_seconds)
            end_status = "failed"
            assert job.injected_failure is not None
            error = {"code": job.injected_failure.get("code") or INJECTED_FAILURE_CODE,
                     "message": job.injected_failure.get("message") or INJECTED_FAILURE_MESSAGE, "param": None}
            b.event("failed", end_at, error["message"], level="error", data={"error_code": error["code"], "error_param": None})
        else:
            end_at = _wall_time_of_training(job, run_start, plan.total_steps * timing.step_seconds)
            end_status = "succeeded"
            model = fine_tuned_model_name(azure, job.base_model, job.suffix, job.id)
            b.event("model", end_at, f"New fine-tuned model created: {model}")
            b.event("succeeded", end_at, "Job succeeded." if azure else "The job has successfully completed")

    cutoff = now if job.cancelled_at is None else min(now, job.cancelled_at)
    cancelled = job.cancelled_at is not None and job.cancelled_at <= now
    order = {id(e): i for i, e in enumerate(b.events)}
    events = sorted((e for e in b.events if e.at <= cutoff), key=lambda e: (e.at, order[id(e)]))
    if cancelled:
        assert job.cancelled_at is not None
        b.event("cancelled", job.cancelled_at, "Job cancelled." if azure else "Fine-tuning job cancelled")
        events.append(b.events[-1])
    checkpoints = sorted((c for c in b.checkpoints if c.at <= cutoff), key=lambda c: (c.at, c.step))

    steps_done = _steps_done_at(job, run_start, cutoff) if plan.failure is None else 0
    if job.injected_failure:
        steps_done = min(steps_done, job.injected_failure["at_step"] - 1)

    if cancelled:
        status = "cancelled"
    elif now >= end_at:
        status = end_status
    elif now < validation_end:
        status = "validating_files"
    elif now < run_start:
        status = "queued"
    elif job.pauses and job.pauses[-1][1] is None:
        status = "paused"
    elif job.pauses and job.pauses[-1][1] is not None and now < job.pauses[-1][1] + resume_delay(job):
        status = "resuming"
    else:
        status = "running"

    succeeded = status == "succeeded"
    return JobSnapshot(
        status=status,
        events=events,
        checkpoints=checkpoints,
        training_started=plan.failure is None and cutoff >= run_start,
        finished_at=(job.cancelled_at if cancelled else end_at) if status in TERMINAL_STATUSES else None,
        estimated_finish=end_at if status == "running" and end_at != math.inf else None,
        error=error if status == "failed" else None,
        fine_tuned_model=fine_tuned_model_name(azure, job.base_model, job.suffix, job.id) if succeeded else None,
        trained_tokens=plan.trained_tokens if succeeded else None,
        steps_done=steps_done,
    )


def _steps_done_at(job: JobRecord, run_start: float, at: float) -> int:
    """Completed training steps at wall time `at` (binary search over the monotonic step times)."""
    step_seconds = job.timing.step_seconds
    low, high = 0, job.plan.total_steps
    while low < high:
        mid = (low + high + 1) // 2
        if _wall_time_of_training(job, run_start, mid * step_seconds) <= at:
            low = mid
        else:
            high = mid - 1
    return low
