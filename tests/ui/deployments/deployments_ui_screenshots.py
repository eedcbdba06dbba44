"""Make the deployment screenshots in docs/screenshots from a real run against the emulator.

    QT_QPA_PLATFORM=offscreen python3 tests/ui/deployments/deployments_ui_screenshots.py docs/screenshots

Not a test (pytest collects only test_*.py): it trains a small job on a local emulator, deploys its
model through the emulated Resource Manager with the real management SDK, and photographs the real
Deployments window, Deploy dialog (Developer and Standard) and Try it. Everything it writes except
the PNGs goes to a temporary folder (settings and keyring included).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

TMP = Path(tempfile.mkdtemp(prefix="deploy-shots-"))
for var, sub in (("HOME", "home"), ("XDG_CONFIG_HOME", "home/.config"), ("XDG_DATA_HOME", "home/.local/share"),
                 ("XDG_CACHE_HOME", "home/.cache")):
    os.environ[var] = str(TMP / sub)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "service"))
sys.path.insert(0, str(ROOT / "tests" / "cli"))

import keyring  # noqa: E402
from keyring.backend import KeyringBackend  # noqa: E402
from PySide6.QtCore import QCoreApplication  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402


class _MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.values.pop((service, username), None)


def pump(until: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        QCoreApplication.processEvents()
        time.sleep(0.02)
    for _ in range(5):
        QCoreApplication.processEvents()


def shoot(widget: QWidget, path: Path) -> None:
    widget.show()
    widget.raise_()
    for _ in range(10):
        QCoreApplication.processEvents()
        time.sleep(0.02)
    widget.grab().save(str(path))
    print("wrote", path)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    keyring.set_keyring(_MemoryKeyring())
    app = QApplication.instance() or QApplication(sys.argv)
    from openai import AzureOpenAI
    from service_helpers import make_labeled_project
    from tests_data import train_jsonl

    from studio.core.store.project_store import ProjectStore
    from studio.emulator import EmulatorServer
    from studio.service.deployments import DeploymentType, open_manager
    from studio.service.deployments.management import StaticTokenCredential
    from studio.service.profile import ServiceProfile
    from studio.ui.deployments.context import DeploymentsContext
    from studio.ui.deployments.try_it import TryItWindow
    from studio.ui.deployments.window import DeploymentsWindow
    from studio.ui.finetune.credentials import FinetuneCredentials
    from studio.ui.labeling.session import ProjectSession

    with EmulatorServer(step_seconds=0.01, api_keys=["tok"]) as srv:
        client = AzureOpenAI(azure_endpoint=srv.azure_endpoint, api_version="2025-04-01-preview", api_key="tok")
        file = client.files.create(file=("train.jsonl", train_jsonl()), purpose="fine-tune")
        pump(lambda: client.files.retrieve(file.id).status == "processed")
        job = client.fine_tuning.jobs.create(model="gpt-4o-2024-08-06", training_file=file.id, suffix="leaves")
        pump(lambda: client.fine_tuning.jobs.retrieve(job.id).status == "succeeded", timeout=60)
        job = client.fine_tuning.jobs.retrieve(job.id)
        checkpoints = client.fine_tuning.jobs.checkpoints.list(job.id).data

        path = make_labeled_project(TMP / "proj")
        with ProjectStore.open(path) as store:
            from studio.core.store.job_records import CheckpointRecord

            store.jobs.upsert_job(job.id, status="succeeded", fine_tuned_model=job.fine_tuned_model, base_model=job.model,
                                  created_at=job.created_at)
            store.jobs.add_checkpoints([CheckpointRecord(c.id, job.id, c.created_at, c.step_number, c.fine_tuned_model_checkpoint)
                                        for c in checkpoints])
        session = ProjectSession(ProjectStore.open(path))
        profile = ServiceProfile(kind="azure", endpoint=srv.azure_endpoint, auth="entra", management_endpoint=srv.arm_base_url,
                                 name="Azure OpenAI (my-resource, Sweden Central)")
        credentials = FinetuneCredentials()
        credentials.set_token_provider(profile, lambda: "tok")
        context = DeploymentsContext(session, lambda: profile, credentials, manager_factory=lambda p, s: open_manager(
            p, s, credential=StaticTokenCredential("tok"), poll_interval=0.05))

        window = DeploymentsWindow(context)
        window.can_evaluate = True
        window.resize(1250, 380)
        window.show()
        pump(lambda: window.task is None)
        dialog = window.open_deploy(model=job.fine_tuned_model)
        assert dialog is not None
        shoot(dialog, out / "deploy_dialog_developer.png")
        dialog.type_buttons[DeploymentType.STANDARD].setChecked(True)
        dialog.accept_fee.setChecked(True)
        shoot(dialog, out / "deploy_dialog_standard.png")
        dialog.type_buttons[DeploymentType.DEVELOPER].setChecked(True)
        from studio.emulator.state.arm_store import ArmTiming

        srv.arm.timing = ArmTiming(provision_seconds=4.0, delete_seconds=0.1, poll_hint_seconds=0.2)  # time to photograph
        dialog.deploy_button.click()
        pump(lambda: "Provisioning" in dialog.status.text())
        shoot(dialog, out / "deploy_dialog_provisioning.png")
        pump(lambda: not dialog.isVisible())
        srv.arm.timing = ArmTiming(provision_seconds=0.1, delete_seconds=0.1, poll_hint_seconds=0.05)
        pump(lambda: window.task is None and window.model.rowCount() == 1)
        # Someone else's deployment on the same resource, to show the "this project" marking.
        with ProjectStore.open(path) as store:
            open_manager(profile, None, credential=StaticTokenCredential("tok"), poll_interval=0.05).deploy(
                __import__("studio.service.deployments", fromlist=["DeployRequest"]).DeployRequest(
                    model="gpt-4o-2024-08-06", name="gpt-4o-shared", type=DeploymentType.GLOBAL_STANDARD, capacity=100))
        window.refresh()
        pump(lambda: window.task is None and window.model.rowCount() == 2)
        window.table.selectRow(window.model.deployments().index(next(d for d in window.model.deployments() if d.ours)))
        shoot(window, out / "deployments_window.png")

        try_window = TryItWindow(context, grid_image=lambda: next((path.parent / "images").glob("cat_0*.png")))
        try_window.resize(1000, 440)
        try_window.show()
        pump(lambda: try_window.targets_task is None and try_window.target_combo.count() > 0)
        try_window.use_grid_image()
        try_window.ask_button.click()
        pump(lambda: try_window.task is None)
        shoot(try_window, out / "try_it.png")
        session.close()
    app.quit()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"))
