"""Try it with pytest-qt: the picker lists what a chat call may name, an image from a file or the
grid, and the answer with tokens and latency (OpenAI style: a fine-tuned model is called directly)."""

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
from service_helpers import make_labeled_project  # noqa: E402
from tests_data import train_jsonl  # noqa: E402

from studio.core.store.project_store import ProjectStore  # noqa: E402
from studio.emulator import EmulatorServer  # noqa: E402
from studio.service.profile import ServiceProfile  # noqa: E402
from studio.ui.deployments.context import DeploymentsContext  # noqa: E402
from studio.ui.deployments.try_it import TryItWindow  # noqa: E402
from studio.ui.finetune.credentials import FinetuneCredentials  # noqa: E402
from studio.ui.labeling.session import ProjectSession  # noqa: E402

KEY = "sk-test"


@pytest.fixture
def setup(tmp_path: Path):
    with EmulatorServer(step_seconds=0.005, api_keys=[KEY]) as srv:
        client = OpenAI(base_url=srv.base_url, api_key=KEY, max_retries=0)
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
            store.jobs.upsert_job(job.id, status="succeeded", fine_tuned_model=job.fine_tuned_model, base_model=job.model)
        session = ProjectSession(ProjectStore.open(path))
        profile = ServiceProfile(kind="openai", endpoint=srv.base_url)
        credentials = FinetuneCredentials()
        credentials.save_key(profile, KEY)
        yield srv, session, DeploymentsContext(session, lambda: profile, credentials), job, path
        session.close()


def test_targets_are_the_projects_models_then_base_models(qtbot: Any, setup: Any) -> None:
    srv, session, context, job, path = setup
    window = TryItWindow(context, grid_image=lambda: None)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.load_targets().ended, timeout=20_000):
        pass
    kinds = [window.target_combo.itemData(i).kind for i in range(window.target_combo.count())]
    assert kinds[0] == "fine_tuned" and kinds[-2:] == ["base", "base"]
    assert window.target_combo.itemData(0).model == job.fine_tuned_model
    assert not window.ask_button.isEnabled()  # no image yet
    window.use_grid_image()
    assert "Select an image in the grid first" in window.status.text()


def test_ask_a_fine_tuned_model_about_an_image(qtbot: Any, setup: Any) -> None:
    pytest.importorskip("studio.emulator.api.chat", reason="emulator chat completions (eval-engine) not in this tree yet")
    srv, session, context, job, path = setup
    image = next((path.parent / "images").glob("cat_*.png"))
    window = TryItWindow(context, grid_image=lambda: image)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.load_targets().ended, timeout=20_000):
        pass
    window.use_grid_image()
    assert window.image_path == image and window.ask_button.isEnabled()
    with qtbot.waitSignal(window.answered, timeout=20_000) as answered:
        window.ask_button.click()
    answer = answered.args[0]
    assert answer.model == job.fine_tuned_model and answer.latency_s > 0
    assert window.answer.toPlainText() and " in, " in window.tokens.text() and window.latency.text().endswith(" s")
