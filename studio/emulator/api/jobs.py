"""Fine-tuning job endpoints: create (with the service's parameter checks), retrieve, list, events,
checkpoints, cancel, pause, resume. The job's progress itself lives in `job_timeline`.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from studio.emulator.http.errors import bad_request, not_found
from studio.emulator.http.request import ApiRequest, ApiResponse, ok
from studio.emulator.state.store import EmulatorState
from studio.emulator.http.faults import Faults
from studio.emulator.state.ids import new_job_id
from studio.emulator.training.plan import DEFAULT_INJECTED_SKIP_REASON, plan_job
from studio.emulator.training.timeline import JobSnapshot
from studio.emulator.training.model_names import VISION_BASE_MODELS
from studio.emulator.http.pagination import cursor_page
from studio.emulator.state.records import FileRecord, JobRecord
from studio.emulator.http.url_styles import require_pause_resume_support

CREATE_FIELDS = {"model", "training_file", "validation_file", "suffix", "seed", "metadata", "integrations", "hyperparameters", "method"}
AZURE_ONLY_FIELDS = {"trainingType"}
TRAINING_TYPES = {"standard": "standard", "globalstandard": "globalstandard", "developertier": "developerTier"}
SUFFIX_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
HYPERPARAMETER_LIMITS = {"n_epochs": (1, 50, int), "batch_size": (1, 256, int), "learning_rate_multiplier": (1e-6, 10.0, float)}
MAX_SEED = 2**31 - 1
ORGANIZATION_ID = "org-emulator"


# --- views -------------------------------------------------------------------------------------

def _hyperparameters_view(job: JobRecord, snap: JobSnapshot) -> dict[str, Any]:
    """Requested values until training starts ("auto"; Azure says -1), the values used afterwards."""
    if snap.training_started:
        plan = job.plan
        return {"n_epochs": plan.n_epochs, "batch_size": plan.batch_size, "learning_rate_multiplier": plan.learning_rate_multiplier}
    auto: Any = -1 if job.azure else "auto"
    return {name: job.requested_hyperparameters.get(name, auto) for name in HYPERPARAMETER_LIMITS}


def job_object(state: EmulatorState, job: JobRecord, now: float) -> dict[str, Any]:
    snap = state.snapshot(job, now)
    hyper = _hyperparameters_view(job, snap)
    obj: dict[str, Any] = {
        "id": job.id,
        "object": "fine_tuning.job",
        "created_at": int(job.created_at),
        "model": job.model,
        "fine_tuned_model": snap.fine_tuned_model,
        "status": snap.status,
        "training_file": job.training_file,
        "validation_file": job.validation_file,
        "result_files": [state.results_file_id(job)] if snap.status == "succeeded" else [],
        "trained_tokens": snap.trained_tokens,
        "finished_at": int(snap.finished_at) if snap.finished_at is not None else None,
        "estimated_finish": int(snap.estimated_finish) if snap.estimated_finish is not None else None,
        "seed": job.seed,
        "error": snap.error,
        "hyperparameters": hyper,
        "method": {"type": "supervised", "supervised": {"hyperparameters": dict(hyper)}},
        "integrations": job.integrations,
        "metadata": job.metadata,
    }
    if job.azure:
        obj["suffix"] = job.suffix
        if job.training_type is not None:
            obj["trainingType"] = job.training_type
    else:
        obj["organization_id"] = ORGANIZATION_ID
        obj["user_provided_suffix"] = job.suffix
    return obj


def _event_object(event: Any) -> dict[str, Any]:
    return {
        "object": "fine_tuning.job.event",
        "id": event.id,
        "created_at": int(event.at),
        "level": event.level,
        "message": event.message,
        "type": event.type,
        "data": event.data,
    }


def _checkpoint_object(job: JobRecord, checkpoint: Any) -> dict[str, Any]:
    return {
        "object": "fine_tuning.job.checkpoint",
        "id": checkpoint.id,
        "created_at": int(checkpoint.at),
        "fine_tuned_model_checkpoint": checkpoint.model,
        "fine_tuning_job_id": job.id,
        "step_number": checkpoint.step,
        "metrics": dict(checkpoint.metrics),
    }


# --- create ------------------------------------------------------------------------------------

def _check_training_file(state: EmulatorState, file_id: object, param: str, now: float) -> FileRecord:
    if not isinstance(file_id, str) or not file_id:
        raise bad_request(f"Missing required parameter: '{param}'.", param=param)
    record = state.files.get(file_id)
    if record is None:
        raise bad_request(f"File {file_id} does not exist. Upload it first with purpose 'fine-tune'.", param=param, code="invalid_file_id")
    if record.purpose != "fine-tune":
        raise bad_request(
            f"File {file_id} has purpose '{record.purpose}'; fine-tuning needs a file uploaded with purpose 'fine-tune'.",
            param=param, code="invalid_file_purpose",
        )
    if record.status_at(now) not in ("processed", "error"):
        raise bad_request(
            f"File {file_id} is still being processed and is not ready to be used for fine-tuning. Please try again later.",
            param=param, code="file_not_ready",
        )
    return record


def _check_hyperparameters(raw: object, param: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise bad_request(f"'{param}' must be an object.", param=param)
    result: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in HYPERPARAMETER_LIMITS:
            raise bad_request(f"Unknown hyperparameter '{name}'.", param=f"{param}.{name}")
        low, high, kind = HYPERPARAMETER_LIMITS[name]
        if value == "auto" or value == -1:
            result[name] = "auto"
            continue
        ok_type = isinstance(value, (int, float)) and not isinstance(value, bool) and (kind is float or float(value).is_integer())
        if not ok_type or not low <= value <= high:
            raise bad_request(f"'{name}' must be 'auto' or a number between {low:g} and {high:g}; got {value!r}.", param=f"{param}.{name}")
        result[name] = kind(value)
    return result


def _check_method(body: dict[str, Any]) -> dict[str, Any]:
    method = body.get("method")
    if method is None:
        return _check_hyperparameters(body.get("hyperparameters"), "hyperparameters")
    if not isinstance(method, dict):
        raise bad_request("'method' must be an object.", param="method")
    kind = method.get("type")
    if kind != "supervised":
        raise bad_request(
            f"Method '{kind}' is not supported for vision fine-tuning; use type 'supervised'.", param="method.type", code="unsupported_method"
        )
    supervised = method.get("supervised") or {}
    if not isinstance(supervised, dict):
        raise bad_request("'method.supervised' must be an object.", param="method.supervised")
    return _check_hyperparameters(supervised.get("hyperparameters"), "method.supervised.hyperparameters")


def _check_metadata(metadata: object) -> dict[str, str] | None:
    if metadata is None:
        return None
    if not isinstance(metadata, dict) or len(metadata) > 16:
        raise bad_request("'metadata' must be an object with at most 16 key-value pairs.", param="metadata")
    for key, value in metadata.items():
        if not isinstance(value, str) or len(key) > 64 or len(value) > 512:
            raise bad_request("metadata keys must be at most 64 characters and values strings of at most 512.", param="metadata")
    return dict(metadata)


def _base_model(state: EmulatorState, model: object, now: float) -> str:
    if isinstance(model, str) and model in VISION_BASE_MODELS:
        return model
    produced = state.fine_tuned_models(now) if isinstance(model, str) else {}
    if isinstance(model, str) and model in produced:
        return produced[model].base_model
    if not model:
        raise bad_request("Missing required parameter: 'model'.", param="model")
    raise bad_request(
        f"Model {model} is not available for fine-tuning or does not exist. Vision fine-tuning supports "
        f"{' and '.join(VISION_BASE_MODELS)}, or a model you fine-tuned from them.",
        param="model", code="model_not_available",
    )


def _check_unknown_fields(body: dict[str, Any], azure: bool) -> None:
    allowed = CREATE_FIELDS | (AZURE_ONLY_FIELDS if azure else set())
    for name in body:
        if name not in allowed:
            raise bad_request(f"Unrecognized request argument supplied: {name}", param=name, code="unknown_parameter")


def _training_type(body: dict[str, Any]) -> str | None:
    value = body.get("trainingType")
    if value is None:
        return None
    if not isinstance(value, str) or value.lower() not in TRAINING_TYPES:
        raise bad_request(
            f"Invalid trainingType {value!r}. Use 'standard', 'globalstandard' or 'developerTier'.", param="trainingType"
        )
    return value


def _seed(body: dict[str, Any], job_id: str) -> int:
    seed = body.get("seed")
    if seed is None:
        return int(hashlib.sha256(job_id.encode()).hexdigest()[:8], 16) % MAX_SEED
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        raise bad_request(f"'seed' must be an integer between 0 and {MAX_SEED}.", param="seed")
    return seed


def create_job(state: EmulatorState, request: ApiRequest, faults: Faults) -> ApiResponse:
    body = request.json()
    azure = request.url.style.is_azure
    now = request.now
    _check_unknown_fields(body, azure)
    with state.lock:
        base_model = _base_model(state, body.get("model"), now)
        training = _check_training_file(state, body.get("training_file"), "training_file", now)
        validation = (
            _check_training_file(state, body["validation_file"], "validation_file", now) if body.get("validation_file") else None
        )
        suffix = body.get("suffix")
        if suffix is not None and (not isinstance(suffix, str) or not SUFFIX_RE.match(suffix)):
            raise bad_request(
                "'suffix' must be 1 to 64 characters from letters, digits, '-', '_' and '.'.", param="suffix", code="invalid_suffix"
            )
        hyperparameters = _check_method(body)
        metadata = _check_metadata(body.get("metadata"))
        training_type = _training_type(body)
        job_id = new_job_id(azure)
        seed = _seed(body, job_id)

        injected_failure, injected_skips = None, []
        for fault in faults.take_job_faults():
            if fault.kind == "skip_images":
                injected_skips.append((int(fault.options.get("count", 1)), fault.options.get("reason", DEFAULT_INJECTED_SKIP_REASON)))
            else:
                injected_failure = dict(fault.options)
        plan = plan_job(training, validation, hyperparameters, injected_skips)
        if injected_failure is not None:
            injected_failure["at_step"] = max(1, int(injected_failure.get("at_step") or (plan.total_steps // 2 + 1)))

        job = JobRecord(
            id=job_id, flavor=request.flavor, created_at=now, model=str(body["model"]), base_model=base_model,
            training_file=training.id, validation_file=validation.id if validation else None, suffix=suffix, seed=seed,
            requested_hyperparameters=hyperparameters, metadata=metadata, integrations=body.get("integrations"),
            training_type=training_type, timing=state.timing, plan=plan, injected_failure=injected_failure,
        )
        state.jobs[job.id] = job
        state.jobs_created += 1
        state.save()
        return ok(job_object(state, job, now))


# --- read --------------------------------------------------------------------------------------

def _get_job(state: EmulatorState, job_id: str) -> JobRecord:
    job = state.jobs.get(job_id)
    if job is None:
        raise not_found(f"Fine-tuning job {job_id} not found.", param="fine_tuning_job_id", code="fine_tune_not_found")
    return job


def retrieve_job(state: EmulatorState, request: ApiRequest, job_id: str) -> ApiResponse:
    with state.lock:
        return ok(job_object(state, _get_job(state, job_id), request.now))


def list_jobs(state: EmulatorState, request: ApiRequest) -> ApiResponse:
    wanted = {key[len("metadata["):-1]: values[0] for key, values in request.query.items() if key.startswith("metadata[") and key.endswith("]")}
    with state.lock:
        jobs = [j for j in state.jobs_newest_first() if all((j.metadata or {}).get(k) == v for k, v in wanted.items())]
        items = [job_object(state, j, request.now) for j in jobs]
    return ok(cursor_page(items, request.query, default_limit=20, max_limit=1000))


def list_events(state: EmulatorState, request: ApiRequest, job_id: str) -> ApiResponse:
    """Newest first; `after=<event id>` continues toward older events."""
    with state.lock:
        snap = state.snapshot(_get_job(state, job_id), request.now)
        items = [_event_object(e) for e in reversed(snap.events)]
    return ok(cursor_page(items, request.query, default_limit=20, max_limit=10_000))


def list_checkpoints(state: EmulatorState, request: ApiRequest, job_id: str) -> ApiResponse:
    with state.lock:
        job = _get_job(state, job_id)
        snap = state.snapshot(job, request.now)
        items = [_checkpoint_object(job, c) for c in reversed(snap.checkpoints)]
    return ok(cursor_page(items, request.query, default_limit=10, max_limit=100))


# --- actions -----------------------------------------------------------------------------------

def cancel_job(state: EmulatorState, request: ApiRequest, job_id: str) -> ApiResponse:
    with state.lock:
        job = _get_job(state, job_id)
        snap = state.snapshot(job, request.now)
        if snap.terminal:
            raise bad_request(f"Job {job_id} has already {snap.status} and cannot be cancelled.", code="invalid_job_state")
        job.cancelled_at = request.now
        state.save()
        return ok(job_object(state, job, request.now))


def pause_job(state: EmulatorState, request: ApiRequest, job_id: str) -> ApiResponse:
    require_pause_resume_support(request.url)
    with state.lock:
        job = _get_job(state, job_id)
        status = state.snapshot(job, request.now).status
        if status != "running":
            raise bad_request(f"Job {job_id} is {status}; only a running job can be paused.", code="invalid_job_state")
        job.pauses.append([request.now, None])
        state.save()
        return ok(job_object(state, job, request.now))


def resume_job(state: EmulatorState, request: ApiRequest, job_id: str) -> ApiResponse:
    require_pause_resume_support(request.url)
    with state.lock:
        job = _get_job(state, job_id)
        status = state.snapshot(job, request.now).status
        if status != "paused":
            raise bad_request(f"Job {job_id} is {status}; only a paused job can be resumed.", code="invalid_job_state")
        job.pauses[-1][1] = request.now
        state.save()
        return ok(job_object(state, job, request.now))
