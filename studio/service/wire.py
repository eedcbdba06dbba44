"""Read service answers as the JSON each API style documents, through the SDK.

The SDK's response types are OpenAI's: a job's status is one of six strings, a file's one of three,
an event level `warn`, `organization_id` is required. The dated Azure API documents other values
(`pending`, `pausing`, `resuming`, `warning`, -1 hyperparameters, `organisation_id`, no
`metadata`) [facts §2, §3, §5], so a client with strict response validation — which our tests use —
would refuse real Azure answers, and a lenient one silently builds half-empty objects.

So the service layer asks through the SDK (auth, URLs, api-version, error classes stay the SDK's)
but with `.with_raw_response`, and reads the body itself with the readers below, which know each
style's documented shapes. Every other call (file content, parts) keeps the SDK's types.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

from studio.core.errors import ServiceError
from studio.core.tasks import CancelToken
from studio.service.retry import DEFAULT_POLICY, RetryPolicy, call_with_retry


def body(response: Any) -> dict[str, Any]:
    """The JSON object of a raw SDK response (`client.x.with_raw_response.y(...)`)."""
    text = response.text if hasattr(response, "text") else response
    try:
        value = json.loads(text) if isinstance(text, (str, bytes)) else text
    except ValueError:
        raise ServiceError(
            "The service answered with something that is not JSON. Check the endpoint address; "
            "a proxy or a web page may be answering instead of the fine-tuning API."
        ) from None
    if not isinstance(value, dict):
        raise ServiceError("The service answered with an unexpected shape (not a JSON object). Check the endpoint address.")
    return value


def call(fn: Callable[[], Any]) -> dict[str, Any]:
    """Run a `with_raw_response` SDK call and return its JSON body."""
    return body(fn())


@dataclass(frozen=True, slots=True)
class Page:
    """A list answer; `has_more` is False where a style's list has no such field (AZD files) [facts §5]."""

    data: list[dict[str, Any]]
    has_more: bool

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> "Page":
        data = raw.get("data")
        items = [d for d in data if isinstance(d, dict)] if isinstance(data, list) else []
        return cls(items, bool(raw.get("has_more", False)))


@dataclass(frozen=True, slots=True)
class FileInfo:
    id: str
    filename: str
    bytes: int | None
    status: str
    status_details: str | None
    created_at: float | None
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> "FileInfo":
        status = raw.get("status")
        return cls(
            id=str(raw.get("id") or ""),
            filename=str(raw.get("filename") or ""),
            bytes=raw.get("bytes") if isinstance(raw.get("bytes"), int) else None,
            # [facts §5] Azure: "uploaded" is "not returned by Azure"; a missing status is taken as just uploaded.
            status=str(status) if status else "uploaded",
            status_details=str(raw["status_details"]) if raw.get("status_details") else None,
            created_at=float(raw["created_at"]) if isinstance(raw.get("created_at"), (int, float)) else None,
            raw=dict(raw),
        )


@dataclass(frozen=True, slots=True)
class JobInfo:
    """The fields the studio acts on; `raw` keeps everything for the records."""

    id: str
    status: str
    model: str | None
    training_file: str | None
    suffix: str | None
    created_at: float | None
    fine_tuned_model: str | None
    metadata: dict[str, Any]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> "JobInfo":
        # [facts §2] AZD echoes `suffix`; OAI and AZ1 echo `user_provided_suffix`.
        suffix = raw.get("suffix") or raw.get("user_provided_suffix")
        metadata = raw.get("metadata")
        return cls(
            id=str(raw.get("id") or ""),
            status=str(raw.get("status") or "unknown"),
            model=raw.get("model"),
            training_file=raw.get("training_file"),
            suffix=str(suffix) if suffix else None,
            created_at=float(raw["created_at"]) if isinstance(raw.get("created_at"), (int, float)) else None,
            fine_tuned_model=raw.get("fine_tuned_model") or None,
            metadata=dict(metadata) if isinstance(metadata, dict) else {},  # [facts §1] none on AZD
            raw=dict(raw),
        )


def iter_jobs(client: Any, *, policy: RetryPolicy = DEFAULT_POLICY, cancel: CancelToken | None = None,
              max_jobs: int = 200) -> Iterator[JobInfo]:
    """The account's jobs, newest first, read in any style's shape; at most `max_jobs`."""
    after = None
    seen = 0
    while seen < max_jobs:
        kwargs: dict[str, Any] = {"limit": 100} | ({"after": after} if after else {})
        page = Page.of(call_with_retry(lambda: call(lambda: client.fine_tuning.jobs.with_raw_response.list(**kwargs)),
                                       policy=policy, cancel=cancel))
        for raw in page.data:
            seen += 1
            yield JobInfo.of(raw)
        if not page.data or not page.has_more:
            return
        after = str(page.data[-1].get("id"))
