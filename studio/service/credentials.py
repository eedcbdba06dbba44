"""Where API keys live: the OS keyring, or this process's memory when there is no safe keyring.

Rules this module exists to enforce:
- A secret is written only to a keyring backend that keeps it out of plain files. The `keyrings.alt`
  file backends (plain text, or encrypted behind a terminal password prompt) and the fail/null
  backends do not count; on such a machine the secret is kept for this session only and
  `CredentialStore.persistent` is False so the UI can say "not saved: no system keyring".
- A secret is carried around as `Secret`, whose repr/str never show it, so that it cannot leak through
  logging, tracebacks, exception messages or `repr()` of an object that holds it. Only
  `Secret.reveal()` returns the value, and only the client factory calls it.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

import keyring
import keyring.backend
import keyring.errors

from studio.core.errors import CredentialError
from studio.service.profile import ServiceProfile

KEYRING_SERVICE = "vision-finetune-studio"

# Every secret this process has held, so any text leaving it (error messages, the crash log) can be
# scrubbed even when the code that wrote the text never saw the `Secret` object.
_SEEN: set[str] = set()


def scrub(text: str, secrets: Iterable[str] | None = None) -> str:
    """`text` with every secret (given, or else every one this process has held) replaced."""
    for secret in _SEEN if secrets is None else secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "<hidden>")
    return text


class Secret:
    """A string that refuses to be printed."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str) or not value.strip():
            raise CredentialError("The API key is empty. Paste the key again.")
        self._value = value.strip()
        _SEEN.add(self._value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret(<hidden>)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self):  # pickling would put the value into whatever file the pickle lands in
        raise TypeError("Secret cannot be pickled")


TokenProvider = Callable[[], str]


@dataclass(frozen=True, slots=True, repr=False)
class Credentials:
    """What a client needs to authenticate: an API key, or a bearer-token provider (Entra ID).

    `source` says where it came from ("keyring", "session", "environment", "entra", "demo",
    "given") so the UI can show it; `persistent` is False when the key lives only in memory.
    """

    api_key: Secret | None = None
    token_provider: TokenProvider | None = None
    source: str = "given"
    persistent: bool = True

    def __repr__(self) -> str:
        what = "api_key=<hidden>" if self.api_key else ("token_provider" if self.token_provider else "none")
        return f"Credentials(source={self.source!r}, {what})"

    __str__ = __repr__

    @classmethod
    def from_key(cls, key: str, source: str = "given") -> "Credentials":
        return cls(api_key=Secret(key), source=source)

    def secret_values(self) -> list[str]:
        """Strings that must never appear in output; used to scrub service messages."""
        return [self.api_key.reveal()] if self.api_key else []


# -- keyring with a session fallback ----------------------------------------------------------------

_UNSAFE_MODULE_PREFIXES = ("keyrings.alt", "keyring.backends.fail", "keyring.backends.null")


def _is_safe(backend: keyring.backend.KeyringBackend) -> bool:
    return not type(backend).__module__.startswith(_UNSAFE_MODULE_PREFIXES)


def safe_backend(backend: keyring.backend.KeyringBackend | None = None) -> keyring.backend.KeyringBackend | None:
    """The keyring backend secrets may go to, or None when only unsafe or failing ones exist.

    A chainer is unwrapped to its best safe member, so a plain-text file backend that happens to be
    in the chain never receives a write.
    """
    backend = backend if backend is not None else keyring.get_keyring()
    members = getattr(backend, "backends", None)
    if members is not None:  # keyring.backends.chainer.ChainerBackend
        for member in members:
            if _is_safe(member):
                return member
        return None
    return backend if _is_safe(backend) else None


_session: dict[str, Secret] = {}
_session_lock = threading.Lock()


class CredentialStore:
    """Save, load and forget API keys per service profile.

    Keys are stored under service name `KEYRING_SERVICE` with the profile's
    `credential_account()` (kind family + endpoint) as user name, so an Azure key entered once serves
    both the dated and the v1 API of the same resource.
    """

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None) -> None:
        self._explicit = backend

    def _backend(self) -> keyring.backend.KeyringBackend | None:
        try:
            return safe_backend(self._explicit)
        except Exception:  # noqa: BLE001 - a broken keyring install must not stop the app
            return None

    @property
    def persistent(self) -> bool:
        """True when saved keys survive a restart (a safe system keyring is available)."""
        return self._backend() is not None

    def status_message(self) -> str:
        if self.persistent:
            return "Keys are saved in the system keyring."
        return (
            "No system keyring is available, so keys are kept for this session only and must be "
            "entered again after a restart."
        )

    def save(self, profile: ServiceProfile, key: str | Secret) -> bool:
        """Store the key; returns True when it went to the keyring, False when kept for the session."""
        secret = key if isinstance(key, Secret) else Secret(key)
        account = profile.credential_account()
        backend = self._backend()
        if backend is not None:
            try:
                backend.set_password(KEYRING_SERVICE, account, secret.reveal())
                with _session_lock:
                    _session.pop(account, None)
                return True
            except Exception:  # noqa: BLE001 - locked/denied keyring: fall back, never echo the error
                pass
        with _session_lock:
            _session[account] = secret
        return False

    def load(self, profile: ServiceProfile) -> Secret | None:
        account = profile.credential_account()
        with _session_lock:
            if account in _session:
                return _session[account]
        backend = self._backend()
        if backend is None:
            return None
        try:
            value = backend.get_password(KEYRING_SERVICE, account)
        except Exception:  # noqa: BLE001
            return None
        return Secret(value) if value else None

    def source_of(self, profile: ServiceProfile) -> str | None:
        """"session", "keyring" or None: where `load` would find the key."""
        with _session_lock:
            if profile.credential_account() in _session:
                return "session"
        return "keyring" if self.load(profile) is not None else None

    def delete(self, profile: ServiceProfile) -> None:
        account = profile.credential_account()
        with _session_lock:
            _session.pop(account, None)
        backend = self._backend()
        if backend is None:
            return
        try:
            backend.delete_password(KEYRING_SERVICE, account)
        except keyring.errors.PasswordDeleteError:
            pass
        except Exception:  # noqa: BLE001
            pass


