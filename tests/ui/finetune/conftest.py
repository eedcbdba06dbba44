"""Fixtures for the fine-tune UI tests: in-memory keyring, an emulator on a fast manual clock,
a labeled project, the user's service set to that emulator, and a controller with short timings."""

from __future__ import annotations

import pytest
from memory_keyring import memory_keyring  # noqa: F401 - autouse fixture
from qt_isolation import qt_settings_in_tmp  # noqa: F401 - autouse fixture


from finetune_ui_helpers import API_KEY, FAST, FastClock, make_project
from studio.core.store.project_store import ProjectStore
from studio.emulator import EmulatorServer, ManualClock
from studio.service.profile import ServiceProfile
from studio.ui.app import settings as app_settings
from studio.ui.finetune.controller import FinetuneController
from studio.ui.finetune.credentials import FinetuneCredentials
from studio.ui.labeling.session import ProjectSession


@pytest.fixture
def emulator():
    """Emulator with 1 s per training step on a manual clock that a thread moves 40x faster."""
    clock = ManualClock()
    srv = EmulatorServer(step_seconds=1.0, clock=clock, api_keys=[API_KEY]).start()
    fast = FastClock(clock, rate=40.0)
    srv.fast = fast
    yield srv
    fast.stop()
    srv.stop()


@pytest.fixture
def project_path(tmp_path):
    return make_project(tmp_path / "proj", {"circle": 8, "square": 8}, magenta=("square_03.jpg",))


@pytest.fixture
def openai_profile(emulator):
    """The user's service: OpenAI-style client at the emulator, key in the (memory) keyring."""
    profile = ServiceProfile(kind="openai", endpoint=emulator.base_url)
    FinetuneCredentials().save_key(profile, API_KEY)
    app_settings.save_profile(profile)
    return profile


@pytest.fixture
def make_controller(qtbot):
    made = []

    def make(path, read_only=False, **kw):
        """A controller over a labeling session on `path`, as the app makes it for an open project."""
        session = ProjectSession(ProjectStore.open(path, read_only=read_only))
        controller = FinetuneController(session, config=kw.pop("config", FAST), **kw)
        made.append((controller, session))
        return controller

    yield make
    for controller, session in made:
        controller.close()
        session.close()
