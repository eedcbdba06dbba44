"""An in-memory keyring for tests: a real keyring backend that can never touch disk."""

from __future__ import annotations

import keyring
import keyring.backend
import pytest


class MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 10

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.passwords.get((service, username))

    def set_password(self, service, username, password):
        self.passwords[(service, username)] = password

    def delete_password(self, service, username):
        self.passwords.pop((service, username), None)


@pytest.fixture(autouse=True)
def memory_keyring():
    """A fresh in-memory keyring and no session secrets for every test of the conftest importing this."""
    from studio.service.credentials import forget_session_secrets

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    forget_session_secrets()
    yield backend
    forget_session_secrets()
    keyring.set_keyring(previous)
