"""Files endpoints: create (multipart), import (dated only), list, retrieve, delete, content.

Fine-tune files are validated on upload (see `training.file_validation`); the file shows as
`uploaded` (Azure: `pending`, then `running`) for a short emulated while, then `processed`, or
`error` with the offending line numbers in `status_details` when lines are malformed.
The request's URL style decides purposes, form fields, list parameters and shapes [facts §5].
"""

from __future__ import annotations

from typing import Any

import base64

from studio.emulator.http.errors import bad_request, not_found
from studio.emulator.http.request import ApiRequest, ApiResponse, created, ok
from studio.emulator.http.url_styles import ApiStyle
from studio.emulator.state.store import EmulatorState
from studio.emulator.state.ids import new_file_id
from studio.emulator.http.pagination import cursor_page, query_value
from studio.emulator.state.records import FileRecord
from studio.emulator.training.file_validation import validate_jsonl

# [facts §5 upload purposes] per style.
FILE_PURPOSES: dict[ApiStyle, tuple[str, ...]] = {
    ApiStyle.OPENAI: ("assistants", "batch", "fine-tune", "vision", "user_data", "evals"),
    ApiStyle.AZURE_DATED: ("fine-tune", "fine-tune-results", "assistants", "assistants_output", "batch", "batch_output", "evals", "evals_output"),
    ApiStyle.AZURE_V1: ("assistants", "batch", "fine-tune", "evals"),
}
MAX_FILE_BYTES = 512 * 1024 * 1024  # [facts §5] MSDOC: fine-tuning files < 512 MB
# [facts §5 expires_after] form field names and allowed seconds per style (AZ1: no range given).
EXPIRY_FIELDS: dict[ApiStyle, tuple[str, str]] = {
    ApiStyle.OPENAI: ("expires_after[anchor]", "expires_after[seconds]"),
    ApiStyle.AZURE_DATED: ("expires_after.anchor", "expires_after.seconds"),
    ApiStyle.AZURE_V1: ("expires_after[anchor]", "expires_after[seconds]"),
}
EXPIRY_RANGE_SECONDS: dict[ApiStyle, tuple[int, int]] = {
    ApiStyle.OPENAI: (3600, 2_592_000),
    ApiStyle.AZURE_DATED: (1_209_600, 2_592_000),
    ApiStyle.AZURE_V1: (1, 2**31 - 1),
}
# [facts §5 list files] query parameters each style defines.
LIST_FILES_PARAMS: dict[ApiStyle, frozenset[str]] = {
    ApiStyle.OPENAI: frozenset({"purpose", "limit", "order", "after"}),
    ApiStyle.AZURE_DATED: frozenset({"purpose", "limit", "order", "after", "api-version"}),
    ApiStyle.AZURE_V1: frozenset({"purpose", "api-version"}),
}


def file_status(record: FileRecord, now: float, style: ApiStyle) -> str:
    """[facts §5 file status] OAI: uploaded -> processed | error; Azure (both styles): pending -> running -> ..."""
    status = record.status_at(now)
    if status in ("pending", "uploaded") or now < record.ready_at:
        if style is ApiStyle.OPENAI:
            return "uploaded"
        halfway = record.created_at + (record.ready_at - record.created_at) / 2
        return "pending" if now < halfway else "running"
    return status


def file_object(record: FileRecord, now: float, style: ApiStyle | None = None) -> dict[str, Any]:
    style = style or (ApiStyle.AZURE_DATED if record.azure else ApiStyle.OPENAI)
    status = file_status(record, now, style)
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
    if style is ApiStyle.AZURE_DATED:
        # [facts §5 file object] dated examples omit status_details / expires_at when absent.
        if details:
            obj["status_details"] = details
        if record.expires_at is not None:
            obj["expires_at"] = record.expires_at
    else:
        obj["status_details"] = details
        obj["expires_at"] = record.expires_at
    return obj


def check_purpose(purpose: object, style: ApiStyle = ApiStyle.OPENAI, allowed: tuple[str, ...] | None = None) -> str:
    allowed = allowed or FILE_PURPOSES[style]
    if purpose not in allowed:
        raise bad_request(f"'{purpose}' is not a valid purpose. Use one of: {', '.join(allowed)}.", param="purpose")
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


