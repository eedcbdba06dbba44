"""Fine-tuning job endpoints: create (with each style's parameter checks), retrieve, list, events,
checkpoints, cancel, pause, resume, delete (dated only). The job's progress lives in `training.timeline`.

The request's URL style decides what a request may contain and how every answer looks; the job's
flavor (the style it was created through) decides its ids and model names. Each rule cites its fact
in /work/shared/reference/api-spec-facts.md as `[facts §n]`.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from studio.emulator.http.errors import bad_request, not_found, wrong_state
from studio.emulator.http.request import ApiRequest, ApiResponse, created, ok
from studio.emulator.state.store import EmulatorState
from studio.emulator.http.faults import Faults
from studio.emulator.state.ids import new_job_id
from studio.emulator.training.plan import DEFAULT_INJECTED_SKIP_REASON, plan_job
from studio.emulator.training.timeline import JobSnapshot
from studio.emulator.training.model_names import VISION_BASE_MODELS
from studio.emulator.http.pagination import cursor_page
from studio.emulator.state.records import FileRecord, JobRecord
from studio.emulator.http.url_styles import ApiStyle, require_pause_resume_support

# [facts §1 defined body keys] OAI `CreateFineTuningJobRequest` and AZ1 `OpenAI.CreateFineTuningJobRequest`.
OPENAI_CREATE_FIELDS = frozenset({"model", "training_file", "validation_file", "suffix", "seed", "metadata", "integrations", "hyperparameters", "method"})
CREATE_FIELDS: dict[ApiStyle, frozenset[str]] = {
    ApiStyle.OPENAI: OPENAI_CREATE_FIELDS,
    # [facts §1] AZD `FineTuningJobCreation` defines no `metadata`; `trainingType` is documented (MSDOC-REST) for it only.
    ApiStyle.AZURE_DATED: (OPENAI_CREATE_FIELDS - {"metadata"}) | {"trainingType"},
    # [facts §1] AZ1: the OpenAI set; `trainingType` is not in the v1 schema.
    ApiStyle.AZURE_V1: OPENAI_CREATE_FIELDS,
}
TRAINING_TYPES = {"standard": "standard", "globalstandard": "globalstandard", "developertier": "developerTier"}
# [facts §1 suffix] OAI/AZ1: 1..64 characters; AZD: "up to 40 characters (a-z, A-Z, 0-9, - and _)".
SUFFIX_RE = {
    ApiStyle.OPENAI: re.compile(r"^[A-Za-z0-9._-]{1,64}$"),
    ApiStyle.AZURE_DATED: re.compile(r"^[A-Za-z0-9_-]{1,40}$"),
    ApiStyle.AZURE_V1: re.compile(r"^[A-Za-z0-9._-]{1,64}$"),
}
HYPERPARAMETER_LIMITS = {"n_epochs": (1, 50, int), "batch_size": (1, 256, int), "learning_rate_multiplier": (1e-6, 10.0, float)}
MAX_SEED = 2**31 - 1
ORGANIZATION_ID = "org-emulator"
# [facts §2 status enum] AZD `FineTuningState` has no validating_files/queued: both read `pending`;
# [facts §6] after a resume OAI says `queued` (AZ1 INFER the same), AZD `resuming`.
_STATUS_BY_STYLE: dict[ApiStyle, dict[str, str]] = {
    ApiStyle.OPENAI: {"resuming": "queued"},
    ApiStyle.AZURE_DATED: {"validating_files": "pending", "queued": "pending"},
    ApiStyle.AZURE_V1: {"resuming": "queued"},
}


def style_status(status: str, style: ApiStyle) -> str:
    return _STATUS_BY_STYLE[style].get(status, status)


# --- views -------------------------------------------------------------------------------------

def _hyperparameters_view(job: JobRecord, snap: JobSnapshot, style: ApiStyle) -> dict[str, Any]:
    """Requested values until training starts, the values used afterwards.

    [facts §1 "auto" echo] OAI/AZ1 echo "auto"; AZD echoes -1 for a value left to the service.
    """
    if snap.training_started:
        plan = job.plan
        return {"n_epochs": plan.n_epochs, "batch_size": plan.batch_size, "learning_rate_multiplier": plan.learning_rate_multiplier}
    auto: Any = -1 if style is ApiStyle.AZURE_DATED else "auto"
    return {name: job.requested_hyperparameters.get(name, auto) for name in HYPERPARAMETER_LIMITS}


def job_object(state: EmulatorState, job: JobRecord, now: float, style: ApiStyle) -> dict[str, Any]:
    snap = state.snapshot(job, now)
    hyper = _hyperparameters_view(job, snap, style)
    obj: dict[str, Any] = {
        "id": job.id,
        "object": "fine_tuning.job",
        "created_at": int(job.created_at),
        "model": job.model,
        "fine_tuned_model": snap.fine_tuned_model,
        "status": style_status(snap.status, style),
        "training_file": job.training_file,
        "validation_file": job.validation_file,
        "result_files": [state.results_file_id(job)] if snap.status == "succeeded" else [],
        "trained_tokens": snap.trained_tokens,
        "finished_at": int(snap.finished_at) if snap.finished_at is not None else None,
        "estimated_finish": int(snap.estimated_finish) if snap.estimated_finish is not None else None,
        "seed": job.seed,
        "error": snap.error,
        "hyperparameters": hyper,
        "integrations": job.integrations,
    }
    if style is ApiStyle.AZURE_DATED:
        # [facts §2] AZD `FineTuningJob`: `suffix`, method echo `{"type": "supervised"}` only, no metadata,
        # no user_provided_suffix, no trainingType; examples omit absent values instead of sending null.
        obj["suffix"] = job.suffix
        obj["method"] = {"type": "supervised"}
        return {k: v for k, v in obj.items() if v is not None}
    # [facts §2] OAI fields (organization_id required by the SDK type), method echo with supervised hp;
    # AZ1 adds user_provided_suffix and requires metadata.
    obj["method"] = {"type": "supervised", "supervised": {"hyperparameters": dict(hyper)}}
    obj["organization_id"] = ORGANIZATION_ID
    obj["user_provided_suffix"] = job.suffix
    obj["metadata"] = job.metadata if style is ApiStyle.OPENAI else (job.metadata or {})
    return obj


def _event_object(event: Any, style: ApiStyle) -> dict[str, Any]:
    level = event.level
    if level == "warn" and style is ApiStyle.AZURE_DATED:
        level = "warning"  # [facts §3 level] AZD `LogLevel`: info, warning, error; OAI/AZ1: info, warn, error
    return {
        "object": "fine_tuning.job.event",
        "id": event.id,
        "created_at": int(event.at),
        "level": level,
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


def _check_hyperparameters(raw: object, param: str, style: ApiStyle) -> dict[str, Any]:
    """[facts §1 hyperparameter types] OAI/AZ1: "auto" or a number in range; AZD
    `FineTuningHyperParameters`: int32/double only, "auto" is expressed by leaving the key out
    (-1, the value it echoes for a default, is taken as that default too)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise bad_request(f"'{param}' must be an object.", param=param)
    dated = style is ApiStyle.AZURE_DATED
    result: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in HYPERPARAMETER_LIMITS:
            raise bad_request(f"Unknown hyperparameter '{name}'.", param=f"{param}.{name}")
        low, high, kind = HYPERPARAMETER_LIMITS[name]
        if value == "auto" and not dated:
            result[name] = "auto"
            continue
        if dated and value == -1 and not isinstance(value, bool):
            result[name] = "auto"
            continue
        ok_type = isinstance(value, (int, float)) and not isinstance(value, bool) and (kind is float or float(value).is_integer())
        if not ok_type or not low <= value <= high:
            rule = "a number" if dated else "'auto' or a number"
            hint = " (this API version takes numbers only; leave the key out for the default)" if dated else ""
            raise bad_request(f"'{name}' must be {rule} between {low:g} and {high:g}; got {value!r}{hint}.", param=f"{param}.{name}")
        result[name] = kind(value)
    return result


