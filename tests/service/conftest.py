"""Fixtures for the service tests: an in-memory keyring (no test touches a real one), a labeled project, an emulator."""

from __future__ import annotations

import pytest
from memory_keyring import memory_keyring  # noqa: F401 - autouse fixture


from service_helpers import make_labeled_project
from studio.emulator import EmulatorServer


# -- a small labeled project and a running emulator -------------------------------------------------

@pytest.fixture
def project_path(tmp_path):
    return make_labeled_project(tmp_path / "proj")


@pytest.fixture
def emulator():
    with EmulatorServer(step_seconds=0.005, api_keys=["emu-key", "tok"]) as srv:
        yield srv
