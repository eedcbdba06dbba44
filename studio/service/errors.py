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


def _server_message(error: openai.APIStatusError) -> str:
    body = error.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
    return str(getattr(error, "message", "") or "")


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
        text = f"{where} refused to {action} ({error.status_code}): {_server_message(error)}"
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
