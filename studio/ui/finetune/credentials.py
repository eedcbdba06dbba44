"""Credentials as the fine-tune windows need them: status text, sign-in, and resolution for calls.

A thin layer over `studio.service.credentials`: API keys go to the keyring through
`CredentialStore` (or stay in memory when there is no safe keyring), and a Microsoft Entra sign-in is
kept as a token provider for the rest of the session (azure-identity caches the tokens in memory;
nothing is written by us). No widget here, so the wizard, the settings dialog and the job poller
share one instance and one truth about "signed in or not".
"""

from __future__ import annotations

import threading
from typing import Callable

from studio.core.errors import CredentialError
from studio.service.credentials import (
    CredentialStore,
    Credentials,
    TokenProvider,
    entra_token_provider,
    resolve_credentials,
)
from studio.service.profile import ServiceProfile

DeviceCodePrompt = Callable[[str, str, object], None]  # (verification uri, user code, expires on)


class FinetuneCredentials:
    def __init__(self, store: CredentialStore | None = None) -> None:
        self.store = store or CredentialStore()
        self._providers: dict[str, TokenProvider] = {}
        self._lock = threading.Lock()

    # -- questions the UI asks ----------------------------------------------------------------------

    def needs_sign_in(self, profile: ServiceProfile) -> bool:
        if profile.kind == "demo":
            return False
        if profile.auth == "entra":
            return profile.entra_method != "default" and self._provider(profile) is None
        return self.store.source_of(profile) is None

    def status_text(self, profile: ServiceProfile) -> str:
        """One line for the UI: where the credentials come from, or what is missing."""
        if profile.kind == "demo":
            return "No account needed: the demo service runs on this computer."
        if profile.auth == "entra":
            if self._provider(profile) is not None:
                return "Signed in with Microsoft Entra ID for this session."
            if profile.entra_method == "default":
                return "Uses your existing Azure sign-in (Azure CLI, environment or managed identity)."
            return "Not signed in. Click \u201cSign in\u2026\u201d to sign in with Microsoft Entra ID."
        source = self.store.source_of(profile)
        if source == "keyring":
            return "API key saved in the system keyring."
        if source == "session":
            return "API key kept for this session only (no system keyring available)."
        return "No API key saved. Click \u201cSign in\u2026\u201d to enter it."

    @property
    def keyring_message(self) -> str:
        return self.store.status_message()

    # -- changes ------------------------------------------------------------------------------------

    def save_key(self, profile: ServiceProfile, key: str) -> bool:
        """Store the key; True when it went to the keyring, False when kept for this session only."""
        return self.store.save(profile, key)

    def forget(self, profile: ServiceProfile) -> None:
        self.store.delete(profile)
        with self._lock:
            self._providers.pop(profile.credential_account(), None)

    def sign_in_entra(self, profile: ServiceProfile, device_code_prompt: DeviceCodePrompt | None = None) -> None:
        """Interactive Entra sign-in (browser or device code); blocks until a token was obtained.

        Run it on a worker thread. The first token is fetched here so a wrong tenant or a closed
        browser window fails now, with a message, instead of at the first upload.
        """
        provider = entra_token_provider(profile.entra_method, profile.tenant_id, device_code_prompt)
        try:
            provider()
        except Exception as error:  # noqa: BLE001 - azure-identity raises many types
            raise CredentialError(
                f"Microsoft Entra sign-in did not complete ({type(error).__name__}). Check the tenant, "
                "finish the sign-in in the browser or with the device code, and try again."
            ) from None
        with self._lock:
            self._providers[profile.credential_account()] = provider

    def set_token_provider(self, profile: ServiceProfile, provider: TokenProvider) -> None:
        """Use `provider` for this profile's Entra calls (tests, or a sign-in done elsewhere)."""
        with self._lock:
            self._providers[profile.credential_account()] = provider

    # -- what calls use -----------------------------------------------------------------------------

    def resolve(self, profile: ServiceProfile) -> Credentials:
        """Credentials for a call, or `CredentialError` saying how to sign in."""
        return resolve_credentials(profile, self.store, token_provider=self._provider(profile))

    def _provider(self, profile: ServiceProfile) -> TokenProvider | None:
        if profile.auth != "entra":
            return None
        with self._lock:
            return self._providers.get(profile.credential_account())
