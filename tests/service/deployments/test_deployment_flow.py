"""Issue 13's flow end to end with the real SDKs against the emulator: a succeeded job -> a Developer
deployment -> ask it about an image -> evaluate the deployment -> delete it (and the project knows)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from studio.core.store import deployment_records
from studio.core.store.project_store import ProjectStore
from studio.emulator import EmulatorServer
from studio.service.credentials import Credentials
from studio.service.deployments import DeployRequest, ask_image, call_targets, open_manager, project_prompts
from studio.service.deployments.management import StaticTokenCredential
from studio.service.profile import ServiceProfile

from test_deployment_manager import succeeded_job  # noqa: E402 - same folder, shared helper


def test_job_to_deployment_to_answer_to_evaluation_to_delete(project_path: Path) -> None:
    pytest.importorskip("studio.emulator.api.chat", reason="emulator chat completions (eval-engine) not in this tree yet")
    evaluation = pytest.importorskip("studio.service.evaluation", reason="evaluation runner (eval-engine) not in this tree yet")
    from studio.core.evaluation.records import EvalRunSpec

    with EmulatorServer(step_seconds=0.005, api_keys=["tok"]) as server, ProjectStore.open(project_path) as store:
        job = succeeded_job(server)
        store.jobs.upsert_job(job.id, status="succeeded", fine_tuned_model=job.fine_tuned_model, base_model=job.model)
        profile = ServiceProfile(kind="azure", endpoint=server.azure_endpoint, auth="entra",
                                 management_endpoint=server.arm_base_url)
        credentials = Credentials(token_provider=lambda: "tok", source="entra")
        manager = open_manager(profile, store, credential=StaticTokenCredential("tok"), poll_interval=0.05)

        info = manager.deploy(DeployRequest(model=job.fine_tuned_model, job_id=job.id, purpose="evaluation:flow"))
        targets = call_targets(profile, store, manager=manager)
        assert [t.model for t in targets] == [info.name]

        image = next(iter(store.iter_images())).abs_path
        answer = ask_image(profile, credentials, info.name, image, project_prompts(store))
        assert answer.text and answer.prompt_tokens and answer.latency_s > 0

        ids = [row.id for row in store.iter_images()][:6]
        spec = EvalRunSpec(kind="fine_tuned", model=job.fine_tuned_model, deployment=info.name, image_ids=ids)
        run_id = evaluation.create_run(store, spec, profile)
        metrics = evaluation.run_evaluation(store, run_id, credentials, concurrency=2)
        assert metrics.n > 0 and metrics.unparseable == 0
        # every answer came from the deployment (dated Azure URL: /openai/deployments/<name>/chat/completions)
        assert len(server.state.requests_matching("POST", f"/deployments/{info.name}/chat/completions")) >= metrics.n + 1

        for record in deployment_records.project_deployments(store, purpose="evaluation:flow"):
            manager.delete(record.name)
        assert manager.list() == [] and deployment_records.project_deployments(store) == []
