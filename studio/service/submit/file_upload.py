"""Get one JSONL file onto the service exactly once, and wait until the service has processed it.

Exactly once, even when a response is lost: every upload carries a file name unique to its
submission, and before uploading we look for a file of that name and size already on the service.
Small files go through `files.create`; large ones through the multipart Uploads API in parts, each
part retried on its own, so a 400 MB dataset does not restart from zero after one network hiccup.
Answers are read as each API style documents them (see `service.wire`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import openai

from studio.core.errors import ServiceError
from studio.core.tasks import CancelToken, ProgressCallable, no_progress
from studio.service import wire
from studio.service.retry import DEFAULT_POLICY, RetryPolicy, call_with_retry, create_once, sleep_cancellable
from studio.service.styles import FILE_STATUS_TEXT, UPLOAD_MIME_TYPE, V1_MAX_FILE_BYTES, ApiStyle, rules

DEFAULT_CHUNK_THRESHOLD = 100 * 1024 * 1024  # files above this go through the Uploads API (where there is one)
DEFAULT_PART_SIZE = 64 * 1024 * 1024
JSONL_MIME = UPLOAD_MIME_TYPE
PROCESSED, FILE_ERROR, DELETED = "processed", "error", "deleted"


class FileRejected(ServiceError):
    """The service processed the file and refused it: the dataset itself must change."""


def _fine_tune_files(client: openai.OpenAI, style: ApiStyle, policy: RetryPolicy = DEFAULT_POLICY,
                     cancel: CancelToken | None = None) -> list[wire.FileInfo]:
    """The newest fine-tune files, asked the way the style's list endpoint is defined."""
    def newest_files() -> wire.Page:
        if not rules(style).files_list_paging:  # [facts §5] v1 defines only `purpose` for listing files
            return wire.Page.of(wire.call(lambda: client.files.with_raw_response.list(purpose="fine-tune")))
        try:
            return wire.Page.of(wire.call(
                lambda: client.files.with_raw_response.list(purpose="fine-tune", limit=100, order="desc")))
        except openai.BadRequestError:  # an API version without list parameters: list everything
            return wire.Page.of(wire.call(lambda: client.files.with_raw_response.list()))

    return [wire.FileInfo.of(raw) for raw in call_with_retry(newest_files, policy=policy, cancel=cancel).data]


def find_uploaded(client: openai.OpenAI, filename: str, size: int, *, policy: RetryPolicy = DEFAULT_POLICY,
                  cancel: CancelToken | None = None, style: ApiStyle = ApiStyle.OPENAI) -> str | None:
    """Id of a fine-tune file with this exact name and size already on the service (a lost response)."""
    for f in _fine_tune_files(client, style, policy, cancel):
        if f.filename == filename and (f.bytes in (None, size)) and f.status not in (FILE_ERROR, DELETED):
            return f.id
    return None


def find_uploaded_names(client: openai.OpenAI, names: set[str], style: ApiStyle = ApiStyle.OPENAI) -> dict[str, str]:
    """{file name: id} of the fine-tune files on the service with one of these names (newest wins)."""
    found: dict[str, str] = {}
    for f in _fine_tune_files(client, style):
        if f.filename in names and f.filename not in found and f.status not in (FILE_ERROR, DELETED):
            found[f.filename] = f.id
    return found


