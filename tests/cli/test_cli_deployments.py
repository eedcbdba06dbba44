"""`studio-cli deployments / deploy / undeploy / ask` against the demo service (its in-process emulator,
the real management SDK and openai SDK), on a real project file."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from openai import OpenAI

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "service"))
from service_helpers import make_labeled_project  # noqa: E402

from studio.cli.main import main  # noqa: E402
from studio.core.store import job_records  # noqa: E402
from studio.core.store.project_store import ProjectStore  # noqa: E402
from studio.service import demo  # noqa: E402
from studio.service.credentials import DEMO_API_KEY  # noqa: E402


@pytest.fixture
def demo_service(monkeypatch: Any):
    """The demo service at test pace (its data folder is under the test's HOME)."""
    demo.stop_demo()
    monkeypatch.setattr(demo, "DEMO_STEP_SECONDS", 0.005)
    yield demo.demo_base_url()
    demo.stop_demo()


@pytest.fixture
def project_with_job(tmp_path: Path, demo_service: str) -> tuple[Path, Any]:
    """A project that knows one succeeded demo job (as a submit would have recorded it)."""
    path = make_labeled_project(tmp_path / "proj")
    client = OpenAI(base_url=demo_service, api_key=DEMO_API_KEY, max_retries=0)
    from tests_data import train_jsonl  # noqa: PLC0415

    file = client.files.create(file=("train.jsonl", train_jsonl()), purpose="fine-tune")
    deadline = time.monotonic() + 30
    while client.files.retrieve(file.id).status != "processed":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    job = client.fine_tuning.jobs.create(model="gpt-4o-2024-08-06", training_file=file.id)
    while job.status != "succeeded":
        assert time.monotonic() < deadline and job.status not in ("failed", "cancelled"), job
        time.sleep(0.02)
        job = client.fine_tuning.jobs.retrieve(job.id)
    with ProjectStore.open(path) as store:
        store.jobs.upsert_job(job.id, status="succeeded", fine_tuned_model=job.fine_tuned_model,
                               base_model=job.model, profile={"kind": "demo"})
    return path, job


def run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_deploy_list_and_undeploy_a_jobs_model_in_the_demo(project_with_job: tuple[Path, Any], capsys: Any) -> None:
    path, job = project_with_job
    code, out, err = run(capsys, "deploy", str(path), job.id, "--demo", "--name", "cli-dev")
    assert code == 0, err
    assert "Deployed" in out and "'cli-dev'" in out and "No hosting fee, 24-hour lifetime, no SLA" in err
    code, out, err = run(capsys, "deployments", str(path), "--demo", "--json")
    assert code == 0, err
    rows = json.loads(out)["deployments"]
    assert [(r["name"], r["type"], r["ours"], r["job_id"], r["state"]) for r in rows] == [
        ("cli-dev", "developer", True, job.id, "Succeeded")]
    assert rows[0]["remaining_seconds"] > 23 * 3600 and rows[0]["hosting_hours"] is None
    code, out, _ = run(capsys, "deployments", str(path), "--demo")
    assert "cli-dev" in out and "left" in out and f"this project: job {job.id}" in out
    code, out, err = run(capsys, "undeploy", str(path), "cli-dev", "--demo")
    assert code == 0, err
    code, out, _ = run(capsys, "deployments", str(path), "--demo", "--json")
    assert json.loads(out)["deployments"] == []


def test_an_hourly_deployment_needs_yes_and_shows_the_price(project_with_job: tuple[Path, Any], capsys: Any) -> None:
    path, job = project_with_job
    code, out, err = run(capsys, "deploy", str(path), job.fine_tuned_model, "--demo", "--type", "standard")
    assert code == 2
    assert "per hour" in err and "15 days" in err and "--yes" in err
    code, out, err = run(capsys, "deploy", str(path), job.fine_tuned_model, "--demo", "--type", "standard", "--yes", "--json")
    assert code == 0, err
    assert json.loads(out)["sku"] == "Standard"


def test_an_unfinished_job_and_an_unknown_deployment_are_user_errors(project_with_job: tuple[Path, Any], capsys: Any) -> None:
    path, _ = project_with_job
    with ProjectStore.open(path) as store:
        store.jobs.upsert_job("ftjob-running", status="running", profile={"kind": "demo"})
    code, _, err = run(capsys, "deploy", str(path), "ftjob-running", "--demo")
    assert code == 2 and "has not succeeded" in err
    code, _, err = run(capsys, "undeploy", str(path), "nope", "--demo")
    assert code == 2 and "no deployment 'nope'" in err


def test_an_api_key_profile_is_told_to_sign_in_with_entra(tmp_path: Path, capsys: Any) -> None:
    path = make_labeled_project(tmp_path / "proj")
    code, _, err = run(capsys, "deployments", str(path), "--azure-endpoint", "https://res.openai.azure.com")
    assert code == 2 and "Microsoft Entra ID" in err and "cannot create or delete deployments" in err


def test_ask_a_demo_deployment_about_an_image(project_with_job: tuple[Path, Any], capsys: Any) -> None:
    path, job = project_with_job
    assert run(capsys, "deploy", str(path), job.id, "--demo", "--name", "asked")[0] == 0
    image = next((path.parent / "images").glob("cat_*.png"))
    code, out, err = run(capsys, "ask", str(path), str(image), "--demo", "--deployment", "asked", "--json")
    assert code == 0, err
    answer = json.loads(out)
    assert answer["answer"] in ("cat", "dog") and answer["model"] == "asked"
    assert answer["prompt_tokens"] > 85 and answer["completion_tokens"] >= 1 and answer["latency_s"] > 0
    code, out, err = run(capsys, "ask", str(path), str(image), "--demo", "--deployment", "gone")
    assert code == 2 and "no deployment named 'gone'" in err
