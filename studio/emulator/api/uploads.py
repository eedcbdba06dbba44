"""Uploads API (large files in parts): create, add part, complete (parts in the given order, optional
md5), cancel. Completing creates a regular file that goes through the same validation as files.create.

Served on OpenAI `/v1` and the dated Azure API only; the v1 Azure API has no `/uploads` (see routes)
[facts §5 /uploads]. Limits differ per style and are cited where they are set.
"""

from __future__ import annotations

import hashlib
from typing import Any

from studio.emulator.http.errors import bad_request, not_found
from studio.emulator.http.request import ApiRequest, ApiResponse, ok
from studio.emulator.http.url_styles import ApiStyle
from studio.emulator.state.store import EmulatorState
from studio.emulator.api.files import check_fine_tune_filename, check_purpose, file_object, store_new_file
from studio.emulator.state.ids import new_part_id, new_upload_id
from studio.emulator.state.records import UploadRecord

# [facts §5 /uploads] OAI: <= 8 GB, expires after 1 h, parts <= 64 MB; AZD: <= 9 GB, expires after 2 h,
# parts "up to the standard size limit for file upload" (512 MB).
MAX_UPLOAD_BYTES = {ApiStyle.OPENAI: 8 * 1024**3, ApiStyle.AZURE_DATED: 9 * 1024**3}
MAX_PART_BYTES = {ApiStyle.OPENAI: 64 * 1024**2, ApiStyle.AZURE_DATED: 512 * 1024**2}
UPLOAD_LIFETIME_SECONDS = {ApiStyle.OPENAI: 3600, ApiStyle.AZURE_DATED: 7200}
# [facts §5 CreateUploadRequest] OAI: additionalProperties false; purposes assistants/batch/fine-tune/vision.
UPLOAD_FIELDS = frozenset({"bytes", "filename", "mime_type", "purpose", "expires_after"})
UPLOAD_PURPOSES = ("assistants", "batch", "fine-tune", "vision")
# [facts §5 mime_type] the OpenAI reference's create-upload example for fine-tune sends "text/jsonl"
# (INFER: the only value taken on /v1); the dated example sends application/json for a .jsonl.
JSONL_MIME_TYPES = {ApiStyle.OPENAI: frozenset({"text/jsonl"}), ApiStyle.AZURE_DATED: frozenset({"text/jsonl", "application/json"})}


def upload_object(state: EmulatorState, record: UploadRecord, now: float, style: ApiStyle | None = None) -> dict[str, Any]:
    file = state.files.get(record.file_id) if record.file_id else None
    return {
        "id": record.id,
        "object": "upload",
        "bytes": record.bytes,
        "created_at": int(record.created_at),
        "expires_at": int(record.expires_at),
        "filename": record.filename,
        "purpose": record.purpose,
        "status": record.status_at(now),
        "file": file_object(file, now, style) if file is not None else None,
    }


def _get_upload(state: EmulatorState, upload_id: str) -> UploadRecord:
    record = state.uploads.get(upload_id)
    if record is None:
        raise not_found(f"No such Upload object: {upload_id}", param="upload_id")
    return record


def _require_pending(record: UploadRecord, now: float, action: str) -> None:
    status = record.status_at(now)
    if status != "pending":
        raise bad_request(f"Upload {record.id} is {status}; {action} only works on a pending upload.", param="upload_id")


def create_upload(state: EmulatorState, request: ApiRequest) -> ApiResponse:
    body = request.json()
    style = request.style
    unknown = sorted(set(body) - UPLOAD_FIELDS)
    if unknown:
        raise bad_request(f"Unrecognized request argument supplied: {unknown[0]}", param=unknown[0], code="unknown_parameter")
    for name in ("bytes", "filename", "mime_type", "purpose"):
        if name not in body:
            raise bad_request(f"Missing required parameter: '{name}'.", param=name)
    size, filename, mime_type = body["bytes"], body["filename"], body["mime_type"]
    if not isinstance(size, int) or isinstance(size, bool) or not 0 < size <= MAX_UPLOAD_BYTES[style]:
        raise bad_request(f"'bytes' must be an integer between 1 and {MAX_UPLOAD_BYTES[style]}.", param="bytes")
    if not isinstance(filename, str) or not filename:
        raise bad_request("'filename' must be a non-empty string.", param="filename")
    purpose = check_purpose(body["purpose"], style, UPLOAD_PURPOSES)
    check_fine_tune_filename(purpose, filename)
    if purpose == "fine-tune" and mime_type not in JSONL_MIME_TYPES[style]:
        raise bad_request(
            f"mime_type '{mime_type}' is not supported for purpose 'fine-tune'. Use 'text/jsonl'.", param="mime_type"
        )
    record = UploadRecord(
        id=new_upload_id(), filename=filename, purpose=purpose, bytes=size, mime_type=str(mime_type),
        created_at=request.now, expires_at=request.now + UPLOAD_LIFETIME_SECONDS[style],
    )
    with state.lock:
        state.uploads[record.id] = record
        state.uploads_created += 1
        state.save()
        return ok(upload_object(state, record, request.now, request.style))