def _check_method(body: dict[str, Any], style: ApiStyle) -> dict[str, Any]:
    method = body.get("method")
    top = body.get("hyperparameters")
    if method is None:
        return _check_hyperparameters(top, "hyperparameters", style)
    if not isinstance(method, dict):
        raise bad_request("'method' must be an object.", param="method")
    kind = method.get("type")
    if kind != "supervised":
        raise bad_request(
            f"Method '{kind}' is not supported for vision fine-tuning; use type 'supervised'.", param="method.type", code="unsupported_method"
        )
    if style is ApiStyle.AZURE_DATED:
        # [facts §1 method] AZD `SupervisedMethodRequest` defines only `type`: no `supervised` sub-object.
        extra = sorted(set(method) - {"type"})
        if extra:
            raise bad_request(
                f"'method.{extra[0]}' is not defined in this API version: the method takes only 'type'. "
                "Send hyperparameters in the top-level 'hyperparameters' object.",
                param=f"method.{extra[0]}", code="unknown_parameter",
            )
        return _check_hyperparameters(top, "hyperparameters", style)
    supervised = method.get("supervised") or {}
    if not isinstance(supervised, dict):
        raise bad_request("'method.supervised' must be an object.", param="method.supervised")
    if supervised.get("hyperparameters") is None and top is not None:
        return _check_hyperparameters(top, "hyperparameters", style)  # [facts §1] top-level: allowed, deprecated
    return _check_hyperparameters(supervised.get("hyperparameters"), "method.supervised.hyperparameters", style)


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


