"""The service's error envelope per API style, so the SDK maps every refusal to the right exception
class and a client sees the body its style documents.

Handlers raise `ApiError` (style-free); the HTTP layer renders it with `body(style)` for the request's
URL style [facts §7]:
- OpenAI `/v1`:  `{"error": {"message", "type", "param", "code"}}` (all four keys, `Error` schema)
- Azure dated:   `{"error": {"code", "message", "target"}}`, `code` from the dated `ErrorCode` list
- Azure v1:      `{"error": {"code", "message", "param", "type": "error"}}` (`AzureErrorResponse`)
Keeping one constructor per status keeps the wording of `type` and the dated code consistent.
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
        azure_code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = dict(headers or {})
        if azure_code is not None and azure_code not in AZURE_ERROR_CODES | AZURE_INFERENCE_CODES:
            raise ValueError(f"{azure_code!r} is not in the dated API's ErrorCode list")
        if azure_code is None and code in AZURE_INFERENCE_CODES:
            azure_code = code  # an Azure inference code (e.g. DeploymentNotFound) is the dated code as is
        self.azure_code = azure_code or _AZURE_CODE_BY_STATUS.get(status, "invalidPayload")

    def body(self, style: str | None = None) -> dict[str, Any]:
        """The error body of `style` ("openai" | "azure_dated" | "azure_v1"; None = OpenAI's)."""
        if style == "azure_dated":
            # [facts §7] dated `Error`: code (ErrorCode enum), message, target; no param/type.
            error: dict[str, Any] = {"code": self.azure_code, "message": self.message}
            if self.param is not None:
                error["target"] = self.param
            return {"error": error}
        if style == "azure_v1":
            # [facts §7] v1 `AzureErrorResponse`: code, message, param, type "error".
            return {"error": {"code": self.code or self.azure_code, "message": self.message, "param": self.param, "type": "error"}}
        # [facts §7] OpenAI `Error`: message, type, param, code, all required (param/code nullable).
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


# [facts §7] the dated API's `ErrorCode` enum (#/definitions/ErrorCode).
AZURE_ERROR_CODES = frozenset({
    "conflict", "invalidPayload", "forbidden", "notFound", "unexpectedEntityState", "itemDoesAlreadyExist",
    "serviceUnavailable", "internalFailure", "quotaExceeded", "jsonlValidationFailed", "fileImportFailed",
    "tooManyRequests", "unauthorized", "contentFilter",
})
# Codes of Azure's inference endpoints (chat completions on a deployment), outside the fine-tuning
# authoring spec's ErrorCode enum: passed through unchanged on the Azure styles.
AZURE_INFERENCE_CODES = frozenset({"DeploymentNotFound"})
_AZURE_CODE_BY_STATUS = {
    400: "invalidPayload", 401: "unauthorized", 403: "forbidden", 404: "notFound", 409: "conflict",
    429: "tooManyRequests", 500: "internalFailure", 503: "serviceUnavailable",
}


def bad_request(message: str, *, param: str | None = None, code: str | None = None, azure_code: str | None = None) -> ApiError:
    return ApiError(400, message, param=param, code=code, azure_code=azure_code)


def wrong_state(message: str, *, param: str | None = None, code: str = "invalid_job_state") -> ApiError:
    """A request the object's current state does not allow (dated code `unexpectedEntityState`)."""
    return ApiError(400, message, param=param, code=code, azure_code="unexpectedEntityState")


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