def add_part(state: EmulatorState, request: ApiRequest, upload_id: str) -> ApiResponse:
    form = request.form()
    with state.lock:
        record = _get_upload(state, upload_id)
        _require_pending(record, request.now, "adding a part")
    part = form.get("data")
    if part is None:
        raise bad_request("Missing required parameter: 'data'.", param="data")
    limit = MAX_PART_BYTES[request.style]
    if len(part.data) > limit:
        raise bad_request(f"A part may be at most {limit // 1024**2} MB; this one is {len(part.data)} bytes.", param="data")
    part_id = new_part_id()
    state.blobs.put(part_id, part.data)
    with state.lock:
        record.part_ids.append(part_id)
        record.part_sizes[part_id] = len(part.data)
        state.save()
    obj = {"id": part_id, "object": "upload.part", "created_at": int(request.now), "upload_id": upload_id}
    if request.style is ApiStyle.AZURE_DATED:
        obj["azure_block_id"] = _block_id(part_id)  # [facts §5] the dated part object adds azure_block_id
    return ok(obj)


def _block_id(part_id: str) -> str:
    return hashlib.sha256(part_id.encode()).hexdigest()[:32]


def complete_upload(state: EmulatorState, request: ApiRequest, upload_id: str) -> ApiResponse:
    body = request.json()
    part_ids = body.get("part_ids")
    if not isinstance(part_ids, list) or not part_ids or not all(isinstance(p, str) for p in part_ids):
        raise bad_request("'part_ids' must be a non-empty list of part ids.", param="part_ids")
    if len(set(part_ids)) != len(part_ids):
        raise bad_request("'part_ids' lists a part more than once.", param="part_ids")
    with state.lock:
        record = _get_upload(state, upload_id)
        _require_pending(record, request.now, "completing")
        if request.style is ApiStyle.AZURE_DATED:
            # [facts §5] the dated complete example passes the parts' azure_block_id values as part_ids.
            by_block = {_block_id(p): p for p in record.part_ids}
            part_ids = [by_block.get(p, p) for p in part_ids]
        for part_id in part_ids:
            if part_id not in record.part_sizes:
                raise bad_request(f"Part {part_id} does not belong to upload {upload_id}.", param="part_ids")
        total = sum(record.part_sizes[p] for p in part_ids)
        if total != record.bytes:
            raise bad_request(
                f"The parts add up to {total} bytes, but the upload was created for {record.bytes} bytes.", param="part_ids"
            )
    data = b"".join(state.blobs.get(p) for p in part_ids)
    md5 = body.get("md5")
    if md5 and hashlib.md5(data).hexdigest() != str(md5).lower():
        raise bad_request("The md5 checksum does not match the uploaded bytes.", param="md5", code="md5_mismatch")
    file = store_new_file(state, request.flavor, record.filename, record.purpose, data, request.now)
    with state.lock:
        record.status = "completed"
        record.file_id = file.id
        for part_id in record.part_ids:
            state.blobs.delete(part_id)
        state.save()
        return ok(upload_object(state, record, request.now, request.style))


def cancel_upload(state: EmulatorState, request: ApiRequest, upload_id: str) -> ApiResponse:
    with state.lock:
        record = _get_upload(state, upload_id)
        _require_pending(record, request.now, "cancelling")
        record.status = "cancelled"
        for part_id in record.part_ids:
            state.blobs.delete(part_id)
        state.save()
        return ok(upload_object(state, record, request.now, request.style))
