"""The three ways clients address the service, and what each one requires.

- OpenAI:       `/v1/<resource>`                              (Authorization: Bearer)
- Azure dated:  `/openai/<resource>?api-version=YYYY-MM-DD[-preview]` (api-key or Bearer)
- Azure v1:     `/openai/v1/<resource>`                       (api-key or Bearer; no api-version)

Objects created through either Azure style behave like Azure's (statuses `pending`, Azure model names);
objects created through `/v1` behave like OpenAI's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from studio.emulator.http.errors import ApiError, bad_request, not_found


class ApiStyle(str, Enum):
    OPENAI = "openai"
    AZURE_DATED = "azure_dated"
    AZURE_V1 = "azure_v1"

    @property
    def is_azure(self) -> bool:
        return self is not ApiStyle.OPENAI


# Pause/resume were added to the dated API in this version; older dated versions answer 400.
# [facts §6 api-version] the 2024-10-21 stable examples have no pause/resume (INFER: they need a newer version).
PAUSE_RESUME_MIN_API_VERSION = "2025-04-01-preview"

_API_VERSION_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(-preview)?$")


@dataclass(frozen=True)
class ParsedUrl:
    style: ApiStyle
    resource_path: str  # e.g. "/fine_tuning/jobs/ftjob-abc/events", no query
    api_version: str | None


def parse_url(path: str, query: dict[str, list[str]]) -> ParsedUrl:
    """Split a request path into its style and resource path; refuse unknown prefixes."""
    for prefix, style in (("/openai/v1/", ApiStyle.AZURE_V1), ("/openai/", ApiStyle.AZURE_DATED), ("/v1/", ApiStyle.OPENAI)):
        if path.startswith(prefix):
            resource = "/" + path[len(prefix):].strip("/")
            versions = query.get("api-version")
            version = versions[0] if versions else None
            return ParsedUrl(style, resource, version)
    raise not_found(f"Invalid URL ({path}): the emulator serves /v1/..., /openai/...?api-version= and /openai/v1/...")


def require_api_version(url: ParsedUrl) -> None:
    """Azure's dated API refuses requests without a well-formed api-version, as the real one does
    ([facts] AZD paths take `api-version` as a required query parameter; AZ1: optional, `v1`/`preview`)."""
    if url.style is not ApiStyle.AZURE_DATED:
        return
    if not url.api_version:
        raise bad_request(
            "Missing required query parameter 'api-version'. Add ?api-version=2025-04-01-preview "
            "(or pass api_version= to AzureOpenAI).",
            param="api-version",
            code="missing_api_version",
        )
    if not _API_VERSION_RE.match(url.api_version):
        raise bad_request(
            f"Unsupported api-version '{url.api_version}'. Use a dated version such as 2024-10-21 "
            "or 2025-04-01-preview.",
            param="api-version",
            code="unsupported_api_version",
        )


def api_version_at_least(version: str, minimum: str) -> bool:
    """Compare dated versions: the date decides; on the same date a GA version is newer than its preview."""
    def key(v: str) -> tuple[str, int]:
        m = _API_VERSION_RE.match(v)
        if not m:
            return ("", 0)
        return (m.group(1), 0 if m.group(2) else 1)

    return key(version) >= key(minimum)


def require_pause_resume_support(url: ParsedUrl) -> None:
    if url.style is ApiStyle.AZURE_DATED and not api_version_at_least(url.api_version or "", PAUSE_RESUME_MIN_API_VERSION):
        raise ApiError(
            400,
            f"Pause and resume need api-version {PAUSE_RESUME_MIN_API_VERSION} or later "
            f"(this request used {url.api_version}).",
            param="api-version",
            code="unsupported_api_version",
        )
