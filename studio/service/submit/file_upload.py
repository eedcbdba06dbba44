"""Get one JSONL file onto the service exactly once, and wait until the service has processed it.

Exactly once, even when a response is lost: every upload carries a file name unique to its
submission, and before uploading we look for a file of that name and size already on the service.
Small files go through `files.create`; large ones through the multipart Uploads API in parts, each
part retried on its own, so a 400 MB dataset does not restart from zero after one network hiccup.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import openai

from studio.core.errors import ServiceError
from studio.core.tasks import CancelToken, ProgressCallable, no_progress
from studio.service.retry import DEFAULT_POLICY, RetryPolicy, call_with_retry, create_once, sleep_cancellable

DEFAULT_CHUNK_THRESHOLD = 100 * 1024 * 1024  # files above this go through the Uploads API
DEFAULT_PART_SIZE = 64 * 1024 * 1024
JSONL_MIME = "application/jsonl"
PROCESSED, FILE_ERROR, DELETED = "processed", "error", "deleted"


class FileRejected(ServiceError):
    """The service processed the file and refused it: the dataset itself must change."""


def find_uploaded(client: openai.OpenAI, filename: str, size: int, *, policy: RetryPolicy = DEFAULT_POLICY,
                  cancel: CancelToken | None = None) -> str | None:
    """Id of a fine-tune file with this exact name and size already on the service (a lost response)."""
    def newest_files():
        try:
            return client.files.list(purpose="fine-tune", limit=100, order="desc")
        except openai.BadRequestError:  # an API version without list parameters: list everything
            return client.files.list()

    page = call_with_retry(newest_files, policy=policy, cancel=cancel)
    for f in page.data:
        if f.filename == filename and (f.bytes in (None, size)) and getattr(f, "status", None) not in (FILE_ERROR, DELETED):
            return f.id
    return None


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
) -> str:
    """Upload `path` as `filename` (purpose fine-tune) unless it is already there; returns the file id."""
    size = path.stat().st_size
    existing = find_uploaded(client, filename, size, policy=policy, cancel=cancel)
    if existing:
        progress(size, size, f"{filename} was already uploaded")
        return existing
    if size <= chunk_threshold:
        progress(0, size, f"Uploading {filename}")

        def create() -> str:
            with open(path, "rb") as fh:
                return client.files.create(file=(filename, fh, JSONL_MIME), purpose="fine-tune").id

        file_id = create_once(create, lambda: find_uploaded(client, filename, size, policy=policy, cancel=cancel),
                              policy=policy, cancel=cancel)
        progress(size, size, f"Uploaded {filename}")
        return file_id
    return _upload_in_parts(client, path, filename, size, part_size, policy, progress, cancel)


def _upload_in_parts(client, path, filename, size, part_size, policy, progress, cancel) -> str:
    upload = call_with_retry(
        lambda: client.uploads.create(bytes=size, filename=filename, mime_type=JSONL_MIME, purpose="fine-tune"),
        policy=policy, cancel=cancel,
    )
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
                part = call_with_retry(lambda: client.uploads.parts.create(upload.id, data=data),
                                       policy=policy, cancel=cancel)
                part_ids.append(part.id)
                sent += len(data)
                progress(sent, size, f"Uploading {filename} ({sent * 100 // max(size, 1)}%)")

        def complete() -> str | None:
            done = client.uploads.complete(upload.id, part_ids=part_ids)
            return done.file.id if done.file is not None else None

        file_id = create_once(complete, lambda: find_uploaded(client, filename, size, policy=policy, cancel=cancel),
                              policy=policy, cancel=cancel)
    except BaseException:
        try:  # an abandoned upload would expire anyway; cancelling just tidies up
            client.uploads.cancel(upload.id)
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
    """Poll until the file is processed; a file the service rejects raises with the service's reason."""
    deadline = clock() + max_wait
    while True:
        f = call_with_retry(lambda: client.files.retrieve(file_id), policy=policy, cancel=cancel)
        status = getattr(f, "status", None) or "uploaded"
        if status == PROCESSED:
            return
        if status in (FILE_ERROR, DELETED):
            detail = str(getattr(f, "status_details", None) or "no reason given").rstrip(". ")
            raise FileRejected(
                f"The service rejected {filename} ({status}): {detail}. Fix the dataset, then submit again "
                "(the dataset is exported and uploaded afresh)."
            )
        if clock() > deadline:
            raise ServiceError(
                f"The service has not finished processing {filename} after {int(max_wait // 60)} minutes. "
                "Retry the submission later; the file is already uploaded and will not be sent again."
            )
        progress(0, None, f"Waiting for the service to process {filename} ({status})")
        sleep_cancellable(poll_interval, cancel)
