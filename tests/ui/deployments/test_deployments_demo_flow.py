"""Issue 13's "done when", in the app on the demo service: a succeeded job -> a Developer deployment ->
Try it on an image -> Evaluate… opens the evaluation on the deployment's model -> delete it. The real
main window with fine-tuning, deployments and evaluation installed; the demo emulator at test pace."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest
from openai import OpenAI

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "service"))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "cli"))
from memory_keyring import memory_keyring  # noqa: E402,F401 - autouse fixture
from qt_isolation import qt_settings_in_tmp  # noqa: E402,F401 - autouse fixture
from service_helpers import make_labeled_project  # noqa: E402
from tests_data import train_jsonl  # noqa: E402

from studio.core.store.project_store import ProjectStore  # noqa: E402
from studio.service import demo  # noqa: E402
from studio.service.credentials import DEMO_API_KEY  # noqa: E402
from studio.service.profile import ServiceProfile  # noqa: E402
from studio.ui.app import settings as app_settings  # noqa: E402
from studio.ui.deployments.integration import install_deployments  # noqa: E402
from studio.ui.finetune.integration import install_finetune  # noqa: E402
from studio.ui.window.main_window import MainWindow  # noqa: E402


@pytest.fixture
def demo_service(monkeypatch: Any):
    demo.stop_demo()
    monkeypatch.setattr(demo, "DEMO_STEP_SECONDS", 0.005)
    yield demo.demo_base_url()
    demo.stop_demo()


def test_demo_job_to_deployment_to_try_it_to_evaluate_to_delete(qtbot: Any, tmp_path: Path, demo_service: str) -> None:
    client = OpenAI(base_url=demo_service, api_key=DEMO_API_KEY, max_retries=0)
    file = client.files.create(file=("train.jsonl", train_jsonl()), purpose="fine-tune")
    deadline = time.monotonic() + 30
    while client.files.retrieve(file.id).status != "processed":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    job = client.fine_tuning.jobs.create(model="gpt-4o-2024-08-06", training_file=file.id)
    while job.status != "succeeded":
        assert time.monotonic() < deadline
        time.sleep(0.02)
        job = client.fine_tuning.jobs.retrieve(job.id)
    path = make_labeled_project(tmp_path / "proj")
    with ProjectStore.open(path) as store:
        store.jobs.upsert_job(job.id, status="succeeded", fine_tuned_model=job.fine_tuned_model, base_model=job.model,
                              profile={"kind": "demo"}, created_at=job.created_at)
    app_settings.save_profile(ServiceProfile(kind="demo"))

    window = MainWindow(thumb_dir=tmp_path / "thumbs", auto_scan=False, restore_layout=False)
    qtbot.addWidget(window)
    finetune = install_finetune(window, confirm=lambda *a: True)
    deployments = install_deployments(window, finetune, confirm=lambda *a: True)
    try:
        from studio.ui.evaluation.integration import install_evaluation

        window.evaluation = install_evaluation(window, finetune)
    except ImportError:  # pragma: no cover - evaluation is another feature; the rest of the flow stands alone
        pass
    assert window.open_path(path)

    # 1. Deploy from the job's window: Developer is the default.
    view = finetune.open_job(job.id)
    assert view is not None
    view.deploy_button.click()
    dep_window = deployments.deployments_window
    assert dep_window is not None
    dialog = dep_window.deploy_dialog
    assert dialog is not None and dialog.chosen_target().model == job.fine_tuned_model
    with qtbot.waitSignal(dialog.deployed, timeout=30_000) as deployed:
        dialog.deploy_button.click()
    info = deployed.args[0]
    assert info.sku == "DeveloperTier" and info.ready
    qtbot.waitUntil(lambda: dep_window.task is None and dep_window.model.rowCount() == 1, timeout=20_000)
    assert dep_window.model.at(0).ours

    # 2. Try it on an image, with the new deployment.
    dep_window.table.selectRow(0)
    dep_window.try_button.click()
    try_window = deployments.try_window
    assert try_window is not None
    qtbot.waitUntil(lambda: try_window.targets_task is None and try_window.chosen_target() is not None, timeout=20_000)
    assert try_window.chosen_target().model == info.name
    try_window.set_image(next((path.parent / "images").glob("dog_*.png")))
    with qtbot.waitSignal(try_window.answered, timeout=20_000) as answered:
        try_window.ask_button.click()
    assert answered.args[0].text in ("cat", "dog") and answered.args[0].model == info.name

    # 3. Evaluate… opens the evaluation on the deployment's model.
    evaluation = getattr(window, "evaluation", None)
    if evaluation is not None:
        dep_window.close()
        dep_window = deployments.show_deployments()
        assert dep_window is not None and dep_window.can_evaluate
        dep_window.table.selectRow(0)
        assert dep_window.evaluate_button.isEnabled()
        dep_window.evaluate_button.click()
        assert evaluation.dialog is not None and evaluation.dialog.isVisible()
        evaluation.dialog.close()

    # 4. Delete it, with confirmation.
    dep_window.table.selectRow(0)
    dep_window.delete_button.click()
    qtbot.waitUntil(lambda: dep_window.task is None and dep_window.model.rowCount() == 0, timeout=20_000)
    view.close()
    window.close_project()
