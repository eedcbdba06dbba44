"""Turn SDK exceptions into messages a non-programmer can act on.

One mapping for the whole service layer, so "wrong key" reads the same in the connection test, the
submit wizard and the job monitor. The service's own message is quoted because it is often the
only explanation (e.g. a file validation failure), but it is scrubbed of any secret first: nothing
guarantees an endpoint will not echo a header back.
"""

from __future__ import annotations

import openai

from studio.core.errors import ServiceError
from studio.service.credentials import Credentials, scrub
from studio.service.profile import ServiceProfile


def _error_fields(error: openai.APIStatusError) -> dict:
    """The inner error object of any style's body [facts §7]: OpenAI {message,type,param,code},
    Azure dated {code,message,target}, Azure v1 {code,message,param,type}. The SDK hands us either the
    whole body or its `error` member."""
    body = error.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            return inner
    return {}


def _server_message(error: openai.APIStatusError) -> str:
    inner = _error_fields(error)
    if inner.get("message"):
        return str(inner["message"])
    return str(getattr(error, "message", "") or "")


# What to do, by the service's error code (OpenAI codes and the dated API's `ErrorCode` list, [facts §7]).
_WHAT_TO_DO = {
    "model_not_available": "Choose a base model the service offers for vision fine-tuning (gpt-4o-2024-08-06 or "
                           "gpt-4.1-2025-04-14) or one of your own fine-tuned models.",
    "invalid_job_state": "The job is not in a state that allows this right now; wait a moment, refresh the job and try again.",
    "unexpectedEntityState": "The job is not in a state that allows this right now; wait a moment, refresh the job and try again.",
    "unknown_parameter": "This API version does not accept a setting the studio sent; choose another API style in the "
                         "service settings (e.g. the dated Azure API) or leave that setting at its default.",
    "invalid_file_id": "The uploaded file is gone from the service; retry the submission (the dataset is uploaded again).",
    "file_not_ready": "The service is still checking the uploaded file; wait a minute and retry the submission.",
    "invalid_file_format": "Only .jsonl files can be used for fine-tuning; export the dataset again.",
    "jsonlValidationFailed": "Fix the dataset lines named in the message, then submit again.",
    "fileImportFailed": "The service could not fetch the file; upload it instead.",
    "quotaExceeded": "The fine-tuning quota of this resource is used up: wait for running jobs to finish or ask for more quota.",
    "conflict": "Something changed on the service at the same time; refresh and try again.",
    "itemDoesAlreadyExist": "It already exists on the service; refresh the list instead of creating it again.",
    "contentFilter": "The service's content filter refused the data; remove the flagged examples and submit again.",
    "tooManyRequests": "Wait a minute and retry.",
}
# The dated API's codes are coarse (`invalidPayload` for any bad value), so the field decides there.
_WHAT_TO_DO_BY_FIELD = {
    "model": _WHAT_TO_DO["model_not_available"],
    "training_file": "Retry the submission; if it fails again, export and upload the dataset afresh.",
    "validation_file": "Retry the submission; if it fails again, export and upload the dataset afresh.",
    "suffix": "Use a shorter model suffix of letters, digits, '-' and '_'.",
    "trainingType": "Choose the Standard training type, or another tier your resource offers.",
}
_DEFAULT_400 = "Check the value named above, change it and try again."


def _field_and_hint(error: openai.APIStatusError) -> str:
    inner = _error_fields(error)
    field = inner.get("param") or inner.get("target")
    code = str(inner.get("code") or "")
    text = f" (field: {field})" if field else ""
    hint = (_WHAT_TO_DO.get(code) or _WHAT_TO_DO_BY_FIELD.get(str(field or ""))
            or (_DEFAULT_400 if error.status_code in (400, 422) else ""))
    return text + (f". {hint}" if hint else "")


def _is_entra_failure(error: BaseException) -> bool:
    try:
        from azure.core.exceptions import ClientAuthenticationError
    except ImportError:  # pragma: no cover - azure-identity is a declared dependency
        return False
    return isinstance(error, ClientAuthenticationError)


def describe(error: BaseException, profile: ServiceProfile, action: str = "contact the service",
             credentials: Credentials | None = None) -> str:
    """A one-paragraph explanation: what happened while doing `action`, and what to do about it."""
    where = profile.display_name()
    if isinstance(error, openai.APITimeoutError):
        text = f"{where} did not answer in time while trying to {action}. Check your network and try again."
    elif isinstance(error, openai.APIConnectionError):
        text = (
            f"Could not reach {where} to {action}. Check the endpoint address, your network and any "
            f"proxy, then try again."
        )
    elif isinstance(error, openai.AuthenticationError):
        text = (
            f"{where} rejected the credentials (401). "
            + ("Sign in again with Microsoft Entra ID." if profile.auth == "entra" else "Check the API key and sign in again.")
        )
    elif isinstance(error, openai.PermissionDeniedError):
        text = (
            f"{where} accepted the sign-in but refused to {action} (403). "
            + ("Ask for the 'Cognitive Services OpenAI Contributor' role on the resource."
               if profile.is_azure else "Check that the key's project may use fine-tuning.")
            + f" Service said: {_server_message(error)}"
        )
    elif isinstance(error, openai.NotFoundError):
        text = (
            f"{where} answered, but not with the fine-tuning API (404) while trying to {action}. "
            + ("Check the endpoint URL and the API version (e.g. 2025-04-01-preview)."
               if profile.kind == "azure" else "Check the endpoint / base URL.")
            + f" Service said: {_server_message(error)}"
        )
    elif isinstance(error, openai.RateLimitError):
        text = f"{where} is rate-limiting requests (429) and kept doing so while trying to {action}. Wait a minute and retry."
    elif isinstance(error, openai.InternalServerError):
        text = f"{where} had an internal error ({error.status_code}) while trying to {action}. Retry later."
    elif isinstance(error, openai.APIStatusError):
        text = f"{where} refused to {action} ({error.status_code}): {_server_message(error).rstrip('. ')}{_field_and_hint(error)}"
    elif isinstance(error, ServiceError):
        text = str(error)
    elif _is_entra_failure(error):
        text = (
            f"Microsoft Entra sign-in for {where} failed: {error}. Sign in again (browser or device code), "
            "or run 'az login' when using the default sign-in."
        )
    else:
        text = f"Could not {action}: {type(error).__name__}: {error}"
    return scrub(text, credentials.secret_values() if credentials else ())


def service_error(error: BaseException, profile: ServiceProfile, action: str,
                  credentials: Credentials | None = None) -> ServiceError:
    """A `ServiceError` carrying `describe(...)`; raise it `from None` so the SDK chain stays out of UI text."""
    if isinstance(error, ServiceError):
        return error
    wrapped = ServiceError(describe(error, profile, action, credentials))
    wrapped.status_code = getattr(error, "status_code", None)
    return wrapped
