"""The one place that builds Azure Resource Manager clients (management SDKs) for a service profile.

Deployments cannot be managed with an API key: Resource Manager only takes Microsoft Entra ID
tokens. The demo service's emulator takes its own key as a bearer token, so the demo can show
deployments without an Azure account.

azure-core refuses to send a bearer token over plain http. The emulator (tests, the demo) serves
http on loopback only, so for loopback URLs every call passes azure-core's per-operation option
`enforce_https=False`; every other URL keeps the refusal.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from studio.core.errors import ServiceError
from studio.service.credentials import DEMO_API_KEY, entra_credential
from studio.service.deployments.errors import API_KEY_CANNOT_MANAGE
from studio.service.profile import ServiceProfile

DEFAULT_MANAGEMENT_ENDPOINT = "https://management.azure.com"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class StaticTokenCredential:
    """A TokenCredential with a fixed token: the demo service's emulator (and tests)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken(self._token, int(time.time()) + 3600)

    def __repr__(self) -> str:
        return "StaticTokenCredential(<hidden>)"


def supports_deployments(profile: ServiceProfile) -> bool:
    """Azure resources (either API style) and the demo have deployments; OpenAI calls models directly."""
    return profile.is_azure or profile.kind == "demo"


def management_base_url(profile: ServiceProfile) -> str:
    if profile.kind == "demo":
        from studio.service.demo import demo_base_url

        return demo_base_url().rstrip("/").removesuffix("/v1")
    return (profile.management_endpoint or DEFAULT_MANAGEMENT_ENDPOINT).rstrip("/")


def management_credential(profile: ServiceProfile) -> Any:
    """The credential Resource Manager accepts for this profile, or a ServiceError saying why none."""
    if not supports_deployments(profile):
        raise ServiceError("OpenAI has no deployments: a fine-tuned model or checkpoint is called directly by its id.")
    if profile.kind == "demo":
        return StaticTokenCredential(DEMO_API_KEY)
    if profile.auth != "entra":
        raise ServiceError(API_KEY_CANNOT_MANAGE)
    return entra_credential(profile.entra_method, profile.tenant_id)


def call_options(base_url: str) -> dict[str, Any]:
    """Per-operation options for every management call against `base_url` (see module docstring)."""
    parts = urlsplit(base_url)
    if parts.scheme == "http" and (parts.hostname or "") in _LOOPBACK:
        return {"enforce_https": False}
    return {}


def _scopes(base_url: str) -> list[str]:
    if urlsplit(base_url).scheme == "http":
        return [DEFAULT_MANAGEMENT_ENDPOINT + "/.default"]
    return [base_url.rstrip("/") + "/.default"]


def cognitive_client(credential: Any, subscription_id: str, base_url: str) -> Any:
    """azure-mgmt-cognitiveservices client for one subscription."""
    from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient

    return CognitiveServicesManagementClient(credential, subscription_id, base_url=base_url,
                                             credential_scopes=_scopes(base_url))


def subscription_client(credential: Any, base_url: str) -> Any:
    from azure.mgmt.resource.subscriptions import SubscriptionClient

    return SubscriptionClient(credential, base_url=base_url, credential_scopes=_scopes(base_url))
