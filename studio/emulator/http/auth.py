"""Request authentication: no request is served without the header its style expects.

OpenAI style takes only `Authorization: Bearer <key>`. Azure styles take `api-key: <key>` (key auth) or
`Authorization: Bearer <token>` (Microsoft Entra ID). Credentials are never echoed in error messages.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from studio.emulator.http.errors import unauthorized
from studio.emulator.http.url_styles import ApiStyle


def _bearer_token(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization")
    if value is None:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer":
        return ""
    return token.strip()


def check_auth(headers: Mapping[str, str], style: ApiStyle, accepted: Collection[str] | None) -> None:
    """Raise 401 unless the request carries an accepted credential in a header its style allows.

    `headers` must have lower-case names. `accepted=None` accepts any non-empty credential.
    """
    candidates: list[str] = []
    token = _bearer_token(headers)
    if token is not None:
        candidates.append(token)
    # [facts §7 auth] OAI: Bearer only; AZD: `api-key` header or OAuth2 bearer; AZ1: ApiKeyAuth or OAuth2.
    if style.is_azure and "api-key" in headers:
        candidates.append(headers["api-key"].strip())

    if not candidates:
        if style.is_azure:
            message = (
                "Access denied due to missing subscription key or token. Send an 'api-key' header "
                "or an 'Authorization: Bearer <token>' header."
            )
        else:
            message = (
                "You didn't provide an API key. Send it in an Authorization header using Bearer auth "
                "(Authorization: Bearer YOUR_KEY)."
            )
        raise unauthorized(message, code="missing_api_key")

    for value in candidates:
        if value and (accepted is None or value in accepted):
            return
    raise unauthorized(
        "Access denied due to an invalid API key or token. Check the key (or sign in again) and the endpoint.",
        code="invalid_api_key",
    )
