"""Files endpoints: create (multipart), list, retrieve, delete, content.

Fine-tune files are validated on upload (see `training_file_validation`); the file shows as
`uploaded` (Azure: `pending`) for a short emulated while, then `processed`, or `error` with the
offending line numbers in `status_details` when lines are malformed.
"""

from __future__ import annotations

from typing import Any

from studio.emulator.http.errors import bad_request, not_found
from studio.emulator.http.request import ApiRequest, ApiResponse, ok
from studio.emulator.state.store import EmulatorState
from studio.emulator.state.ids import new_file_id
from studio.emulator.http.pagination import cursor_page, query_value
from studio.emulator.state.records import FileRecord
from studio.emulator.training.file_validation import validate_jsonl

FILE_PURPOSES = ("assistants", "batch", "fine-tune", "vision", "user_data", "evals")
MAX_FILE_BYTES = 512 * 1024 * 1024
EXPIRY_RANGE_SECONDS = (3600, 2_592_000)


def file_object(record: FileRecord, now: float) -> dict[str, Any]:
    status = record.status_at(now)
    obj: dict[str, Any] = {
        "id": record.id,
        "object": "file",
        "bytes": record.bytes,
        "created_at": int(record.created_at),
        "filename": record.filename,
        "purpose": record.purpose,
        "status": status,
    }
    details = record.status_details if status == "error" else None
    if record.azure:
        if details:
            obj["status_details"] = details
    else:
        obj["status_details"] = details
        obj["expires_at"] = record.expires_at
    return obj


def check_purpose(purpose: object) -> str:
    if purpose not in FILE_PURPOSES:
        raise bad_request(f"'{purpose}' is not a valid purpose. Use one of: {', '.join(FILE_PURPOSES)}.", param="purpose")
    return str(purpose)


def check_fine_tune_filename(purpose: str, filename: str) -> None:
    if purpose == "fine-tune" and not filename.lower().endswith(".jsonl"):
        raise bad_request(
            f"Invalid file format for Fine-Tuning API. Must be .jsonl (got '{filename}').", param="file", code="invalid_file_format"
        )


def store_new_file(
    state: EmulatorState, flavor: str, filename: str, purpose: str, data: bytes, now: float, expires_at: int | None = None
) -> FileRecord:
    """Validate (outside the lock: it decodes every image) and register a new file."""
    if len(data) > MAX_FILE_BYTES:
        raise bad_request(f"The file is {len(data)} bytes; files may be at most 512 MB. Split the dataset.", param="file")
    report = validate_jsonl(data) if purpose == "fine-tune" else None
    record = FileRecord(
        id=new_file_id(flavor == "azure"),
        flavor=flavor,
        filename=filename,
        purpose=purpose,
        bytes=len(data),
        created_at=now,
        ready_at=now + (state.timing.file_processing_seconds if report is not None else 0.0),
        final_status="error" if report is not None and report.malformed else "processed",
        status_details=report.error_message() if report is not None and report.malformed else None,
        expires_at=expires_at,
        report=report,
    )
    state.blobs.put(record.id, data)
    with state.lock:
        state.files[record.id] = record
        state.files_created += 1
        state.save()
    return record


def _expires_at(form: dict, now: float) -> int | None:
    anchor = form.get("expires_after[anchor]")
    seconds = form.get("expires_after[seconds]")
    if anchor is None and seconds is None:
        return None
    if anchor is None or anchor.text() != "created_at":
        raise bad_request("expires_after[anchor] must be 'created_at'.", param="expires_after.anchor")
    try:
        value = int(seconds.text()) if seconds is not None else -1
    except ValueError:
        value = -1
    low, high = EXPIRY_RANGE_SECONDS
    if not low <= value <= high:
        raise bad_request(f"expires_after[seconds] must be between {low} and {high}.", param="expires_after.seconds")
    return int(now) + value


def create_file(state: EmulatorState, request: ApiRequest) -> ApiResponse:
    form = request.form()
    part = form.get("file")
    if part is None or part.filename is None:
        raise bad_request("Missing required parameter: 'file' (a file upload).", param="file")
    purpose_part = form.get("purpose")
    if purpose_part is None:
        raise bad_request("Missing required parameter: 'purpose'.", param="purpose")
    purpose = check_purpose(purpose_part.text())
    check_fine_tune_filename(purpose, part.filename)
    expires_at = _expires_at(form, request.now)
    record = store_new_file(state, request.flavor, part.filename, purpose, part.data, request.now, expires_at)
    return ok(file_object(record, request.now))


def get_file(state: EmulatorState, file_id: str) -> FileRecord:
    record = state.files.get(file_id)
    if record is None:
        raise not_found(f"No such File object: {file_id}", param="id")
    return record


def list_files(state: EmulatorState, request: ApiRequest) -> ApiResponse:
    order = query_value(request.query, "order") or "desc"
    if order not in ("asc", "desc"):
        raise bad_request("order must be 'asc' or 'desc'.", param="order")
    purpose = query_value(request.query, "purpose")
    with state.lock:
        records = [r for r in state.files.values() if purpose is None or r.purpose == purpose]
        if order == "asc":
            records.sort(key=lambda r: r.created_at)
        else:  # newest first, also among files created in the same instant
            records = sorted(reversed(records), key=lambda r: r.created_at, reverse=True)
        items = [file_object(r, request.now) for r in records]
    return ok(cursor_page(items, request.query, default_limit=10_000, max_limit=10_000))


def retrieve_file(state: EmulatorState, request: ApiRequest, file_id: str) -> ApiResponse:
    with state.lock:
        return ok(file_object(get_file(state, file_id), request.now))


def delete_file(state: EmulatorState, request: ApiRequest, file_id: str) -> ApiResponse:
    with state.lock:
        get_file(state, file_id)
        del state.files[file_id]
        state.deleted_file_ids.add(file_id)
        state.blobs.delete(file_id)
        state.save()
    return ok({"id": file_id, "object": "file", "deleted": True})


def file_content(state: EmulatorState, request: ApiRequest, file_id: str) -> ApiResponse:
    with state.lock:
        record = get_file(state, file_id)
        data = state.blobs.get(record.id)
    content_type = "text/csv" if record.filename.endswith(".csv") else "application/octet-stream"
    return ApiResponse(200, raw=data, content_type=content_type)
