"""Deployments inside the real main window: the Fine-tune menu entries, and Deploy… in a finished
job's window opening the Deploy dialog with that job's model and checkpoints."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "service"))
from memory_keyring import memory_keyring  # noqa: E402,F401 - autouse fixture
from qt_isolation import qt_settings_in_tmp  # noqa: E402,F401 - autouse fixture
from service_helpers import make_labeled_project  # noqa: E402

from studio.core.store.job_records import CheckpointRecord  # noqa: E402
from studio.core.store.project_store import ProjectStore  # noqa: E402
from studio.emulator import EmulatorServer  # noqa: E402
from studio.service.deployments import open_manager  # noqa: E402
from studio.service.deployments.management import StaticTokenCredential  # noqa: E402
from studio.service.profile import ServiceProfile  # noqa: E402
from studio.ui.app import settings as app_settings  # noqa: E402
from studio.ui.deployments.integration import install_deployments  # noqa: E402
from studio.ui.finetune.integration import install_finetune  # noqa: E402
from studio.ui.window.main_window import MainWindow  # noqa: E402


@pytest.fixture
def server():
    with EmulatorServer(step_seconds=0.005, api_keys=["tok"]) as srv:
        yield srv


def test_menu_entries_and_deploy_from_a_job_window(qtbot: Any, tmp_path: Path, server: EmulatorServer) -> None:
    path = make_labeled_project(tmp_path / "proj")
    model = "gpt-4o-2024-08-06.ft-0123456789abcdef0123456789abcdef"
    with ProjectStore.open(path) as store:
        store.jobs.upsert_job("ftjob-0123456789abcdef0123456789abcdef", status="succeeded", fine_tuned_model=model,
                              base_model="gpt-4o-2024-08-06", created_at=time.time() - 600, profile={"kind": "azure"})
        store.jobs.add_checkpoints([CheckpointRecord("ftchkpt-a", "ftjob-0123456789abcdef0123456789abcdef", time.time(), 20,
                                                     f"{model}:ckpt-step-20")])
    profile = ServiceProfile(kind="azure", endpoint=server.azure_endpoint, auth="entra", management_endpoint=server.arm_base_url)
    app_settings.save_profile(profile)

    window = MainWindow(thumb_dir=tmp_path / "thumbs", auto_scan=False, restore_layout=False)
    qtbot.addWidget(window)
    finetune = install_finetune(window, confirm=lambda *a: True)
    finetune.credentials.set_token_provider(profile, lambda: "tok")
    deployments = install_deployments(window, finetune, confirm=lambda *a: True, manager_factory=lambda p, s: open_manager(
        p, s, credential=StaticTokenCredential("tok"), poll_interval=0.05))
    texts = [a.text() for a in window.finetune_menu.actions()]
    assert "Deployments\u2026" in texts and "Try it\u2026" in texts
    assert not deployments.action_deployments.isEnabled()  # no project yet
    assert window.open_path(path)
    assert deployments.action_deployments.isEnabled() and deployments.action_try.isEnabled()

    view = finetune.open_job("ftjob-0123456789abcdef0123456789abcdef")
    assert view is not None
    view.deploy_button.click()
    dep_window = deployments.deployments_window
    assert dep_window is not None and dep_window.isVisible()
    dialog = dep_window.deploy_dialog
    assert dialog is not None and dialog.chosen_target() is not None
    assert dialog.chosen_target().model == model
    assert [dialog.model_combo.itemData(i).model for i in range(dialog.model_combo.count())] == [model, f"{model}:ckpt-step-20"]
    dialog.close()
    qtbot.waitUntil(lambda: dep_window.task is None, timeout=20_000)
    view.close()
    window.close_project()
    assert deployments.deployments_window is None and not deployments.action_deployments.isEnabled()
