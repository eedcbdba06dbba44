"""Fixtures for the service tests: an in-memory keyring (no test touches a real one), a labeled project, an emulator."""

from __future__ import annotations

import keyring
import pytest

from memory_keyring import MemoryKeyring

from service_helpers import make_labeled_project
from studio.emulator import EmulatorServer
from studio.service.credentials import forget_session_secrets


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