def forget_session_secrets() -> None:
    """Drop every session-only key (tests; "sign out everywhere")."""
    with _session_lock:
        _session.clear()


# -- Entra ID ---------------------------------------------------------------------------------------

ENTRA_SCOPE = "https://cognitiveservices.azure.com/.default"
ENTRA_METHODS = ("default", "browser", "device_code")


_credentials_cache: dict[tuple[str, str | None], Any] = {}
_credentials_lock = threading.Lock()


def entra_credential(
    method: str = "default",
    tenant_id: str | None = None,
    device_code_prompt: Callable[[str, str, object], None] | None = None,
) -> Any:
    """The azure-identity credential for a sign-in method, one per (method, tenant) per process.

    Shared on purpose: the data plane (Azure OpenAI) and Resource Manager (deployments) ask the same
    credential for tokens of different scopes, so the user signs in once. "default" suits machines
    already signed in (Azure CLI, managed identity, environment); "browser" and "device_code" are
    for a laptop user signing in interactively. Tokens are cached in memory by azure-identity and
    never written by us.
    """
    try:
        from azure.identity import DefaultAzureCredential, DeviceCodeCredential, InteractiveBrowserCredential
    except ImportError as exc:  # pragma: no cover - azure-identity is a declared dependency
        raise CredentialError("Microsoft Entra sign-in needs the azure-identity package.") from exc
    if method not in ENTRA_METHODS:
        raise CredentialError(
            f"Unknown Microsoft Entra sign-in method {method!r}; use one of: {', '.join(ENTRA_METHODS)}."
        )
    key = (method, tenant_id or None)
    with _credentials_lock:
        cached = _credentials_cache.get(key)
        if cached is not None and device_code_prompt is None:
            return cached
        kwargs: dict = {}
        if tenant_id:
            kwargs["tenant_id"] = tenant_id
        credential: Any
        if method == "default":
            credential = DefaultAzureCredential()
        elif method == "browser":
            credential = InteractiveBrowserCredential(**kwargs)
        else:
            if device_code_prompt is not None:
                kwargs["prompt_callback"] = device_code_prompt
            credential = DeviceCodeCredential(**kwargs)
        _credentials_cache[key] = credential
        return credential


def entra_token_provider(
    method: str = "default",
    tenant_id: str | None = None,
    device_code_prompt: Callable[[str, str, object], None] | None = None,
) -> TokenProvider:
    """A bearer-token callable for Azure OpenAI (the data plane), from `entra_credential`."""
    from azure.identity import get_bearer_token_provider

    credential = entra_credential(method, tenant_id, device_code_prompt)
    return get_bearer_token_provider(credential, ENTRA_SCOPE)


# -- resolving what a profile needs -----------------------------------------------------------------

DEMO_API_KEY = "demo-local-key"  # the local emulator's key; not a secret


def _env_key(profile: ServiceProfile, env: Mapping[str, str]) -> str | None:
    names = {
        "openai": ("OPENAI_API_KEY",),
        "azure": ("AZURE_OPENAI_API_KEY",),
        "azure_v1": ("AZURE_OPENAI_API_KEY", "OPENAI_API_KEY"),
    }.get(profile.kind, ())
    for name in names:
        value = env.get(name, "").strip()
        if value:
            return value
    return None


def resolve_credentials(
    profile: ServiceProfile,
    store: CredentialStore | None = None,
    *,
    use_env: bool = False,
    env: Mapping[str, str] | None = None,
    token_provider: TokenProvider | None = None,
) -> Credentials:
    """Find the credentials a profile needs, or raise `CredentialError` saying how to provide them.

    With `use_env` (the CLI), the SDK's standard environment variables win over the keyring, as
    automation expects; they are read, never stored. `token_provider` overrides Entra sign-in (tests,
    or a UI that already signed in).
    """
    if profile.kind == "demo":
        return Credentials(api_key=Secret(DEMO_API_KEY), source="demo")
    if profile.auth == "entra":
        if profile.kind == "openai":
            raise CredentialError("Microsoft Entra sign-in is only for Azure OpenAI; use an API key for OpenAI.")
        provider = token_provider or entra_token_provider(profile.entra_method, profile.tenant_id)
        return Credentials(token_provider=provider, source="entra")
    if use_env:
        value = _env_key(profile, os.environ if env is None else env)
        if value:
            return Credentials(api_key=Secret(value), source="environment", persistent=False)
    store = store or CredentialStore()
    secret = store.load(profile)
    if secret is not None:
        where = store.source_of(profile) or "keyring"
        return Credentials(api_key=secret, source=where, persistent=where == "keyring")
    hint = {
        "openai": "studio-cli login openai --api-key-stdin, or set OPENAI_API_KEY",
        "azure": f"studio-cli login azure --endpoint {profile.endpoint or 'URL'} --api-key-stdin, or set AZURE_OPENAI_API_KEY",
        "azure_v1": f"studio-cli login azure --endpoint {profile.endpoint or 'URL'} --api-key-stdin, or set AZURE_OPENAI_API_KEY",
    }.get(profile.kind, "sign in")
    raise CredentialError(
        f"No API key is saved for {profile.display_name()}. Sign in first ({hint})."
    )
