"""The emulated Azure Resource Manager, driven by the real management SDKs (azure-mgmt-cognitiveservices,
azure-mgmt-resource-subscriptions) exactly as the studio's deployment code drives them."""

from __future__ import annotations

import time
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError, ServiceRequestError
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.models import Deployment, DeploymentModel, DeploymentProperties, Sku
from azure.mgmt.resource.subscriptions import SubscriptionClient
from emulator_test_data import AZURE_VERSION, example, jsonl
from openai import AzureOpenAI

from studio.emulator import EmulatorServer, ManualClock
from studio.emulator.state.arm_store import (
    DEFAULT_ACCOUNT_NAME,
    DEFAULT_RESOURCE_GROUP,
    DEFAULT_SUBSCRIPTION_ID,
    DEVELOPER_LIFETIME_SECONDS,
)

# The emulator serves plain http on loopback; azure-core refuses bearer tokens over http unless the
# call says `enforce_https=False` (the supported per-operation option), which the studio passes only
# for loopback endpoints.
HTTP = {"enforce_https": False}


class FakeCredential:
    """A TokenCredential: what azure-identity's credentials look like to the SDK."""

    def __init__(self, token: str = "arm-token") -> None:
        self.token = token
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)


def mgmt(server: EmulatorServer, token: str = "arm-token") -> CognitiveServicesManagementClient:
    return CognitiveServicesManagementClient(FakeCredential(token), DEFAULT_SUBSCRIPTION_ID, base_url=server.arm_base_url,
                                             credential_scopes=["https://management.azure.com/.default"],
                                             retry_backoff_factor=0.01)


def body(model: str, sku: str = "DeveloperTier", capacity: int = 50) -> Deployment:
    return Deployment(sku=Sku(name=sku, capacity=capacity), tags={"created-by": "test"},
                      properties=DeploymentProperties(model=DeploymentModel(format="OpenAI", name=model, version="1")))


def succeeded_azure_job(server: EmulatorServer, clock: ManualClock | None = None) -> Any:
    """A finished Azure fine-tuning job, made through the real OpenAI SDK."""
    client = AzureOpenAI(azure_endpoint=server.azure_endpoint, api_version=AZURE_VERSION, api_key="k", max_retries=0)
    data = jsonl([example(label="cat" if i % 2 else "dog") for i in range(10)])
    file = client.files.create(file=("train.jsonl", data), purpose="fine-tune")
    wait = (lambda: clock.advance(3600)) if clock is not None else (lambda: time.sleep(0.05))
    deadline = time.monotonic() + 20
    while client.files.retrieve(file.id).status != "processed":
        assert time.monotonic() < deadline
        wait()
    job = client.fine_tuning.jobs.create(model="gpt-4o-2024-08-06", training_file=file.id)
    while job.status != "succeeded":
        assert job.status not in ("failed", "cancelled") and time.monotonic() < deadline, job
        wait()
        job = client.fine_tuning.jobs.retrieve(job.id)
    return job


@pytest.fixture
def live() -> Any:
    """Wall clock, fast pace: the SDK's own poller runs to the end."""
    with EmulatorServer(step_seconds=0.01) as srv:
        yield srv


def test_accounts_and_subscriptions_are_listed_with_their_endpoint(live: EmulatorServer) -> None:
    subs = list(SubscriptionClient(FakeCredential(), base_url=live.arm_base_url).subscriptions.list(**HTTP))
    assert [s.subscription_id for s in subs] == [DEFAULT_SUBSCRIPTION_ID]
    accounts = list(mgmt(live).accounts.list(**HTTP))
    assert [(a.name, a.properties.endpoint) for a in accounts] == [(DEFAULT_ACCOUNT_NAME, live.azure_endpoint + "/")]
    assert a_id_parts(accounts[0].id) == (DEFAULT_SUBSCRIPTION_ID, DEFAULT_RESOURCE_GROUP)


def a_id_parts(resource_id: str) -> tuple[str, str]:
    parts = resource_id.split("/")
    return parts[2], parts[4]


def test_bearer_over_http_is_refused_by_azure_core_without_the_option(live: EmulatorServer) -> None:
    with pytest.raises(ServiceRequestError, match="non-TLS"):
        list(mgmt(live).accounts.list())


