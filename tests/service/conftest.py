"""Fixtures for the service tests: an in-memory keyring (no test touches a real one), a labeled project, an emulator."""

from __future__ import annotations

import keyring
import keyring.backend
import pytest

from service_helpers import make_labeled_project
from studio.emulator import EmulatorServer
from studio.service.credentials import forget_session_secrets


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that keeps passwords in a dict: a 'system keyring' that cannot touch disk."""

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
    """Every service test runs against a fresh in-memory keyring and no session secrets."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    forget_session_secrets()
    yield backend
    forget_session_secrets()
    keyring.set_keyring(previous)


# -- a small labeled project and a running emulator -------------------------------------------------

@pytest.fixture
def project_path(tmp_path):
    return make_labeled_project(tmp_path / "proj")


@pytest.fixture
def emulator():
    with EmulatorServer(step_seconds=0.005, api_keys=["emu-key", "tok"]) as srv:
        yield srv
