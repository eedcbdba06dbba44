"""Keys go to a safe keyring or stay in memory; they never show up in reprs or messages."""

import keyring
import keyring.backends.fail
import keyrings.alt.file
import pytest

from studio.core.errors import CredentialError
from studio.service.credentials import (
    KEYRING_SERVICE, Credentials, CredentialStore, Secret, resolve_credentials, safe_backend,
)
from studio.service.profile import ServiceProfile

KEY = "sk-test-SECRET-0123456789"
AZURE = ServiceProfile(kind="azure", endpoint="https://Res.openai.azure.com/")
AZURE_V1 = ServiceProfile(kind="azure_v1", endpoint="https://res.openai.azure.com/openai/v1/")


def test_saved_key_lands_in_keyring_under_profile_account(memory_keyring):
    store = CredentialStore()
    assert store.persistent
    assert store.save(AZURE, KEY) is True
    assert memory_keyring.passwords == {(KEYRING_SERVICE, "azure:https://res.openai.azure.com"): KEY}
    # the v1 API of the same resource shares the key
    assert store.load(AZURE_V1).reveal() == KEY
    creds = resolve_credentials(AZURE_V1, store)
    assert creds.source == "keyring" and creds.persistent
    store.delete(AZURE)
    assert store.load(AZURE) is None


@pytest.mark.parametrize("unsafe", [keyring.backends.fail.Keyring, keyrings.alt.file.PlaintextKeyring])
def test_without_a_safe_keyring_the_key_is_kept_for_the_session_only(unsafe, tmp_path, monkeypatch):
    backend = unsafe()
    if isinstance(backend, keyrings.alt.file.PlaintextKeyring):
        monkeypatch.setattr(type(backend), "file_path", str(tmp_path / "plain.cfg"), raising=False)
    keyring.set_keyring(backend)
    store = CredentialStore()
    assert not store.persistent
    assert "session only" in store.status_message()
    assert store.save(AZURE, KEY) is False
    assert not (tmp_path / "plain.cfg").exists()
    creds = resolve_credentials(AZURE, store)
    assert creds.api_key.reveal() == KEY and creds.source == "session" and not creds.persistent


def test_chainer_uses_only_its_safe_members(memory_keyring):
    class Chain:  # shaped like keyring.backends.chainer.ChainerBackend
        backends = [keyring.backends.fail.Keyring(), keyrings.alt.file.PlaintextKeyring(), memory_keyring]

    assert safe_backend(Chain()) is memory_keyring
    Chain.backends = Chain.backends[:2]
    assert safe_backend(Chain()) is None


def test_a_keyring_that_errors_falls_back_to_session(memory_keyring, monkeypatch):
    def boom(*a):
        raise RuntimeError(f"locked {a}")

    monkeypatch.setattr(memory_keyring, "set_password", boom)
    assert CredentialStore().save(AZURE, KEY) is False
    assert CredentialStore().load(AZURE).reveal() == KEY


def test_secrets_never_appear_in_repr_str_or_errors():
    creds = Credentials.from_key(KEY)
    for text in (repr(creds), str(creds), repr(creds.api_key), str(creds.api_key), f"{creds}", f"{[creds]}"):
        assert KEY not in text
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(Secret(KEY))
    with pytest.raises(CredentialError):
        Secret("  ")


def test_environment_wins_in_the_cli_and_is_not_stored(memory_keyring):
    CredentialStore().save(AZURE, "old-key-in-keyring")
    env = {"AZURE_OPENAI_API_KEY": KEY}
    creds = resolve_credentials(AZURE, use_env=True, env=env)
    assert creds.api_key.reveal() == KEY and creds.source == "environment"
    assert resolve_credentials(AZURE, use_env=False, env=env).api_key.reveal() == "old-key-in-keyring"
    assert KEY not in memory_keyring.passwords.values()


def test_missing_key_says_how_to_sign_in():
    with pytest.raises(CredentialError) as info:
        resolve_credentials(ServiceProfile(kind="openai"))
    assert "login openai" in str(info.value) and "OPENAI_API_KEY" in str(info.value)


def test_entra_uses_the_token_provider_and_no_key():
    profile = ServiceProfile(kind="azure", endpoint="https://r.openai.azure.com", auth="entra")
    creds = resolve_credentials(profile, token_provider=lambda: "tok")
    assert creds.api_key is None and creds.token_provider() == "tok" and creds.source == "entra"