def test_create_is_a_long_running_operation_that_ends_succeeded_and_is_listed(live: EmulatorServer) -> None:
    job = succeeded_azure_job(live)
    client = mgmt(live)
    poller = client.deployments.begin_create_or_update(DEFAULT_RESOURCE_GROUP, DEFAULT_ACCOUNT_NAME, "try-1",
                                                       body(job.fine_tuned_model), **HTTP)
    assert poller.status() == "InProgress"
    first = client.deployments.get(DEFAULT_RESOURCE_GROUP, DEFAULT_ACCOUNT_NAME, "try-1", **HTTP)
    assert first.properties.provisioning_state == "Creating"
    result = poller.result(timeout=20)
    assert result.properties.provisioning_state == "Succeeded"
    assert (result.sku.name, result.sku.capacity, result.properties.model.name) == ("DeveloperTier", 50, job.fine_tuned_model)
    assert result.system_data.created_at is not None and result.tags == {"created-by": "test"}
    listed = list(client.deployments.list(DEFAULT_RESOURCE_GROUP, DEFAULT_ACCOUNT_NAME, **HTTP))
    assert [d.name for d in listed] == ["try-1"]
    assert live.arm.deployed_model("try-1", time.time()) == job.fine_tuned_model


def test_failed_provisioning_raises_with_the_service_error(live: EmulatorServer) -> None:
    job = succeeded_azure_job(live)
    live.arm.fail_next_provisioning("InternalError", "Provisioning failed in the backend.")
    poller = mgmt(live).deployments.begin_create_or_update(DEFAULT_RESOURCE_GROUP, DEFAULT_ACCOUNT_NAME, "bad",
                                                           body(job.fine_tuned_model), **HTTP)
    with pytest.raises(HttpResponseError) as raised:
        poller.result(timeout=20)
    assert "Provisioning failed in the backend." in str(raised.value)
    assert live.arm.deployed_model("bad", time.time()) is None


def test_a_throttled_poll_is_retried_by_the_sdk_and_the_operation_completes(live: EmulatorServer) -> None:
    job = succeeded_azure_job(live)
    live.faults.add("429", r"operationResults", times=2, retry_after=0.05)
    poller = mgmt(live).deployments.begin_create_or_update(DEFAULT_RESOURCE_GROUP, DEFAULT_ACCOUNT_NAME, "slowpoke",
                                                           body(job.fine_tuned_model), **HTTP)
    assert poller.result(timeout=20).properties.provisioning_state == "Succeeded"
    statuses = [r.status for r in live.state.requests_matching("GET", r"operationResults")]
    assert statuses[:2] == [429, 429] and statuses[-1] == 200


def test_delete_is_a_long_running_operation_and_the_deployment_is_gone(live: EmulatorServer) -> None:
    job = succeeded_azure_job(live)
    client = mgmt(live)
    client.deployments.begin_create_or_update(DEFAULT_RESOURCE_GROUP, DEFAULT_ACCOUNT_NAME, "gone",
                                              body(job.fine_tuned_model), **HTTP).result(timeout=20)
    client.deployments.begin_delete(DEFAULT_RESOURCE_GROUP, DEFAULT_ACCOUNT_NAME, "gone", **HTTP).result(timeout=20)
    with pytest.raises(ResourceNotFoundError):
        client.deployments.get(DEFAULT_RESOURCE_GROUP, DEFAULT_ACCOUNT_NAME, "gone", **HTTP)


@pytest.mark.parametrize(("setup", "status", "code"), [
    (lambda srv: srv.arm.quota.__setitem__("DeveloperTier", 10), 400, "InsufficientQuota"),
    (lambda srv: srv.arm.denied_actions.add("Microsoft.CognitiveServices/accounts/deployments/write"), 403, "AuthorizationFailed"),
])
def test_quota_and_permission_refusals_carry_arm_codes(live: EmulatorServer, setup: Any, status: int, code: str) -> None:
    job = succeeded_azure_job(live)
    setup(live)
    with pytest.raises(HttpResponseError) as raised:
        mgmt(live).deployments.begin_create_or_update(DEFAULT_RESOURCE_GROUP, DEFAULT_ACCOUNT_NAME, "x",
                                                      body(job.fine_tuned_model), **HTTP)
    assert raised.value.status_code == status and raised.value.error.code == code


