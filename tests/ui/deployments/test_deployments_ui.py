"""Deployment windows with pytest-qt against the emulator (real management SDK, real project file):
list, Deploy dialog (Developer default, hourly-fee confirmation), provisioning progress and
cancel, delete with confirmation, the API-key notice, and the job window's Deploy… hook."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest
from openai import AzureOpenAI
from PySide6.QtCore import Qt

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "service"))
from memory_keyring import memory_keyring  # noqa: E402,F401 - autouse fixture
from service_helpers import make_labeled_project  # noqa: E402

from studio.core.store import deployment_records, job_records  # noqa: E402
from studio.core.store.project_store import ProjectStore  # noqa: E402
from studio.emulator import EmulatorServer  # noqa: E402
from studio.service.deployments import DeploymentType, open_manager  # noqa: E402
from studio.service.deployments.errors import API_KEY_CANNOT_MANAGE  # noqa: E402
from studio.service.deployments.management import StaticTokenCredential  # noqa: E402
from studio.service.profile import ServiceProfile  # noqa: E402
from studio.ui.deployments.context import DeploymentsContext  # noqa: E402
from studio.ui.deployments.window import DeploymentsWindow  # noqa: E402
from studio.ui.finetune.credentials import FinetuneCredentials  # noqa: E402
from studio.ui.labeling.session import ProjectSession  # noqa: E402

TOKEN = "tok"


def _jsonl() -> bytes:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "cli"))
    from tests_data import train_jsonl

    return train_jsonl()


@pytest.fixture
def server():
    with EmulatorServer(step_seconds=0.005, api_keys=[TOKEN]) as srv:
        yield srv


def succeeded_job(server: EmulatorServer) -> Any:
    client = AzureOpenAI(azure_endpoint=server.azure_endpoint, api_version="2025-04-01-preview", api_key=TOKEN, max_retries=0)
    file = client.files.create(file=("train.jsonl", _jsonl()), purpose="fine-tune")
    deadline = time.monotonic() + 30
    while client.files.retrieve(file.id).status != "processed":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    job = client.fine_tuning.jobs.create(model="gpt-4o-2024-08-06", training_file=file.id)
    while job.status != "succeeded":
        assert time.monotonic() < deadline and job.status not in ("failed", "cancelled")
        time.sleep(0.02)
        job = client.fine_tuning.jobs.retrieve(job.id)
    return job


@pytest.fixture
def project(tmp_path: Path, server: EmulatorServer) -> tuple[Path, Any]:
    path = make_labeled_project(tmp_path / "proj")
    job = succeeded_job(server)
    with ProjectStore.open(path) as store:
        store.jobs.upsert_job(job.id, status="succeeded", fine_tuned_model=job.fine_tuned_model, base_model=job.model)
        store.jobs.add_checkpoints([job_records.CheckpointRecord("ftchkpt-1", job.id, time.time(), 10,
                                                                         f"{job.fine_tuned_model}:ckpt-step-10")])
    return path, job


@pytest.fixture
def sessions():
    """Labeling sessions (the UI-thread owner of a project file), closed after the test."""
    made: list[ProjectSession] = []

    def open_session(path: Path) -> ProjectSession:
        made.append(ProjectSession(ProjectStore.open(path)))
        return made[-1]

    yield open_session
    for session in made:
        session.close()


def context_for(server: EmulatorServer, session: ProjectSession, **profile: Any) -> DeploymentsContext:
    chosen = ServiceProfile(**({"kind": "azure", "endpoint": server.azure_endpoint, "auth": "entra",
                                "management_endpoint": server.arm_base_url} | profile))
    credentials = FinetuneCredentials()
    credentials.set_token_provider(chosen, lambda: TOKEN)
    return DeploymentsContext(session, lambda: chosen, credentials, manager_factory=lambda p, s: open_manager(
        p, s, credential=StaticTokenCredential(TOKEN), poll_interval=0.05))


def wait_idle(qtbot: Any, window: DeploymentsWindow) -> None:
    qtbot.waitUntil(lambda: window.task is None, timeout=20_000)


def test_deploy_a_job_model_as_developer_then_delete_it(qtbot: Any, server: EmulatorServer, project: tuple[Path, Any], sessions: Any) -> None:
    path, job = project
    confirmations: list[str] = []
    window = DeploymentsWindow(context_for(server, sessions(path)), confirm=lambda title, text: confirmations.append(text) or True)
    qtbot.addWidget(window)
    window.show()
    wait_idle(qtbot, window)
    assert window.model.rowCount() == 0 and "No deployments yet" in window.status.text()

    dialog = window.open_deploy()
    assert dialog is not None
    assert dialog.chosen_type() is DeploymentType.DEVELOPER
    assert not dialog.fee_box.isVisibleTo(dialog) and dialog.deploy_button.isEnabled()
    assert [dialog.model_combo.itemData(i).kind for i in range(dialog.model_combo.count())] == ["fine_tuned", "checkpoint"]
    assert dialog.name_edit.text().endswith("-dev")
    with qtbot.waitSignal(dialog.deployed, timeout=20_000) as deployed:
        dialog.deploy_button.click()
    info = deployed.args[0]
    assert info.ready and info.sku == "DeveloperTier" and info.job_id == job.id
    qtbot.waitUntil(lambda: window.model.rowCount() == 1 and window.task is None, timeout=20_000)
    row = window.model.at(0)
    assert row is not None and row.ours and row.name == info.name
    assert "left (24 h)" in window.model.index(0, 6).data() and job.id in window.model.index(0, 7).data()
    assert window.model.index(0, 0).data(Qt.ItemDataRole.FontRole).bold()

    window.table.selectRow(0)
    assert window.try_button.isEnabled() and window.delete_button.isEnabled()
    window.delete_button.click()
    assert confirmations and "Delete deployment" in confirmations[0] and "model itself is kept" in confirmations[0]
    qtbot.waitUntil(lambda: window.task is None and window.model.rowCount() == 0, timeout=20_000)
    with ProjectStore.open(path, read_only=True) as store:
        assert deployment_records.project_deployments(store) == []


def test_an_hourly_type_shows_the_price_and_needs_confirmation(qtbot: Any, server: EmulatorServer, project: tuple[Path, Any], sessions: Any) -> None:
    path, job = project
    window = DeploymentsWindow(context_for(server, sessions(path)))
    qtbot.addWidget(window)
    dialog = window.open_deploy(model=job.fine_tuned_model)
    assert dialog is not None
    dialog.type_buttons[DeploymentType.STANDARD].setChecked(True)
    assert dialog.fee_box.isVisibleTo(dialog)
    assert dialog.price.value() == pytest.approx(1.70)
    assert "15 days" in dialog.fee_text.text() and "per day" in dialog.fee_text.text()
    assert not dialog.deploy_button.isEnabled()
    dialog.price.setValue(2.5)
    dialog.accept_fee.setChecked(True)
    assert dialog.deploy_button.isEnabled() and "$60.00 per day" in dialog.fee_text.text()
    with qtbot.waitSignal(dialog.deployed, timeout=20_000) as deployed:
        dialog.deploy_button.click()
    assert deployed.args[0].sku == "Standard"
    qtbot.waitUntil(lambda: window.model.rowCount() == 1 and window.task is None, timeout=20_000)  # the list refreshed
    with ProjectStore.open(path, read_only=True) as store:
        from studio.service.deployments import hosting_price

        assert hosting_price(store, DeploymentType.STANDARD) == pytest.approx(2.5)


def test_cancel_while_provisioning_deletes_it_and_says_so(qtbot: Any, tmp_path: Path, sessions: Any) -> None:
    with EmulatorServer(step_seconds=0.2, api_keys=[TOKEN]) as slow:  # ~3 s of provisioning
        path = make_labeled_project(tmp_path / "p2")
        job = succeeded_job(slow)
        with ProjectStore.open(path) as store:
            store.jobs.upsert_job(job.id, status="succeeded", fine_tuned_model=job.fine_tuned_model)
        window = DeploymentsWindow(context_for(slow, sessions(path)))
        qtbot.addWidget(window)
        dialog = window.open_deploy()
        assert dialog is not None
        dialog.deploy_button.click()
        qtbot.waitUntil(lambda: "Provisioning" in dialog.status.text(), timeout=20_000)
        dialog.cancel_button.click()
        qtbot.waitUntil(lambda: dialog.task is None, timeout=20_000)
        assert "nothing is billed" in dialog.status.text()
        assert list(slow.arm.deployments) == []


def test_an_api_key_profile_is_told_to_sign_in_with_entra(qtbot: Any, server: EmulatorServer, project: tuple[Path, Any], sessions: Any) -> None:
    path, _ = project
    window = DeploymentsWindow(context_for(server, sessions(path), auth="api_key"))
    qtbot.addWidget(window)
    asked: list[bool] = []
    window.settings_requested.connect(lambda: asked.append(True))
    window.show()
    assert window.notice.text() == API_KEY_CANNOT_MANAGE and window.settings_button.isVisibleTo(window)
    assert not window.deploy_button.isEnabled()
    window.settings_button.click()
    assert asked == [True]
    assert not server.state.requests_matching(None, r"^/subscriptions")


def test_quota_refusal_is_shown_in_the_dialog(qtbot: Any, server: EmulatorServer, project: tuple[Path, Any], sessions: Any) -> None:
    path, _ = project
    server.arm.quota["DeveloperTier"] = 10
    window = DeploymentsWindow(context_for(server, sessions(path)))
    qtbot.addWidget(window)
    dialog = window.open_deploy()
    assert dialog is not None
    dialog.deploy_button.click()
    qtbot.waitUntil(lambda: dialog.task is None and "quota" in dialog.status.text(), timeout=20_000)
    assert "Lower the capacity" in dialog.status.text()
    assert dialog.result() == 0 and dialog.deploy_button.isEnabled()  # still open: fix and retry


def test_a_resource_not_found_from_the_endpoint_is_entered_once(qtbot: Any, server: EmulatorServer, project: tuple[Path, Any], sessions: Any) -> None:
    from studio.emulator.state.arm_store import DEFAULT_ACCOUNT_NAME, DEFAULT_RESOURCE_GROUP, DEFAULT_SUBSCRIPTION_ID
    from studio.service.profile import project_profile

    path, _ = project
    session = sessions(path)
    window = DeploymentsWindow(context_for(server, session, endpoint="https://elsewhere.openai.azure.com"))
    qtbot.addWidget(window)
    window.show()
    wait_idle(qtbot, window)
    assert "Azure resource" in window.notice.text() and window.resource_button.isVisibleTo(window)
    assert window.edit_resource((DEFAULT_SUBSCRIPTION_ID, DEFAULT_RESOURCE_GROUP, DEFAULT_ACCOUNT_NAME))
    wait_idle(qtbot, window)
    assert window.notice.isHidden() and DEFAULT_ACCOUNT_NAME in window.where.text()
    saved = project_profile(session)
    assert saved is not None and saved.account_name == DEFAULT_ACCOUNT_NAME
