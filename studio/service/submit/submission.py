"""From a labeled project to a created fine-tuning job, safely repeatable.

The steps: export the dataset into the project's data folder -> check it locally -> upload the
training and validation files -> wait until the service has processed them -> create the job.

Each step's result (export folder, file ids, job id) is written to the project's `submissions` row
*before* the next step starts. Retrying a submission (after a crash, a lost connection or a cancel)
reads that row and resumes after the last recorded step, so a file is never uploaded twice and a job
never created twice. Two gaps a row cannot close are closed on the service side instead: uploads
carry a file name unique to the submission (found again if the upload's response was lost), and the
job carries `metadata={"studio_submission": <token>}` (found again if the create response was lost).
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any, Callable

import openai

from studio.core.errors import DatasetError, StudioError
from studio.core.export import ExportOptions, export_project, validate_jsonl
from studio.core.tasks import CancelToken, Cancelled, ProgressCallable, no_progress
from studio.service.credentials import Credentials
from studio.service.submit.file_upload import FileRejected, upload_file, wait_until_processed
from studio.service.jobs.sync import record_job
from studio.service.clients import make_client
from studio.service.profile import ServiceProfile
from studio.service.retry import DEFAULT_POLICY, RetryPolicy, call_with_retry, create_once
from studio.service.errors import service_error
from studio.service.submit.params import SubmitParams

METADATA_KEY = "studio_submission"
TRAIN_NAME, VALIDATION_NAME = "train.jsonl", "validation.jsonl"
WarnFn = Callable[[str], None]


def exports_folder(store: Any) -> Path:
    """`<project>.exports/` next to the project file: the data folder that holds submitted datasets."""
    path = Path(store.path)
    return path.with_name(path.stem + ".exports")


def start_submission(store: Any, profile: ServiceProfile, params: SubmitParams) -> int:
    """Record a new submission (nothing sent yet) and return its id; `submit` with it runs the steps."""
    params.validate(profile.is_azure)
    body = params.to_dict() | {"submission_token": uuid.uuid4().hex}
    return store.jobs.create_submission(profile.to_dict(), body)


def submit(
    store: Any,
    profile: ServiceProfile,
    credentials: Credentials,
    params: SubmitParams | None = None,
    progress: ProgressCallable = no_progress,
    cancel: CancelToken | None = None,
    *,
    submission_id: int | None = None,
    warn: WarnFn | None = None,
    policy: RetryPolicy = DEFAULT_POLICY,
    poll_interval: float = 2.0,
    client: openai.OpenAI | None = None,
) -> str:
    """Run (or resume, with `submission_id`) a submission; returns the fine-tuning job id.

    On a resumed submission the recorded parameters are used and `params` is ignored.
    Raises `StudioError` (with what to do) or `Cancelled`; either way the submission row records how
    far it got, and calling `submit(..., submission_id=...)` again carries on from there.
    """
    if submission_id is None:
        if params is None:
            raise ValueError("params are required for a new submission")
        submission_id = start_submission(store, profile, params)
    sub = store.jobs.get_submission(submission_id)
    if sub is None:
        raise StudioError(f"Submission {submission_id} is not in this project.")
    if sub.job_id:
        return sub.job_id
    params = SubmitParams.from_dict(sub.params)
    token = sub.params.get("submission_token") or uuid.uuid4().hex
    step = "prepare the submission"
    try:
        client = client or make_client(profile, credentials)
        step = "export the dataset"
        export_dir = _ensure_export(store, sub, params, progress, cancel, warn)
        step = "upload the dataset"
        train_id, valid_id = _ensure_uploads(client, store, sub.id, export_dir, token, params, policy, progress, cancel)
        step = "wait for the service to process the dataset"
        _ensure_processed(client, store, sub.id, export_dir, train_id, valid_id, policy, poll_interval, progress, cancel)
        step = "create the fine-tuning job"
        job = _ensure_job(client, store, sub.id, profile, params, token, train_id, valid_id, policy, progress, cancel)
    except Cancelled:
        store.jobs.update_submission(submission_id, state="cancelled", error="Cancelled by the user.")
        raise
    except StudioError as error:
        store.jobs.update_submission(submission_id, state="failed", error=str(error))
        raise
    except Exception as error:  # noqa: BLE001 - SDK and network errors become a message for the user
        wrapped = service_error(error, profile, step, credentials)
        store.jobs.update_submission(submission_id, state="failed", error=str(wrapped))
        raise wrapped from None
    return job


def retry_submission(store: Any, submission_id: int, credentials: Credentials, **kwargs: Any) -> str:
    """Resume a recorded submission with the profile it was started with."""
    sub = store.jobs.get_submission(submission_id)
    if sub is None:
        raise StudioError(f"Submission {submission_id} is not in this project.")
    return submit(store, ServiceProfile.from_dict(sub.profile), credentials, submission_id=submission_id, **kwargs)


# -- steps ------------------------------------------------------------------------------------------


def _ensure_export(store, sub, params: SubmitParams, progress, cancel, warn) -> Path:
    if sub.export_dir and (Path(sub.export_dir) / TRAIN_NAME).is_file():
        return Path(sub.export_dir)
    if sub.training_file_id:
        # Uploaded already but the folder is gone: the manifest (skip mapping) is lost, the job is not.
        return Path(sub.export_dir or exports_folder(store))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    round_ = int(sub.params.get("upload_round", 0))
    out_dir = exports_folder(store) / (f"{stamp}-submission-{sub.id}" + (f"-r{round_}" if round_ else ""))
    progress(0, None, "Exporting the dataset")
    report = export_project(store, out_dir, ExportOptions(**params.export), progress, cancel)
    for message in report.warnings:
        _warn(warn, progress, message)
    _precheck(out_dir, warn, progress)
    store.jobs.update_submission(sub.id, state="exported", export_dir=str(out_dir), error=None)
    return out_dir


def _precheck(out_dir: Path, warn, progress) -> None:
    """Validate the written JSONL the way the service will, before spending an upload on it.

    Not `deep`: the writer encoded every image itself moments ago; header-level checks catch what
    could still be wrong without decoding every pixel a second time.
    """
    for name, training in ((TRAIN_NAME, True), (VALIDATION_NAME, False)):
        path = out_dir / name
        if not path.is_file():
            if training:
                raise DatasetError("The export wrote no training file. Label more images and try again.")
            continue
        result = validate_jsonl(path, training=training, deep=False)
        if not result.ok:
            shown = "; ".join(str(e) for e in result.errors[:3])
            raise DatasetError(
                f"{name} would be rejected by the service ({shown}). Fix these images or labels and submit again."
            )
        for problem in result.warnings[:5]:
            _warn(warn, progress, f"{name}: {problem}")


def _warn(warn: WarnFn | None, progress: ProgressCallable, message: str) -> None:
    if warn is not None:
        warn(message)
    else:
        progress(0, None, f"Warning: {message}")


def _ensure_uploads(client, store, sid, export_dir: Path, token, params, policy, progress, cancel) -> tuple[str, str | None]:
    sub = store.jobs.get_submission(sid)
    round_ = int(sub.params.get("upload_round", 0))
    stem = f"studio-{token}" + (f"-r{round_}" if round_ else "")
    train_id = sub.training_file_id
    if not train_id:
        train_id = upload_file(
            client, export_dir / TRAIN_NAME, f"{stem}-{TRAIN_NAME}",
            chunk_threshold=params.chunk_threshold, part_size=params.part_size,
            policy=policy, progress=progress, cancel=cancel,
        )
        store.jobs.update_submission(sid, training_file_id=train_id)
    valid_id = sub.validation_file_id
    valid_path = export_dir / VALIDATION_NAME
    if not valid_id and valid_path.is_file() and valid_path.stat().st_size > 0:
        valid_id = upload_file(
            client, valid_path, f"{stem}-{VALIDATION_NAME}",
            chunk_threshold=params.chunk_threshold, part_size=params.part_size,
            policy=policy, progress=progress, cancel=cancel,
        )
        store.jobs.update_submission(sid, validation_file_id=valid_id)
    store.jobs.update_submission(sid, state="uploaded")
    return train_id, valid_id


def _ensure_processed(client, store, sid, export_dir, train_id, valid_id, policy, poll_interval, progress, cancel) -> None:
    if store.jobs.get_submission(sid).state == "processed":
        return
    for file_id, name in ((train_id, TRAIN_NAME), (valid_id, VALIDATION_NAME)):
        if file_id:
            try:
                wait_until_processed(client, file_id, name, poll_interval=poll_interval, policy=policy,
                                     progress=progress, cancel=cancel)
            except FileRejected:
                # Retrying with the same files cannot succeed: start over from a fresh export, uploaded
                # under new names (the next round) so the rejected files are never taken for ours.
                recorded = store.jobs.get_submission(sid).params
                store.jobs.update_submission(sid, export_dir=None, training_file_id=None, validation_file_id=None,
                                     params=recorded | {"upload_round": int(recorded.get("upload_round", 0)) + 1})
                raise
    store.jobs.update_submission(sid, state="processed")


def find_job_for_submission(client, token: str, training_file_id: str | None, *,
                            policy: RetryPolicy = DEFAULT_POLICY, cancel: CancelToken | None = None,
                            max_jobs: int = 200):
    """A job on the service created by this submission (by metadata token, else by training file)."""
    after = None
    seen = 0
    while seen < max_jobs:
        kwargs = {"limit": 100} | ({"after": after} if after else {})
        page = call_with_retry(lambda: client.fine_tuning.jobs.list(**kwargs), policy=policy, cancel=cancel)
        for job in page.data:
            seen += 1
            metadata = getattr(job, "metadata", None) or {}
            if metadata.get(METADATA_KEY) == token or (training_file_id and job.training_file == training_file_id):
                return job
        if not page.data or not page.has_more:
            return None
        after = page.data[-1].id
    return None


def _ensure_job(client, store, sid, profile: ServiceProfile, params: SubmitParams, token, train_id, valid_id,
                policy, progress, cancel) -> str:
    progress(0, None, "Creating the fine-tuning job")
    job = find_job_for_submission(client, token, train_id, policy=policy, cancel=cancel)
    if job is None:
        if cancel is not None:
            cancel.raise_if_cancelled()
        body: dict[str, Any] = {
            "model": params.model,
            "training_file": train_id,
            "method": {"type": "supervised", "supervised": {"hyperparameters": params.hyperparameters()}},
            "metadata": {METADATA_KEY: token},
        }
        if valid_id:
            body["validation_file"] = valid_id
        if params.suffix:
            body["suffix"] = params.suffix
        if params.seed is not None:
            body["seed"] = params.seed
        training_type = params.azure_training_type() if profile.is_azure else None
        if training_type:
            body["extra_body"] = {"trainingType": training_type}
        job = create_once(
            lambda: client.fine_tuning.jobs.create(**body),
            lambda: find_job_for_submission(client, token, train_id, policy=policy, cancel=cancel),
            policy=policy, cancel=cancel,
        )
    store.jobs.update_submission(sid, state="created", job_id=job.id, error=None)
    record_job(store, job, profile, submission_id=sid)
    progress(1, 1, f"Created fine-tuning job {job.id}")
    return job.id