def _expires_at(form: dict, now: float, style: ApiStyle) -> int | None:
    anchor_name, seconds_name = EXPIRY_FIELDS[style]
    other = {n for pair in EXPIRY_FIELDS.values() for n in pair} - {anchor_name, seconds_name}
    stray = sorted(n for n in other if n in form)
    if stray:
        raise bad_request(f"Unknown form field '{stray[0]}'; this API names it '{anchor_name}' / '{seconds_name}'.", param=stray[0])
    anchor = form.get(anchor_name)
    seconds = form.get(seconds_name)
    if anchor is None and seconds is None:
        return None
    if anchor is None or anchor.text() != "created_at":
        raise bad_request(f"{anchor_name} must be 'created_at'.", param="expires_after.anchor")
    try:
        value = int(seconds.text()) if seconds is not None else -1
    except ValueError:
        value = -1
    low, high = EXPIRY_RANGE_SECONDS[style]
    if not low <= value <= high:
        raise bad_request(f"{seconds_name} must be between {low} and {high}.", param="expires_after.seconds")
    return int(now) + value


def create_file(state: EmulatorState, request: ApiRequest) -> ApiResponse:
    form = request.form()
    part = form.get("file")
    if part is None or part.filename is None:
        raise bad_request("Missing required parameter: 'file' (a file upload).", param="file")
    purpose_part = form.get("purpose")
    if purpose_part is None:
        raise bad_request("Missing required parameter: 'purpose'.", param="purpose")
    purpose = check_purpose(purpose_part.text(), request.style)
    check_fine_tune_filename(purpose, part.filename)
    expires_at = _expires_at(form, request.now, request.style)
    record = store_new_file(state, request.flavor, part.filename, purpose, part.data, request.now, expires_at)
    # [facts §5 POST /files] AZD: 201 + Location; OAI and AZ1: 200.
    return created(request, file_object(record, request.now, request.style), f"/files/{record.id}")


def import_file(state: EmulatorState, request: ApiRequest) -> ApiResponse:
    """[facts §5 /files/import] dated only: JSON `FileImport` {purpose, filename, content_url, expires_after}.

    The emulator has no network, so it imports only `data:` URLs; any other URL makes a file that
    ends in `error` with the dated code's meaning (fileImportFailed) in its status details.
    """
    body = request.json()
    for name in ("purpose", "filename", "content_url"):
        if not isinstance(body.get(name), str) or not body[name]:
            raise bad_request(f"Missing required parameter: '{name}'.", param=name)
    unknown = sorted(set(body) - {"purpose", "filename", "content_url", "expires_after"})
    if unknown:
        raise bad_request(f"Unrecognized request argument supplied: {unknown[0]}", param=unknown[0])
    purpose = check_purpose(body["purpose"], request.style)
    check_fine_tune_filename(purpose, body["filename"])
    url = body["content_url"]
    data = b""
    if url.startswith("data:") and "," in url:
        head, _, payload = url.partition(",")
        data = base64.b64decode(payload) if head.endswith(";base64") else payload.encode()
    record = store_new_file(state, request.flavor, body["filename"], purpose, data, request.now)
    if not url.startswith("data:"):
        record.final_status = "error"
        record.status_details = "fileImportFailed: the emulator cannot download content_url (no network); use a data: URL."
    return created(request, file_object(record, request.now, request.style), f"/files/{record.id}")


def get_file(state: EmulatorState, file_id: str) -> FileRecord:
    record = state.files.get(file_id)
    if record is None:
        raise not_found(f"No such File object: {file_id}", param="id")
    return record


def list_files(state: EmulatorState, request: ApiRequest) -> ApiResponse:
    unknown = sorted(set(request.query) - LIST_FILES_PARAMS[request.style])
    if unknown:
        # [facts §5 list files] AZ1 defines only `purpose`: strict, so the studio never relies on the others.
        raise bad_request(f"Unknown query parameter '{unknown[0]}' for listing files in this API.", param=unknown[0])
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
        items = [file_object(r, request.now, request.style) for r in records]
    page = cursor_page(items, request.query, default_limit=10_000, max_limit=10_000)
    if request.style is ApiStyle.AZURE_DATED:
        return ok({"object": "list", "data": page["data"]})  # [facts §5] dated `FileList`: object, data only
    page["first_id"] = page["data"][0]["id"] if page["data"] else None
    page["last_id"] = page["data"][-1]["id"] if page["data"] else None
    return ok(page)


def retrieve_file(state: EmulatorState, request: ApiRequest, file_id: str) -> ApiResponse:
    with state.lock:
        return ok(file_object(get_file(state, file_id), request.now, request.style))


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
    if record.purpose == "fine-tune-results" and request.style is ApiStyle.OPENAI:
        # [facts §5 results base64] UNVERIFIED field behaviour: OpenAI returns the results CSV base64-encoded;
        # the studio reads both forms, so the emulator serves the harder one on /v1.
        data = base64.b64encode(data)
    content_type = "text/csv" if record.filename.endswith(".csv") else "application/octet-stream"
    return ApiResponse(200, raw=data, content_type=content_type)
