"""Which handler serves which method and resource path, and in which URL styles the path exists.

A route is `(method, pattern, handler)` (every style) or `(method, pattern, handler, styles)`: a path a
style's specification does not define answers 404 in that style, as the real service does. To add a
route for one style only, give its `styles` (see /work/coord/notes/emulator.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from studio.emulator.api import chat as chat_api
from studio.emulator.api import files as files_api
from studio.emulator.api import jobs as jobs_api
from studio.emulator.api import uploads as uploads_api
from studio.emulator.http.errors import not_found
from studio.emulator.http.request import ApiRequest, ApiResponse
from studio.emulator.state.store import EmulatorState
from studio.emulator.http.faults import Faults
from studio.emulator.http.url_styles import ApiStyle

_ID = r"(?P<{}>[^/]+)"
_FILE = _ID.format("file_id")
_UPLOAD = _ID.format("upload_id")
_JOB = _ID.format("job_id")
_DEPLOYMENT = _ID.format("deployment")

Handler = Callable[..., ApiResponse]
ALL_STYLES = frozenset(ApiStyle)
DATED_ONLY = frozenset({ApiStyle.AZURE_DATED})
# [facts §5 /uploads] OAI and AZD define /uploads; neither v1 spec version has the path.
NOT_ON_V1 = frozenset({ApiStyle.OPENAI, ApiStyle.AZURE_DATED})

_ROUTES: list[tuple] = [
    ("POST", "/files", files_api.create_file),
    ("GET", "/files", files_api.list_files),
    ("GET", f"/files/{_FILE}", files_api.retrieve_file),
    ("DELETE", f"/files/{_FILE}", files_api.delete_file),
    ("GET", f"/files/{_FILE}/content", files_api.file_content),
    ("POST", "/files/import", files_api.import_file, DATED_ONLY),  # [facts §5] only the dated API has /files/import
    ("POST", "/uploads", uploads_api.create_upload, NOT_ON_V1),
    ("POST", f"/uploads/{_UPLOAD}/parts", uploads_api.add_part, NOT_ON_V1),
    ("POST", f"/uploads/{_UPLOAD}/complete", uploads_api.complete_upload, NOT_ON_V1),
    ("POST", f"/uploads/{_UPLOAD}/cancel", uploads_api.cancel_upload, NOT_ON_V1),
    ("POST", "/fine_tuning/jobs", jobs_api.create_job),
    ("GET", "/fine_tuning/jobs", jobs_api.list_jobs),
    ("GET", f"/fine_tuning/jobs/{_JOB}", jobs_api.retrieve_job),
    ("DELETE", f"/fine_tuning/jobs/{_JOB}", jobs_api.delete_job, DATED_ONLY),  # [facts §6] DELETE job: dated only, 204
    ("GET", f"/fine_tuning/jobs/{_JOB}/events", jobs_api.list_events),
    ("GET", f"/fine_tuning/jobs/{_JOB}/checkpoints", jobs_api.list_checkpoints),
    ("POST", f"/fine_tuning/jobs/{_JOB}/cancel", jobs_api.cancel_job),
    ("POST", f"/fine_tuning/jobs/{_JOB}/pause", jobs_api.pause_job),
    ("POST", f"/fine_tuning/jobs/{_JOB}/resume", jobs_api.resume_job),
    ("POST", "/chat/completions", chat_api.create_chat_completion),  # /v1 and /openai/v1
    ("POST", f"/deployments/{_DEPLOYMENT}/chat/completions", chat_api.create_chat_completion),  # Azure dated
]
_COMPILED = [
    (route[0], re.compile(route[1]), route[2], frozenset(route[3]) if len(route) > 3 else ALL_STYLES) for route in _ROUTES
]
_NEEDS_FAULTS = {jobs_api.create_job}


def dispatch(state: EmulatorState, faults: Faults, request: ApiRequest) -> ApiResponse:
    for method, pattern, handler, styles in _COMPILED:
        match = pattern.fullmatch(request.url.resource_path)
        if match is None or method != request.method or request.url.style not in styles:
            continue
        if handler in _NEEDS_FAULTS:
            return handler(state, request, faults)
        return handler(state, request, **match.groupdict())
    raise not_found(f"Invalid URL ({request.method} {request.url.resource_path})")