def _check_unknown_fields(body: dict[str, Any], style: ApiStyle) -> None:
    """Refuse keys the style's job-create schema does not define [facts §1 defined body keys].

    No job-create schema says additionalProperties: false; refusing is OpenAI's field behaviour
    ("Unrecognized request argument supplied") and INFER for the Azure styles — strict on purpose, so
    the studio never relies on a key a service may silently drop.
    """
    allowed = CREATE_FIELDS[style]
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
    style = request.style
    azure = style.is_azure
    now = request.now
    _check_unknown_fields(body, style)
    with state.lock:
        base_model = _base_model(state, body.get("model"), now)
        training = _check_training_file(state, body.get("training_file"), "training_file", now)
        validation = (
            _check_training_file(state, body["validation_file"], "validation_file", now) if body.get("validation_file") else None
        )
        suffix = body.get("suffix")
        if suffix is not None and (not isinstance(suffix, str) or not SUFFIX_RE[style].match(suffix)):
            rule = ("up to 40 characters from letters, digits, '-' and '_'" if style is ApiStyle.AZURE_DATED
                    else "1 to 64 characters from letters, digits, '-', '_' and '.'")
            raise bad_request(f"'suffix' must be {rule}.", param="suffix", code="invalid_suffix")
        hyperparameters = _check_method(body, style)
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
        # [facts §1 success status] AZD: 201 + Location; OAI and AZ1: 200.
        return created(request, job_object(state, job, now, style), f"/fine_tuning/jobs/{job.id}")


# --- read --------------------------------------------------------------------------------------

def _get_job(state: EmulatorState, job_id: str) -> JobRecord:
    job = state.jobs.get(job_id)
    if job is None:
        raise not_found(f"Fine-tuning job {job_id} not found.", param="fine_tuning_job_id", code="fine_tune_not_found")
    return job


def retrieve_job(state: EmulatorState, request: ApiRequest, job_id: str) -> ApiResponse:
    with state.lock:
        return ok(job_object(state, _get_job(state, job_id), request.now, request.style))


def list_jobs(state: EmulatorState, request: ApiRequest) -> ApiResponse:
    wanted = {key[len("metadata["):-1]: values[0] for key, values in request.query.items() if key.startswith("metadata[") and key.endswith("]")}
    if wanted and request.style is ApiStyle.AZURE_DATED:
        # [facts §1] the dated API defines no job metadata, so it cannot filter by it.
        raise bad_request("Filtering jobs by metadata is not supported by this API version.", param="metadata", code="unknown_parameter")
    with state.lock:
        jobs = [j for j in state.jobs_newest_first() if all((j.metadata or {}).get(k) == v for k, v in wanted.items())]
        items = [job_object(state, j, request.now, request.style) for j in jobs]
    return ok(cursor_page(items, request.query, default_limit=20, max_limit=1000))


