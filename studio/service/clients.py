"""The one place that builds the SDK client for a `ServiceProfile`, and the checks built on it.

All four kinds go through the official `openai` SDK and the same code path afterwards (see
`studio.service.profile` for what each kind means). `max_retries=0` on every client:
`studio.service.retry.call_with_retry` is the only retry policy.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import openai

from studio.core.errors import CredentialError
from studio.service.credentials import Credentials
from studio.service.errors import describe, service_error
from studio.service.profile import ServiceProfile
from studio.service import wire
from studio.service.model_names import base_model_of
from studio.service.retry import RetryPolicy, call_with_retry

DEFAULT_TIMEOUT = 60.0


def make_client(
    profile: ServiceProfile,
    credentials: Credentials,
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> openai.OpenAI:
    """An SDK client for the profile. `max_retries=0`: `retry.call_with_retry` is the only retry policy.

    With STUDIO_STRICT_SDK=1 (the test suite sets it) the client validates every typed answer against
    the SDK's own types, so a response shape the SDK rejects fails a test instead of reading as None.
    """
    common: dict[str, Any] = {"max_retries": 0, "timeout": timeout, "_strict_response_validation": strict_responses()}
    if profile.kind == "azure":
        if credentials.token_provider is not None:
            return openai.AzureOpenAI(
                azure_endpoint=profile.resource_endpoint(),
                api_version=profile.api_version,
                azure_ad_token_provider=credentials.token_provider,
                **common,
            )
        return openai.AzureOpenAI(
            azure_endpoint=profile.resource_endpoint(),
            api_version=profile.api_version,
            api_key=_key(credentials, profile),
            **common,
        )
    if profile.kind == "demo":
        from studio.service.demo import demo_base_url

        return openai.OpenAI(base_url=demo_base_url(), api_key=_key(credentials, profile), **common)
    api_key = credentials.token_provider if credentials.token_provider is not None else _key(credentials, profile)
    extra: dict[str, Any] = {}
    if profile.kind == "openai":
        extra = {"organization": profile.organization or None, "project": profile.project or None}
    return openai.OpenAI(base_url=profile.base_url(), api_key=api_key, **extra, **common)


def strict_responses() -> bool:
    """Whether SDK clients validate answers strictly (tests and diagnostics; off for users)."""
    return os.environ.get("STUDIO_STRICT_SDK", "").strip() == "1"


def _key(credentials: Credentials, profile: ServiceProfile) -> str:
    if credentials.api_key is None:
        raise CredentialError(f"No API key for {profile.display_name()}. Sign in first.")
    return credentials.api_key.reveal()


# -- checks the settings dialog and the wizard call -------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConnectionResult:
    ok: bool
    message: str


def test_connection(profile: ServiceProfile, credentials: Credentials) -> ConnectionResult:
    """List one fine-tuning job: proves address, API version, credentials and permission in one call."""
    try:
        client = make_client(profile, credentials, timeout=20.0)
        # read raw: the answer's job objects are in the style's own shape (see `service.wire`)
        call_with_retry(lambda: wire.call(lambda: client.fine_tuning.jobs.with_raw_response.list(limit=1)),
                        policy=RetryPolicy(max_attempts=2))
    except CredentialError as error:
        return ConnectionResult(False, str(error))
    except Exception as error:  # noqa: BLE001 - every failure becomes a message for the user
        return ConnectionResult(False, describe(error, profile, "list fine-tuning jobs", credentials))
    return ConnectionResult(True, f"Connected to {profile.display_name()}.")


test_connection.__test__ = False  # type: ignore[attr-defined]  # not a pytest test despite the name


@dataclass(frozen=True, slots=True)
class FineTunedModel:
    """A model this account already fine-tuned: a valid base for continuous fine-tuning."""

    model_id: str
    base_model: str
    job_id: str
    created_at: int


def list_fine_tuned_models(
    profile: ServiceProfile, credentials: Credentials, *, max_jobs: int = 500
) -> list[FineTunedModel]:
    """Succeeded jobs' `fine_tuned_model`, newest first, looking at up to `max_jobs` jobs.

    `base_model` is the original base even for a model tuned from a tuned model: both name families
    (`ft:<base>:...` and `<base>.ft-<hex>`, api-spec-facts §2) are read by `model_names`.
    """
    client = make_client(profile, credentials)
    found: list[FineTunedModel] = []
    try:
        for job in wire.iter_jobs(client, max_jobs=max_jobs):
            if job.status == "succeeded" and job.fine_tuned_model:
                base = base_model_of(job.fine_tuned_model) or base_model_of(job.model or "")
                found.append(FineTunedModel(job.fine_tuned_model, base, job.id, int(job.created_at or 0)))
    except Exception as error:  # noqa: BLE001
        raise service_error(error, profile, "list your fine-tuned models", credentials) from None
    found.sort(key=lambda m: m.created_at, reverse=True)
    return found
