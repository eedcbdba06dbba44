"""Copy what the SDK returns about a job into the project's job records.

The only place that knows both the SDK's object shapes and the records' columns, so the monitor,
the submission and the re-attach code all store a job the same way. Fields the SDK does not model
(Azure's `pending`/`paused` statuses, `trainingType`) are read leniently from the raw object.
"""

from __future__ import annotations

from typing import Any

from studio.core.store import job_records as jr
from studio.service.profile import ServiceProfile
from studio.service.jobs.training_metrics import metric_point
from studio.service.styles import event_level


def _plain(obj: Any) -> dict:
    if obj is None:
        return {}
    if isinstance(obj, dict):
        return obj
    dump = getattr(obj, "model_dump", None)
    return dump(mode="json", exclude_none=False) if dump else dict(obj)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def record_job(store: Any, job: Any, profile: ServiceProfile | None = None, submission_id: int | None = None) -> jr.JobRecord:
    raw = _plain(job)
    error = raw.get("error") or None
    if error and not any(error.get(k) for k in ("message", "code")):
        error = None
    store.jobs.upsert_job(
        raw["id"],
        status=str(raw.get("status") or "unknown"),
        profile=profile.to_dict() if profile is not None else None,
        submission_id=submission_id,
        base_model=raw.get("model"),
        created_at=_float(raw.get("created_at")),
        finished_at=_float(raw.get("finished_at")),
        fine_tuned_model=raw.get("fine_tuned_model"),
        trained_tokens=raw.get("trained_tokens"),
        training_file_id=raw.get("training_file"),
        validation_file_id=raw.get("validation_file"),
        result_files=raw.get("result_files") or [],
        error=error,
        estimated_finish=_float(raw.get("estimated_finish")),
        raw=raw,
    )
    return store.jobs.get_job(raw["id"])


def event_record(job_id: str, event: Any) -> jr.JobEvent:
    raw = _plain(event)
    return jr.JobEvent(
        id=str(raw["id"]),
        job_id=job_id,
        created_at=float(raw.get("created_at") or 0),
        level=event_level(raw.get("level")),  # AZD `warning` is stored as `warn` [facts §3]
        type=raw.get("type"),
        message=str(raw.get("message") or ""),
        data=raw.get("data") if isinstance(raw.get("data"), dict) else None,
    )


def event_metric(event: jr.JobEvent) -> jr.MetricPoint | None:
    if event.type not in (None, "metrics"):
        return None
    return metric_point(event.data)


def checkpoint_record(job_id: str, checkpoint: Any) -> jr.CheckpointRecord:
    raw = _plain(checkpoint)
    return jr.CheckpointRecord(
        id=str(raw["id"]),
        job_id=job_id,
        created_at=_float(raw.get("created_at")),
        step_number=raw.get("step_number"),
        model_id=raw.get("fine_tuned_model_checkpoint"),
        metrics=metrics if isinstance(metrics := raw.get("metrics"), dict) else {},
    )
