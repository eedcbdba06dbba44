"""From a labeled project to a created fine-tuning job, safely repeatable.

The steps: export the dataset into the project's data folder -> check it locally -> upload the
training and validation files -> wait until the service has processed them -> create the job.

Each step's result (export folder, file ids, job id) is written to the project's `submissions` row
*before* the next step starts. Retrying a submission (after a crash, a lost connection or a cancel)
reads that row and resumes after the last recorded step, so a file is never uploaded twice and a job
never created twice. Two gaps a row cannot close are closed on the service side instead: uploads
carry a file name unique to the submission (found again if the upload's response was lost), and the
job is found again by its training file id — unique to the submission — on every API style, plus
`metadata={"studio_submission": <token>}` where the style defines job metadata (not the dated Azure
API, [facts §1]). The create body carries only what the style's schema defines (`service.styles`).
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
from studio.service import wire
from studio.service.styles import job_create_kwargs, style_of

METADATA_KEY = "studio_submission"
TRAIN_NAME, VALIDATION_NAME = "train.jsonl", "validation.jsonl"
WarnFn = Callable[[str], None]


def exports_folder(store: Any) -> Path:
    """`<project>.exports/` next to the project file: the data folder that holds submitted datasets."""
    path = Path(store.path)
    return path.with_name(path.stem + ".exports")


def start_submission(store: Any, profile: ServiceProfile, params: SubmitParams) -> int:
    """Record a new submission (nothing sent yet) and return its id; `submit` with it runs the steps."""
    params.validate(profile.is_azure, kind=profile.kind)
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
        train_id, valid_id = _ensure_uploads(client, store, sub.id, export_dir, token, params, policy, progress, cancel,
                                             style_of(profile))
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


def _ensure_uploads(client, store, sid, export_dir: Path, token, params, policy, progress, cancel, style) -> tuple[str, str | None]:
    sub = store.jobs.get_submission(sid)
    round_ = int(sub.params.get("upload_round", 0))
    stem = f"studio-{token}" + (f"-r{round_}" if round_ else "")
    train_id = sub.training_file_id
    if not train_id:
        train_id = upload_file(
            client, export_dir / TRAIN_NAME, f"{stem}-{TRAIN_NAME}",
            chunk_threshold=params.chunk_threshold, part_size=params.part_size,
            policy=policy, progress=progress, cancel=cancel, style=style,
        )
        store.jobs.update_submission(sid, training_file_id=train_id)
    valid_id = sub.validation_file_id
    valid_path = export_dir / VALIDATION_NAME
    if not valid_id and valid_path.is_file() and valid_path.stat().st_size > 0:
        valid_id = upload_file(
            client, valid_path, f"{stem}-{VALIDATION_NAME}",
            chunk_threshold=params.chunk_threshold, part_size=params.part_size,
            policy=policy, progress=progress, cancel=cancel, style=style,
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


def is_submission_job(job: wire.JobInfo, token: str | None, training_file_id: str | None) -> bool:
    """Whether `job` was created by the submission with this token / training file.

    The training file is uploaded under a name unique to the submission, so its id identifies the
    job on every style; the metadata token is a second key where the style has metadata [facts §1].
    """
    if token and job.metadata.get(METADATA_KEY) == token:
        return True
    return bool(training_file_id) and job.training_file == training_file_id


def find_job_for_submission(client, token: str, training_file_id: str | None, *,
                            policy: RetryPolicy = DEFAULT_POLICY, cancel: CancelToken | None = None,
                            max_jobs: int = 200) -> wire.JobInfo | None:
    """A job on the service created by this submission (by training file, or by metadata token)."""
    for job in wire.iter_jobs(client, policy=policy, cancel=cancel, max_jobs=max_jobs):
        if is_submission_job(job, token, training_file_id):
            return job
    return None


def _ensure_job(client, store, sid, profile: ServiceProfile, params: SubmitParams, token, train_id, valid_id,
                policy, progress, cancel) -> str:
    progress(0, None, "Creating the fine-tuning job")
    job = find_job_for_submission(client, token, train_id, policy=policy, cancel=cancel)
    if job is None:
        if cancel is not None:
            cancel.raise_if_cancelled()
        body: dict[str, Any] = job_create_kwargs(
            profile, model=params.model, training_file=train_id, validation_file=valid_id, suffix=params.suffix,
            seed=params.seed, hyperparameters=params.hyperparameters(), metadata={METADATA_KEY: token},
            training_type=params.azure_training_type() if profile.supports_training_type else None,
        )
        job = create_once(
            lambda: wire.JobInfo.of(wire.call(lambda: client.fine_tuning.jobs.with_raw_response.create(**body))),
            lambda: find_job_for_submission(client, token, train_id, policy=policy, cancel=cancel),
            policy=policy, cancel=cancel,
        )
    store.jobs.update_submission(sid, state="created", job_id=job.id, error=None)
    record_job(store, job.raw, profile, submission_id=sid)
    progress(1, 1, f"Created fine-tuning job {job.id}")
    return job.id
