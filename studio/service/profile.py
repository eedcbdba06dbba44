"""Which fine-tuning service to talk to: the `ServiceProfile` type, plain data without the SDK.

A module of its own so everything that only names a service (settings, credentials, error texts,
the UI's choices) can import it without importing `openai` (about a second) and without an import
cycle; the SDK client is built from it in `studio.service.clients`. The four kinds:
- "openai":   `OpenAI(base_url=...)` (default https://api.openai.com/v1), API key, optional org/project.
- "azure":    `AzureOpenAI(azure_endpoint, api_version)` — the dated API, needed for pause/resume and
              training tiers; API key (`api-key` header) or Entra ID token provider.
- "azure_v1": `OpenAI(base_url="<endpoint>/openai/v1/")` — Azure's v1 API; an Entra token provider
              is passed as the callable `api_key`, which the SDK sends as a Bearer token.
- "demo":     the project's own emulator, started in this process with its data kept in the user's
              data folder, so a new user can try the whole flow without an account.

A `ServiceProfile` holds no secret and is plain JSON, so callers may keep it in the project or in
QSettings; the secret comes separately as `Credentials`.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields, replace
from typing import Mapping

from studio.core.errors import ServiceError

KINDS = ("openai", "azure", "azure_v1", "demo")
DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1"
DEFAULT_AZURE_API_VERSION = "2025-04-01-preview"

BASE_MODELS = ("gpt-4o-2024-08-06", "gpt-4.1-2025-04-14")
AZURE_TRAINING_TYPES = {"standard": None, "global": "globalstandard", "developer": "developerTier"}


@dataclass(frozen=True, slots=True)
class ServiceProfile:
    kind: str = "azure"
    endpoint: str = ""  # openai: base URL; azure/azure_v1: resource endpoint (https://RES.openai.azure.com)
    api_version: str = DEFAULT_AZURE_API_VERSION  # azure (dated) only
    auth: str = "api_key"  # "api_key" | "entra" (azure kinds)
    entra_method: str = "default"  # "default" | "browser" | "device_code"
    tenant_id: str | None = None
    organization: str | None = None  # openai only
    project: str | None = None  # openai only
    name: str = ""
    # Where the Azure resource lives in Resource Manager (deployments): found from the endpoint or
    # entered once; not secrets. `management_endpoint` "" means https://management.azure.com.
    subscription_id: str = ""
    resource_group: str = ""
    account_name: str = ""
    management_endpoint: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ServiceError(f"Unknown service kind {self.kind!r}; choose one of: {', '.join(KINDS)}.")
        if self.auth not in ("api_key", "entra"):
            raise ServiceError(f"Unknown sign-in method {self.auth!r}; use an API key or Microsoft Entra ID.")
        if self.kind in ("azure", "azure_v1") and not self.endpoint:
            raise ServiceError(
                "Azure OpenAI needs the resource endpoint, e.g. https://my-resource.openai.azure.com."
            )

    # -- serialisation ------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: Mapping) -> "ServiceProfile":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    @classmethod
    def from_json(cls, text: str) -> "ServiceProfile":
        return cls.from_dict(json.loads(text))

    # -- derived ------------------------------------------------------------------------------------

    @property
    def is_azure(self) -> bool:
        return self.kind in ("azure", "azure_v1")

    @property
    def supports_pause(self) -> bool:
        """Pause/resume is documented for the dated Azure API (2025-04-01-preview) and OpenAI."""
        return self.kind != "azure" or self.api_version >= "2025-04-01"

    @property
    def supports_training_type(self) -> bool:
        """`trainingType` is documented for the dated Azure API only (api-spec-facts §1)."""
        return self.kind == "azure"

    def resource_endpoint(self) -> str:
        """The Azure resource root, without any /openai/... suffix."""
        url = self.endpoint.strip().rstrip("/")
        for suffix in ("/openai/v1", "/openai"):
            if url.lower().endswith(suffix):
                url = url[: -len(suffix)]
        return url

    def base_url(self) -> str:
        """The URL an `OpenAI` client uses (openai and azure_v1 kinds)."""
        if self.kind == "openai":
            return (self.endpoint or DEFAULT_OPENAI_BASE_URL).rstrip("/")
        if self.kind == "azure_v1":
            return self.resource_endpoint() + "/openai/v1/"
        raise ServiceError(f"A {self.kind} profile has no OpenAI-style base URL.")

    def credential_account(self) -> str:
        """Keyring user name: one key per resource, shared by Azure's dated and v1 APIs."""
        family = "azure" if self.is_azure else self.kind
        where = self.resource_endpoint() if self.is_azure else (self.endpoint or DEFAULT_OPENAI_BASE_URL)
        return f"{family}:{where.rstrip('/').lower()}"

    def display_name(self) -> str:
        if self.name:
            return self.name
        if self.kind == "demo":
            return "Demo service (local emulator)"
        if self.kind == "openai":
            return "OpenAI" if not self.endpoint or self.endpoint.rstrip("/") == DEFAULT_OPENAI_BASE_URL else f"OpenAI at {self.endpoint}"
        host = self.resource_endpoint().split("//", 1)[-1]
        return f"Azure OpenAI ({host}{', v1 API' if self.kind == 'azure_v1' else ''})"

    def with_name(self, name: str) -> "ServiceProfile":
        return replace(self, name=name)


def profile_from_env(env: Mapping[str, str] | None = None) -> ServiceProfile | None:
    """The profile the SDK's standard environment variables describe, if any (used by the CLI)."""
    env = os.environ if env is None else env
    azure = env.get("AZURE_OPENAI_ENDPOINT", "").strip()
    if azure:
        return ServiceProfile(
            kind="azure", endpoint=azure, api_version=env.get("OPENAI_API_VERSION", "").strip() or DEFAULT_AZURE_API_VERSION
        )
    base = env.get("OPENAI_BASE_URL", "").strip()
    if base or env.get("OPENAI_API_KEY", "").strip():
        return ServiceProfile(kind="openai", endpoint=base)
    return None


PROFILE_SETTING = "service.profile"


def project_profile(store) -> ServiceProfile | None:
    """The service profile last used with this project (saved by a submit), if any."""
    saved = store.get_setting(PROFILE_SETTING, None)
    try:
        return ServiceProfile.from_dict(saved) if saved else None
    except (ServiceError, TypeError):
        return None


def save_project_profile(store, profile: ServiceProfile) -> None:
    """Remember the profile in the project (non-secret JSON only)."""
    store.set_setting(PROFILE_SETTING, profile.to_dict())