def test_unknown_model_and_wrong_sku_are_refused(live: EmulatorServer) -> None:
    job = succeeded_azure_job(live)
    client = mgmt(live)
    with pytest.raises(HttpResponseError) as unknown:
        client.deployments.begin_create_or_update(DEFAULT_RESOURCE_GROUP, DEFAULT_ACCOUNT_NAME, "x", body("nope.ft-123"), **HTTP)
    assert unknown.value.error.code == "DeploymentModelNotSupported"
    with pytest.raises(HttpResponseError) as sku:
        client.deployments.begin_create_or_update(DEFAULT_RESOURCE_GROUP, DEFAULT_ACCOUNT_NAME, "x",
                                                  body(job.fine_tuned_model, sku="ProvisionedManaged"), **HTTP)
    assert sku.value.error.code == "InvalidResourceProperties"


def test_api_key_header_and_missing_api_version_are_refused(live: EmulatorServer) -> None:
    url = f"{live.arm_base_url}/subscriptions/{DEFAULT_SUBSCRIPTION_ID}/providers/Microsoft.CognitiveServices/accounts"
    keyed = raw_get(url + "?api-version=2025-09-01", {"api-key": "k"})
    assert keyed[0] == 401 and "Entra" in keyed[1]["error"]["message"]
    unversioned = raw_get(url, {"Authorization": "Bearer t"})
    assert unversioned[0] == 400 and unversioned[1]["error"]["code"] == "MissingApiVersionParameter"


def raw_get(url: str, headers: dict[str, str]) -> tuple[int, Any]:
    """A request the SDK would never send (wrong auth header, no api-version)."""
    import json
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_a_developer_deployment_is_gone_after_24_hours() -> None:
    clock = ManualClock()
    with EmulatorServer(clock=clock, step_seconds=1.0) as srv:
        job = succeeded_azure_job(srv, clock)
        client = mgmt(srv)
        client.deployments.begin_create_or_update(DEFAULT_RESOURCE_GROUP, DEFAULT_ACCOUNT_NAME, "dev",
                                                  body(job.fine_tuned_model), polling=False, **HTTP)
        clock.advance(srv.arm.timing.provision_seconds)
        assert client.deployments.get(DEFAULT_RESOURCE_GROUP, DEFAULT_ACCOUNT_NAME, "dev", **HTTP).properties.provisioning_state == "Succeeded"
        clock.advance(DEVELOPER_LIFETIME_SECONDS)
        assert list(client.deployments.list(DEFAULT_RESOURCE_GROUP, DEFAULT_ACCOUNT_NAME, **HTTP)) == []
        assert srv.arm.deployed_model("dev", clock()) is None


def test_deployments_survive_an_emulator_restart(tmp_path: Any) -> None:
    with EmulatorServer(step_seconds=0.01, data_dir=tmp_path) as srv:
        job = succeeded_azure_job(srv)
        mgmt(srv).deployments.begin_create_or_update(DEFAULT_RESOURCE_GROUP, DEFAULT_ACCOUNT_NAME, "kept",
                                                     body(job.fine_tuned_model), **HTTP).result(timeout=20)
    with EmulatorServer(step_seconds=0.01, data_dir=tmp_path) as again:
        names = [d.name for d in mgmt(again).deployments.list(DEFAULT_RESOURCE_GROUP, DEFAULT_ACCOUNT_NAME, **HTTP)]
        assert names == ["kept"]
        assert list(mgmt(again).accounts.list(**HTTP))[0].properties.endpoint == again.azure_endpoint + "/"


def test_a_deployment_answers_chat_under_its_name_on_every_style(live: EmulatorServer) -> None:
    """Dated Azure: /openai/deployments/<name>/chat/completions; v1 and the demo's /v1: model=<name>."""
    from openai import OpenAI

    job = succeeded_azure_job(live)
    mgmt(live).deployments.begin_create_or_update(DEFAULT_RESOURCE_GROUP, DEFAULT_ACCOUNT_NAME, "chatty",
                                                  body(job.fine_tuned_model), **HTTP).result(timeout=20)
    messages = [{"role": "system", "content": "Answer cat or dog."}, {"role": "user", "content": "Which?"}]
    dated = AzureOpenAI(azure_endpoint=live.azure_endpoint, api_version=AZURE_VERSION, api_key="k", max_retries=0)
    assert dated.chat.completions.create(model="chatty", messages=messages).choices[0].message.content
    for base in (live.azure_v1_base_url, live.base_url):
        client = OpenAI(base_url=base, api_key="k", max_retries=0)
        assert client.chat.completions.create(model="chatty", messages=messages).choices[0].message.content
