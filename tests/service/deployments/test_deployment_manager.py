"""The deployment manager against the emulator: the real azure-mgmt SDKs, a real project file.

Covers: API key refused with the Entra hint, finding the resource from the endpoint (and keeping it
in the project's profile), a Developer deployment from a succeeded job marked as this project's,
failed provisioning, quota/permission/region texts, cancel (the half-made deployment is deleted),
delete, and reconciling a deployment that disappeared.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from openai import AzureOpenAI

from studio.core.errors import ServiceError
from studio.core.store import deployment_records, job_records
from studio.core.store.project_store import ProjectStore
from studio.core.tasks import CancelToken, Cancelled
from studio.emulator import EmulatorServer
from studio.emulator.state.arm_store import DEFAULT_ACCOUNT_NAME, DEFAULT_RESOURCE_GROUP, DEFAULT_SUBSCRIPTION_ID
from studio.service.deployments import DeploymentType, DeployRequest, call_targets, open_manager
from studio.service.deployments.management import StaticTokenCredential
from studio.service.profile import ServiceProfile, project_profile

AZURE_VERSION = "2025-04-01-preview"


def train_jsonl() -> bytes:
    import base64
    import io
    import json

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (40, 160, 90)).save(buf, "PNG")
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    lines = []
    for i in range(10):
        lines.append(json.dumps({"messages": [
            {"role": "system", "content": "Answer cat or dog."},
            {"role": "user", "content": [{"type": "text", "text": "Which?"}, {"type": "image_url", "image_url": {"url": url}}]},
            {"role": "assistant", "content": "cat" if i % 2 else "dog"}]}))
    return ("\n".join(lines) + "\n").encode()


def succeeded_job(server: EmulatorServer) -> Any:
    client = AzureOpenAI(azure_endpoint=server.azure_endpoint, api_version=AZURE_VERSION, api_key="tok", max_retries=0)
    file = client.files.create(file=("train.jsonl", train_jsonl()), purpose="fine-tune")
    deadline = time.monotonic() + 30
    while client.files.retrieve(file.id).status != "processed":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    job = client.fine_tuning.jobs.create(model="gpt-4o-2024-08-06", training_file=file.id)
    while job.status != "succeeded":
        assert job.status not in ("failed", "cancelled") and time.monotonic() < deadline, job
        time.sleep(0.02)
        job = client.fine_tuning.jobs.retrieve(job.id)
    return job


@pytest.fixture
def server():
    with EmulatorServer(step_seconds=0.005, api_keys=["tok"]) as srv:
        yield srv


@pytest.fixture
def store(project_path: Path):
    s = ProjectStore.open(project_path)
    yield s
    s.close()


def entra_profile(server: EmulatorServer, **changes: Any) -> ServiceProfile:
    base = ServiceProfile(kind="azure", endpoint=server.azure_endpoint, auth="entra", management_endpoint=server.arm_base_url)
    from dataclasses import replace

    return replace(base, **changes)


def manager(server: EmulatorServer, store: Any = None, **changes: Any):
    return open_manager(entra_profile(server, **changes), store, credential=StaticTokenCredential("tok"), poll_interval=0.05)


def test_an_api_key_cannot_manage_deployments_and_says_to_sign_in_with_entra(server: EmulatorServer) -> None:
    with pytest.raises(ServiceError, match="Microsoft Entra ID"):
        open_manager(ServiceProfile(kind="azure", endpoint=server.azure_endpoint, auth="api_key"))


def test_openai_has_no_deployments(server: EmulatorServer) -> None:
    with pytest.raises(ServiceError, match="called directly"):
        open_manager(ServiceProfile(kind="openai"))


def test_the_resource_is_found_from_the_endpoint_and_kept_in_the_project(server: EmulatorServer, store: Any) -> None:
    server.arm.add_account("11111111-2222-4333-8444-555555555555", "other-rg", "other", endpoint="https://other.openai.azure.com")
    m = manager(server, store)
    target = m.resolve_target()
    assert (target.subscription_id, target.resource_group, target.account_name) == (
        DEFAULT_SUBSCRIPTION_ID, DEFAULT_RESOURCE_GROUP, DEFAULT_ACCOUNT_NAME)
    saved = project_profile(store)
    assert saved is not None and saved.account_name == DEFAULT_ACCOUNT_NAME and saved.subscription_id == DEFAULT_SUBSCRIPTION_ID
    # Next time: no discovery round trip.
    before = len(server.state.requests_matching("GET", r"^/subscriptions$"))
    open_manager(saved, store, credential=StaticTokenCredential("tok")).list()
    assert len(server.state.requests_matching("GET", r"^/subscriptions$")) == before


def test_no_matching_resource_says_what_to_do(server: EmulatorServer) -> None:
    m = manager(server, endpoint="https://nowhere.openai.azure.com")
    with pytest.raises(ServiceError, match="Azure resource…"):
        m.list()


def test_developer_deployment_of_a_succeeded_job_is_ours_and_callable(server: EmulatorServer, store: Any) -> None:
    job = succeeded_job(server)
    store.jobs.upsert_job(job.id, status="succeeded", fine_tuned_model=job.fine_tuned_model, base_model=job.model)
    m = manager(server, store)
    messages: list[str] = []
    info = m.deploy(DeployRequest(model=job.fine_tuned_model, job_id=job.id), progress=lambda d, t, msg="": messages.append(msg))
    assert info.ready and info.deployment_type is DeploymentType.DEVELOPER and info.sku == "DeveloperTier"
    assert info.name.endswith("-dev") and info.name.startswith("gpt-4o-")
    assert any("Provisioning" in msg for msg in messages) and messages[-1].endswith("is ready")
    listed = m.list()
    assert [(d.name, d.ours, d.job_id, d.model) for d in listed] == [(info.name, True, job.id, job.fine_tuned_model)]
    now = time.time()
    assert listed[0].remaining_seconds(now) == pytest.approx(24 * 3600, abs=120)
    assert listed[0].hosting_hours(now) is None and "left" in listed[0].lifetime_text(now)
    record = deployment_records.project_deployments(store)[0]
    assert (record.state, record.deployment_type, record.job_id) == ("succeeded", "developer", job.id)
    assert server.arm.deployed_model(info.name, time.time()) == job.fine_tuned_model
    targets = call_targets(entra_profile(server), store, manager=m)
    assert [(t.model, t.kind, t.served_model) for t in targets] == [(info.name, "deployment", job.fine_tuned_model)]


def test_a_standard_deployment_counts_hosting_hours(server: EmulatorServer, store: Any) -> None:
    job = succeeded_job(server)
    info = manager(server, store).deploy(DeployRequest(model=job.fine_tuned_model, type=DeploymentType.STANDARD, name="std-1"))
    assert info.sku == "Standard" and info.remaining_seconds(time.time()) is None
    assert info.hosting_hours(time.time() + 7200) == pytest.approx(2.0, abs=0.05)


def test_failed_provisioning_is_a_clear_error_and_recorded(server: EmulatorServer, store: Any) -> None:
    job = succeeded_job(server)
    server.arm.fail_next_provisioning("InternalError", "The backend could not place the model.")
    with pytest.raises(ServiceError, match="provisioning failed.*could not place the model"):
        manager(server, store).deploy(DeployRequest(model=job.fine_tuned_model, name="will-fail"))
    record = deployment_records.project_deployments(store)[0]
    assert record.state == "failed" and "could not place" in (record.error or "")


@pytest.mark.parametrize(("setup", "expected"), [
    (lambda srv: srv.arm.quota.__setitem__("DeveloperTier", 10), "Not enough quota.*Lower the capacity"),
    (lambda srv: srv.arm.denied_actions.add("Microsoft.CognitiveServices/accounts/deployments/write"),
     "may not deploy.*deployments/write"),
    (lambda srv: srv.arm.refuse_next_create(400, "DeploymentModelNotSupported", "Not in region swedencentral."),
     "not available.*region"),
])
def test_quota_permission_and_region_refusals_say_what_to_do(server: EmulatorServer, store: Any, setup: Any, expected: str) -> None:
    job = succeeded_job(server)
    setup(server)
    with pytest.raises(ServiceError, match=expected):
        manager(server, store).deploy(DeployRequest(model=job.fine_tuned_model, name="refused"))
    assert deployment_records.project_deployments(store)[0].state == "failed"


def test_a_throttled_poll_does_not_fail_the_deploy(server: EmulatorServer, store: Any) -> None:
    job = succeeded_job(server)
    server.faults.add("429", r"operationResults", times=2, retry_after=0.05)
    info = manager(server, store).deploy(DeployRequest(model=job.fine_tuned_model, name="throttled"))
    assert info.ready
    assert [r.status for r in server.state.requests_matching("GET", "operationResults")][:2] == [429, 429]


def test_cancel_while_provisioning_deletes_the_half_made_deployment(store: Any) -> None:
    with EmulatorServer(step_seconds=0.2, api_keys=["tok"]) as slow:  # provisioning takes ~3 s
        job = succeeded_job(slow)
        m = manager(slow, store)
        cancel = CancelToken()
        started = threading.Event()

        def progress(done: int, total: int | None, message: str = "") -> None:
            if "Provisioning" in message:
                started.set()
                cancel.cancel()

        with pytest.raises(Cancelled):
            m.deploy(DeployRequest(model=job.fine_tuned_model, name="stop-me"), progress=progress, cancel=cancel)
        assert started.is_set()
        assert m.get("stop-me") is None
        assert deployment_records.project_deployments(store, include_deleted=True)[0].state == "cancelled"


def test_delete_removes_it_and_closes_the_record(server: EmulatorServer, store: Any) -> None:
    job = succeeded_job(server)
    m = manager(server, store)
    m.deploy(DeployRequest(model=job.fine_tuned_model, name="bye", purpose="evaluation:7"))
    assert [r.name for r in deployment_records.project_deployments(store, purpose="evaluation:7")] == ["bye"]
    m.delete("bye")
    assert m.list() == []
    assert deployment_records.project_deployments(store, purpose="evaluation:7") == []
    assert deployment_records.project_deployments(store, include_deleted=True)[0].state == "deleted"


def test_a_deployment_gone_elsewhere_is_closed_on_the_next_list(server: EmulatorServer, store: Any, monkeypatch: Any) -> None:
    job = succeeded_job(server)
    m = manager(server, store)
    m.deploy(DeployRequest(model=job.fine_tuned_model, name="vanishes"))
    server.arm.deployments.clear()  # deleted in the portal, or expired
    monkeypatch.setattr("studio.service.deployments.manager._LISTING_GRACE_SECONDS", 0.0)
    assert m.list() == []
    assert deployment_records.project_deployments(store) == []


def test_an_invalid_name_is_refused_before_anything_is_sent(server: EmulatorServer, store: Any) -> None:
    job = succeeded_job(server)
    before = len(server.state.requests_matching("PUT"))
    with pytest.raises(ServiceError, match="cannot be a deployment name"):
        manager(server, store).deploy(DeployRequest(model=job.fine_tuned_model, name="bad name!"))
    assert len(server.state.requests_matching("PUT")) == before


def test_an_existing_name_is_never_replaced(server: EmulatorServer, store: Any) -> None:
    job = succeeded_job(server)
    m = manager(server, store)
    m.deploy(DeployRequest(model=job.fine_tuned_model, name="taken"))
    puts = len(server.state.requests_matching("PUT"))
    with pytest.raises(ServiceError, match="already exists"):
        m.deploy(DeployRequest(model=job.fine_tuned_model, name="taken", type=DeploymentType.STANDARD))
    assert len(server.state.requests_matching("PUT")) == puts
    assert m.get("taken").sku == "DeveloperTier"