def upload_file(
    client: openai.OpenAI,
    path: Path,
    filename: str,
    *,
    chunk_threshold: int = DEFAULT_CHUNK_THRESHOLD,
    part_size: int = DEFAULT_PART_SIZE,
    policy: RetryPolicy = DEFAULT_POLICY,
    progress: ProgressCallable = no_progress,
    cancel: CancelToken | None = None,
    style: ApiStyle = ApiStyle.OPENAI,
) -> str:
    """Upload `path` as `filename` (purpose fine-tune) unless it is already there; returns the file id.

    Above `chunk_threshold` the file goes through the Uploads API in parts — except on Azure's v1 API,
    which has no `/uploads` [facts §5]: there `files.create` takes the file up to the documented
    512 MB, and a larger file cannot be sent through v1 at all.
    """
    size = path.stat().st_size
    direct_only = not rules(style).uploads
    if direct_only and size > V1_MAX_FILE_BYTES:
        raise ServiceError(
            f"{filename} is {size / 1024**2:,.0f} MB; Azure's v1 API takes fine-tuning files of at most "
            f"{V1_MAX_FILE_BYTES // 1024**2} MB and has no Uploads API for larger ones. Switch the service to the "
            "dated Azure API (Azure OpenAI, api-version 2025-04-01-preview), which uploads large files in parts, "
            "or make the dataset smaller (fewer images, or low image detail)."
        )
    existing = find_uploaded(client, filename, size, policy=policy, cancel=cancel, style=style)
    if existing:
        progress(size, size, f"{filename} was already uploaded")
        return existing
    if size <= chunk_threshold or direct_only:
        progress(0, size, f"Uploading {filename}")

        def create() -> str:
            with open(path, "rb") as fh:
                return wire.FileInfo.of(wire.call(
                    lambda: client.files.with_raw_response.create(file=(filename, fh, JSONL_MIME), purpose="fine-tune"))).id

        file_id = create_once(create, lambda: find_uploaded(client, filename, size, policy=policy, cancel=cancel, style=style),
                              policy=policy, cancel=cancel)
        progress(size, size, f"Uploaded {filename}")
        return file_id
    return _upload_in_parts(client, path, filename, size, part_size, policy, progress, cancel, style)


def _upload_in_parts(client, path, filename, size, part_size, policy, progress, cancel, style) -> str:
    upload = call_with_retry(
        lambda: wire.call(lambda: client.uploads.with_raw_response.create(
            bytes=size, filename=filename, mime_type=JSONL_MIME, purpose="fine-tune")),
        policy=policy, cancel=cancel,
    )
    upload_id = str(upload.get("id"))
    part_ids: list[str] = []
    sent = 0
    try:
        with open(path, "rb") as fh:
            while True:
                if cancel is not None:
                    cancel.raise_if_cancelled()
                data = fh.read(part_size)
                if not data:
                    break
                part = call_with_retry(lambda: wire.call(lambda: client.uploads.parts.with_raw_response.create(upload_id, data=data)),
                                       policy=policy, cancel=cancel)
                part_ids.append(str(part.get("id")))
                sent += len(data)
                progress(sent, size, f"Uploading {filename} ({sent * 100 // max(size, 1)}%)")

        def complete() -> str | None:
            done = wire.call(lambda: client.uploads.with_raw_response.complete(upload_id, part_ids=part_ids))
            file = done.get("file")
            return str(file["id"]) if isinstance(file, dict) and file.get("id") else None

        file_id = create_once(complete, lambda: find_uploaded(client, filename, size, policy=policy, cancel=cancel, style=style),
                              policy=policy, cancel=cancel)
    except BaseException:
        try:  # an abandoned upload would expire anyway; cancelling just tidies up
            client.uploads.with_raw_response.cancel(upload_id)
        except Exception:  # noqa: BLE001
            pass
        raise
    if file_id is None:
        raise ServiceError(f"The service finished the upload of {filename} but returned no file. Try again.")
    return file_id


def wait_until_processed(
    client: openai.OpenAI,
    file_id: str,
    filename: str,
    *,
    poll_interval: float = 2.0,
    max_wait: float = 1800.0,
    policy: RetryPolicy = DEFAULT_POLICY,
    progress: ProgressCallable = no_progress,
    cancel: CancelToken | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Poll until the file is processed; a file the service rejects raises with the service's reason.

    [facts §5 file status] OAI: uploaded -> processed | error; Azure: pending -> running -> processed | error.
    """
    deadline = clock() + max_wait
    while True:
        f = wire.FileInfo.of(call_with_retry(lambda: wire.call(lambda: client.files.with_raw_response.retrieve(file_id)),
                                             policy=policy, cancel=cancel))
        status = f.status
        if status == PROCESSED:
            return
        if status in (FILE_ERROR, DELETED, "deleting"):
            detail = str(f.status_details or "no reason given").rstrip(". ")
            raise FileRejected(
                f"The service rejected {filename} ({status}): {detail}. Fix the dataset, then submit again "
                "(the dataset is exported and uploaded afresh)."
            )
        if clock() > deadline:
            raise ServiceError(
                f"The service has not finished processing {filename} after {int(max_wait // 60)} minutes. "
                "Retry the submission later; the file is already uploaded and will not be sent again."
            )
        progress(0, None, f"Waiting for the service to check {filename} ({FILE_STATUS_TEXT.get(status, status)})")
        sleep_cancellable(poll_interval, cancel)