def list_events(state: EmulatorState, request: ApiRequest, job_id: str) -> ApiResponse:
    """[facts §3 order] AZD lists oldest first, OAI (and AZ1, INFER) newest first; `after=<event id>`
    continues in list order. Shape object/data/has_more, no first_id/last_id on any style."""
    with state.lock:
        snap = state.snapshot(_get_job(state, job_id), request.now)
        events = snap.events if request.style is ApiStyle.AZURE_DATED else list(reversed(snap.events))
        items = [_event_object(e, request.style) for e in events]
    return ok(cursor_page(items, request.query, default_limit=20, max_limit=10_000))


def list_checkpoints(state: EmulatorState, request: ApiRequest, job_id: str) -> ApiResponse:
    """[facts §4] AZD oldest first, shape object/data/has_more; OAI/AZ1 newest first with first_id/last_id."""
    with state.lock:
        job = _get_job(state, job_id)
        snap = state.snapshot(job, request.now)
        dated = request.style is ApiStyle.AZURE_DATED
        checkpoints = snap.checkpoints if dated else list(reversed(snap.checkpoints))
        items = [_checkpoint_object(job, c) for c in checkpoints]
    page = cursor_page(items, request.query, default_limit=10, max_limit=100)
    if not dated:
        page["first_id"] = page["data"][0]["id"] if page["data"] else None
        page["last_id"] = page["data"][-1]["id"] if page["data"] else None
    return ok(page)


# --- actions -----------------------------------------------------------------------------------

def cancel_job(state: EmulatorState, request: ApiRequest, job_id: str) -> ApiResponse:
    with state.lock:
        job = _get_job(state, job_id)
        snap = state.snapshot(job, request.now)
        if snap.terminal:
            raise wrong_state(f"Job {job_id} has already {snap.status} and cannot be cancelled.")
        job.cancelled_at = request.now
        state.save()
        return ok(job_object(state, job, request.now, request.style))


def pause_job(state: EmulatorState, request: ApiRequest, job_id: str) -> ApiResponse:
    require_pause_resume_support(request.url)
    with state.lock:
        job = _get_job(state, job_id)
        snap = state.snapshot(job, request.now)
        status = style_status(snap.status, request.style)
        if snap.status != "running":
            raise wrong_state(f"Job {job_id} is {status}; only a running job can be paused. Wait until it is running.")
        if request.style.is_azure and snap.steps_done < 1:
            # [facts §6 when pause is allowed] MSDOC: only after at least one training step, in Running state.
            raise wrong_state(f"Job {job_id} has not finished its first training step yet; pause it once training has started.")
        job.pauses.append([request.now, None])
        state.save()
        return ok(job_object(state, job, request.now, request.style))  # [facts §6] answers `paused`


def resume_job(state: EmulatorState, request: ApiRequest, job_id: str) -> ApiResponse:
    require_pause_resume_support(request.url)
    with state.lock:
        job = _get_job(state, job_id)
        snap = state.snapshot(job, request.now)
        if snap.status != "paused":
            raise wrong_state(f"Job {job_id} is {style_status(snap.status, request.style)}; only a paused job can be resumed.")
        job.pauses[-1][1] = request.now
        state.save()
        # [facts §6 status after resume] OAI answers `queued`, AZD `resuming` (see style_status).
        return ok(job_object(state, job, request.now, request.style))


def delete_job(state: EmulatorState, request: ApiRequest, job_id: str) -> ApiResponse:
    """[facts §6] dated API only: DELETE /fine_tuning/jobs/{id} -> 204 without a body."""
    with state.lock:
        job = _get_job(state, job_id)
        if not state.snapshot(job, request.now).terminal:
            raise wrong_state(f"Job {job_id} is still active; cancel it before deleting it.")
        del state.jobs[job_id]
        state.forget_snapshot(job_id)
        state.save()
    return ApiResponse(204)
