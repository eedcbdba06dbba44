"""The service's error envelope, so the SDK maps every refusal to the right exception class.

Handlers raise `ApiError`; the HTTP layer turns it into `{"error": {"message", "type", "param", "code"}}`
with the status code. Keeping one constructor per status keeps the wording of `type` consistent.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A refusal the emulator sends back as the service's JSON error body."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


def bad_request(message: str, *, param: str | None = None, code: str | None = None) -> ApiError:
    return ApiError(400, message, param=param, code=code)


def not_found(message: str, *, param: str | None = None, code: str | None = None) -> ApiError:
    return ApiError(404, message, param=param, code=code)


def unauthorized(message: str, *, code: str) -> ApiError:
    return ApiError(401, message, code=code)


def rate_limited(message: str, retry_after_seconds: float) -> ApiError:
    """429 with both retry headers: the SDK prefers `retry-after-ms`, other clients read `retry-after`."""
    whole_seconds = max(1, int(-(-retry_after_seconds // 1)))
    headers = {
        "retry-after-ms": str(max(0, int(round(retry_after_seconds * 1000)))),
        "retry-after": str(whole_seconds),
    }
    return ApiError(429, message, type="requests", code="rate_limit_exceeded", headers=headers)


def server_error(message: str) -> ApiError:
    return ApiError(500, message, type="server_error", code="internal_error")
