"""Azure Resource Manager endpoints the studio's deployment code calls through the management SDKs.

Served at the emulator root (`srv.arm_base_url`), beside the OpenAI-style prefixes:

    GET    /subscriptions                                                   (azure-mgmt-resource-subscriptions)
    GET    /subscriptions/{sub}/providers/Microsoft.CognitiveServices/accounts
    GET    /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.CognitiveServices/accounts[/{account}]
    GET    .../accounts/{account}/deployments
    GET    .../accounts/{account}/deployments/{name}
    PUT    .../accounts/{account}/deployments/{name}      201 + Azure-AsyncOperation: a long-running operation
    DELETE .../accounts/{account}/deployments/{name}      202 + Azure-AsyncOperation + Location
    GET    /subscriptions/{sub}/providers/Microsoft.CognitiveServices/locations/{loc}/operationResults/{id}

As ARM does: only `Authorization: Bearer` is accepted (an `api-key` header is not a management
credential), `api-version` is required on every request, paths are case-insensitive, and errors are
`{"error": {"code", "message"}}` with ARM's codes (`InsufficientQuota`, `AuthorizationFailed`,
`DeploymentModelNotSupported`, `NotFound`, `RequestConflict`, `MissingApiVersionParameter`...).
Provisioning: `Creating` for `ArmTiming.provision_seconds`, then `Succeeded` (or `Failed`, see
`ArmStore.fail_next_provisioning`); the operation status mirrors it (`InProgress`/`Succeeded`/`Failed`).
Request faults (`srv.faults`, e.g. `add("429", r"operationResults")`) apply here too, with ARM bodies.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from studio.emulator.http.errors import ApiError
from studio.emulator.http.request import ApiResponse
from studio.emulator.training.model_names import VISION_BASE_MODELS
from studio.emulator.state.arm_store import (
    FINE_TUNED_SKUS,
    Account,
    ArmStore,
    DeploymentRecord,
    canonical_sku,
)

if TYPE_CHECKING:
    from studio.emulator.state.store import EmulatorState
    from studio.emulator.http.faults import Faults

ARM_PREFIX = "/subscriptions"
PROVIDER = "Microsoft.CognitiveServices"
_API_VERSION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview)?$")


class ArmError(ApiError):
    """A refusal in ARM's error shape: {"error": {"code", "message"}}."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, message, code=code, headers=headers)

    def body(self, style: str | None = None) -> dict[str, Any]:
        """ARM has one error shape whatever the caller's style."""
        return {"error": {"code": self.code, "message": self.message}}


class Dropped(Exception):
    """The connection is to be closed without an answer (the "disconnect" fault)."""


@dataclass
class ArmRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    now: float
    base_url: str  # scheme://host:port, for the absolute URLs in LRO headers

    @property
    def api_version(self) -> str:
        return (self.query.get("api-version") or [""])[0]

    def json(self) -> dict[str, Any]:
        try:
            value = json.loads(self.body or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized.") from None
        if not isinstance(value, dict):
            raise ArmError(400, "InvalidRequestContent", "The request content must be a JSON object.")
        return value


def is_arm_path(path: str) -> bool:
    return path.lower() == ARM_PREFIX or path.lower().startswith(ARM_PREFIX + "/")


# --- entry point ----------------------------------------------------------------------------------


def serve(state: "EmulatorState", arm: ArmStore, faults: "Faults", accepted_tokens: frozenset[str] | None,
          request: ArmRequest) -> ApiResponse:
    """Answer one ARM request (raises `Dropped` for an injected disconnect)."""
    try:
        _check_auth(request.headers, accepted_tokens)
        if not request.api_version:
            raise ArmError(400, "MissingApiVersionParameter",
                           "The api-version query parameter (?api-version=) is required for all requests.")
        if not _API_VERSION_RE.match(request.api_version):
            raise ArmError(400, "InvalidApiVersionParameter",
                           f"The api-version '{request.api_version}' is invalid. The supported versions are dated, e.g. '2025-09-01'.")
        fault = faults.take_request_fault(request.method, request.path)
        if fault is not None:
            _apply_fault(fault.kind, fault.options)
        with state.lock, arm.lock:
            state.refresh(request.now)
            response = _dispatch(state, arm, request)
            if request.method in ("PUT", "DELETE"):
                arm.save()
            return response
    except ArmError as error:
        return ApiResponse(error.status, json_body=error.body(), headers=error.headers)


def _apply_fault(kind: str, options: Mapping[str, Any]) -> None:
    if kind == "429":
        seconds = float(options.get("retry_after", 0.05))
        raise ArmError(429, "TooManyRequests", "The request is being throttled (injected by the emulator). Retry after a short wait.",
                       headers=retry_headers(seconds))
    if kind == "500":
        raise ArmError(500, "InternalServerError", options.get("message") or "The server encountered an internal error (injected by the emulator).")
    if kind == "disconnect":
        raise Dropped()
    if kind == "slow":
        time.sleep(float(options.get("delay", 1.0)))


def _check_auth(headers: Mapping[str, str], accepted: frozenset[str] | None) -> None:
    value = headers.get("authorization", "")
    scheme, _, token = value.strip().partition(" ")
    if not value:
        hint = " An 'api-key' is not accepted by Azure Resource Manager: sign in with Microsoft Entra ID." if "api-key" in headers else ""
        raise ArmError(401, "AuthenticationFailed",
                       "Authentication failed. The 'Authorization' header is missing." + hint)
    if scheme.lower() != "bearer" or not token.strip():
        raise ArmError(401, "InvalidAuthenticationToken", "The access token is invalid: expected 'Authorization: Bearer <token>'.")
    if accepted is not None and token.strip() not in accepted:
        raise ArmError(401, "InvalidAuthenticationToken", "The access token is invalid or has expired. Sign in again.")


# --- routing ----------------------------------------------------------------------------------------

_SEG = r"(?P<{}>[^/]+)"
_ACCOUNTS = rf"/subscriptions/{_SEG.format('sub')}/resourcegroups/{_SEG.format('rg')}/providers/microsoft\.cognitiveservices/accounts"
_ROUTES: list[tuple[str, str, str]] = [
    ("GET", r"/subscriptions", "list_subscriptions"),
    ("GET", rf"/subscriptions/{_SEG.format('sub')}", "get_subscription"),
    ("GET", rf"/subscriptions/{_SEG.format('sub')}/providers/microsoft\.cognitiveservices/accounts", "list_accounts"),
    ("GET", _ACCOUNTS, "list_accounts"),
    ("GET", rf"{_ACCOUNTS}/{_SEG.format('account')}", "get_account"),
    ("GET", rf"{_ACCOUNTS}/{_SEG.format('account')}/deployments", "list_deployments"),
    ("GET", rf"{_ACCOUNTS}/{_SEG.format('account')}/deployments/{_SEG.format('name')}", "get_deployment"),
    ("PUT", rf"{_ACCOUNTS}/{_SEG.format('account')}/deployments/{_SEG.format('name')}", "put_deployment"),
    ("DELETE", rf"{_ACCOUNTS}/{_SEG.format('account')}/deployments/{_SEG.format('name')}", "delete_deployment"),
    ("GET", rf"/subscriptions/{_SEG.format('sub')}/providers/microsoft\.cognitiveservices/locations/{_SEG.format('loc')}"
            rf"/operationresults/{_SEG.format('op')}", "operation_status"),
]
_COMPILED = [(m, re.compile(p, re.IGNORECASE), h) for m, p, h in _ROUTES]


def _dispatch(state: "EmulatorState", arm: ArmStore, request: ArmRequest) -> ApiResponse:
    path = "/" + request.path.strip("/")
    allowed = False
    for method, pattern, name in _COMPILED:
        match = pattern.fullmatch(path)
        if match is None:
            continue
        allowed = True
        if method == request.method:
            handler: Callable[..., ApiResponse] = _HANDLERS[name]
            return handler(state, arm, request, **match.groupdict())
    if allowed:
        raise ArmError(405, "MethodNotAllowed", f"The requested resource does not support http method '{request.method}'.")
    raise ArmError(404, "InvalidResourceType", f"The resource type could not be found for path '{path}'.")


# --- shapes -------------------------------------------------------------------------------------------


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat().replace("+00:00", "Z")


def _subscription_json(sub_id: str, name: str, tenant: str) -> dict[str, Any]:
    return {"id": f"/subscriptions/{sub_id}", "subscriptionId": sub_id, "tenantId": tenant,
            "displayName": name, "state": "Enabled"}


def _account_json(account: Account) -> dict[str, Any]:
    return {
        "id": account.resource_id,
        "name": account.name,
        "type": f"{PROVIDER}/accounts",
        "location": account.location,
        "kind": account.kind,
        "sku": {"name": "S0"},
        "etag": '"0"',
        "properties": {
            "endpoint": account.endpoint,
            "endpoints": {"OpenAI Language Model Instance API": account.endpoint},
            "provisioningState": "Succeeded",
            "customSubDomainName": account.name,
            "publicNetworkAccess": "Enabled",
        },
    }


def _deployment_json(account: Account, record: DeploymentRecord, arm: ArmStore, now: float) -> dict[str, Any]:
    state = record.state_at(now, arm.timing)
    return {
        "id": f"{account.resource_id}/deployments/{record.name}",
        "name": record.name,
        "type": f"{PROVIDER}/accounts/deployments",
        "sku": {"name": record.sku, "capacity": record.capacity},
        "tags": dict(record.tags),
        "etag": f'"{int(record.modified_at * 1000)}"',
        "systemData": {
            "createdBy": "studio-user@example.com", "createdByType": "User", "createdAt": _iso(record.created_at),
            "lastModifiedBy": "studio-user@example.com", "lastModifiedByType": "User", "lastModifiedAt": _iso(record.modified_at),
        },
        "properties": {
            "model": {"format": record.model_format, "name": record.model_name, "version": record.model_version},
            "provisioningState": state,
            "capabilities": {"chatCompletion": "true"},
            "rateLimits": [{"key": "request", "renewalPeriod": 10, "count": max(1, record.capacity)},
                           {"key": "token", "renewalPeriod": 60, "count": record.capacity * 1000}],
            "versionUpgradeOption": "NoAutoUpgrade",
            "currentCapacity": record.capacity,
        },
    }


def retry_headers(seconds: float) -> dict[str, str]:
    """When to ask again. azure-core reads `Retry-After` (whole seconds) before `retry-after-ms`, so a
    sub-second emulator pace is sent as `retry-after-ms` alone."""
    if seconds < 1:
        return {"retry-after-ms": str(max(1, int(seconds * 1000)))}
    return {"Retry-After": str(int(-(-seconds // 1)))}


def _lro_headers(arm: ArmStore, request: ArmRequest, op_id: str, sub: str, location: str) -> dict[str, str]:
    url = (f"{request.base_url}/subscriptions/{sub}/providers/{PROVIDER}/locations/{location}"
           f"/operationResults/{op_id}?api-version={request.api_version}")
    return {"Azure-AsyncOperation": url} | retry_headers(arm.timing.poll_hint_seconds)


# --- handlers -----------------------------------------------------------------------------------------


def _ok(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> ApiResponse:
    return ApiResponse(status, json_body=body, headers=headers or {})


def _known_subscription(arm: ArmStore, sub: str) -> str:
    for sub_id in arm.subscriptions:
        if sub_id.lower() == sub.lower():
            return sub_id
    raise ArmError(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")


def _account(arm: ArmStore, sub: str, rg: str, name: str) -> Account:
    _known_subscription(arm, sub)
    account = arm.account(sub, rg, name)
    if account is None:
        raise ArmError(404, "ResourceNotFound",
                       f"The Resource '{PROVIDER}/accounts/{name}' under resource group '{rg}' was not found.")
    return account


def _require(arm: ArmStore, action: str, scope: str) -> None:
    if action in arm.denied_actions:
        raise ArmError(403, "AuthorizationFailed",
                       f"The client 'studio-user@example.com' with object id '00000000-0000-0000-0000-00000000beef' does "
                       f"not have authorization to perform action '{action}' over scope '{scope}' or the scope is invalid.")


def list_subscriptions(state: "EmulatorState", arm: ArmStore, request: ArmRequest) -> ApiResponse:
    return _ok({"value": [_subscription_json(s, n, arm.tenant_id) for s, n in arm.subscriptions.items()]})


def get_subscription(state: "EmulatorState", arm: ArmStore, request: ArmRequest, sub: str) -> ApiResponse:
    sub_id = _known_subscription(arm, sub)
    return _ok(_subscription_json(sub_id, arm.subscriptions[sub_id], arm.tenant_id))


def list_accounts(state: "EmulatorState", arm: ArmStore, request: ArmRequest, sub: str, rg: str | None = None) -> ApiResponse:
    _known_subscription(arm, sub)
    accounts = [a for a in arm.accounts.values()
                if a.subscription_id.lower() == sub.lower() and (rg is None or a.resource_group.lower() == rg.lower())]
    return _ok({"value": [_account_json(a) for a in accounts]})


def get_account(state: "EmulatorState", arm: ArmStore, request: ArmRequest, sub: str, rg: str, account: str) -> ApiResponse:
    return _ok(_account_json(_account(arm, sub, rg, account)))


def list_deployments(state: "EmulatorState", arm: ArmStore, request: ArmRequest, sub: str, rg: str, account: str) -> ApiResponse:
    acct = _account(arm, sub, rg, account)
    _require(arm, f"{PROVIDER}/accounts/deployments/read", acct.resource_id)
    return _ok({"value": [_deployment_json(acct, d, arm, request.now) for d in arm.live_deployments(acct, request.now)]})


def get_deployment(state: "EmulatorState", arm: ArmStore, request: ArmRequest, sub: str, rg: str, account: str, name: str) -> ApiResponse:
    acct = _account(arm, sub, rg, account)
    _require(arm, f"{PROVIDER}/accounts/deployments/read", acct.resource_id)
    record = arm.deployment(acct, name, request.now)
    if record is None:
        raise ArmError(404, "DeploymentNotFound", f"Deployment '{name}' was not found on account '{acct.name}'.")
    return _ok(_deployment_json(acct, record, arm, request.now))


_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def _deployable_models(state: "EmulatorState", now: float) -> set[str]:
    """Base vision models, plus fine-tuned models and their checkpoints of succeeded jobs (of either
    flavor: the demo trains through /v1 and deploys through ARM)."""
    models = set(VISION_BASE_MODELS)
    for job in state.jobs.values():
        snap = state.snapshot(job, now)
        if snap.fine_tuned_model:
            models.add(snap.fine_tuned_model)
            models.update(c.model for c in snap.checkpoints)
    return models


def put_deployment(state: "EmulatorState", arm: ArmStore, request: ArmRequest, sub: str, rg: str, account: str, name: str) -> ApiResponse:
    acct = _account(arm, sub, rg, account)
    _require(arm, f"{PROVIDER}/accounts/deployments/write", f"{acct.resource_id}/deployments/{name}")
    refusal = arm.take_create_refusal()
    if refusal is not None:
        raise ArmError(*refusal)
    if not _NAME_RE.match(name):
        raise ArmError(400, "InvalidResourceName",
                       f"The deployment name '{name}' is invalid: use up to 64 letters, digits, '-', '_' or '.', starting with a letter or digit.")
    body = request.json()
    sku_body = body.get("sku")
    props = body.get("properties")
    if not isinstance(sku_body, dict) or not isinstance(sku_body.get("name"), str):
        raise ArmError(400, "InvalidResourceProperties", "The deployment must have a 'sku' with a 'name' (e.g. 'DeveloperTier', 'Standard', 'GlobalStandard').")
    sku = canonical_sku(sku_body["name"])
    if sku is None:
        raise ArmError(400, "InvalidSkuName", f"The SKU '{sku_body['name']}' is not a valid deployment SKU.")
    capacity = sku_body.get("capacity", 1)
    if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
        raise ArmError(400, "InvalidCapacity", "The SKU capacity must be a whole number of at least 1.")
    model = (props or {}).get("model") if isinstance(props, dict) else None
    if not isinstance(model, dict) or not model.get("name") or not model.get("format"):
        raise ArmError(400, "InvalidResourceProperties", "properties.model needs 'format' and 'name' (and usually 'version').")
    if model["format"] != "OpenAI":
        raise ArmError(400, "InvalidModelFormat", f"The model format '{model['format']}' is not supported by this account (use 'OpenAI').")
    model_name = str(model["name"])
    if model_name not in _deployable_models(state, request.now):
        raise ArmError(400, "DeploymentModelNotSupported",
                       f"Creating account deployment is not supported by the model '{model_name}'. The model is not "
                       f"available on account '{acct.name}' in region '{acct.location}'.")
    fine_tuned = model_name not in VISION_BASE_MODELS
    if fine_tuned and sku not in FINE_TUNED_SKUS:
        raise ArmError(400, "InvalidResourceProperties",
                       f"The specified SKU '{sku}' for model '{model_name}' is not supported in this region '{acct.location}'.")
    if sku == "DeveloperTier" and not fine_tuned:
        raise ArmError(400, "InvalidResourceProperties",
                       f"The SKU 'DeveloperTier' is only available for fine-tuned models, not '{model_name}'.")
    existing = arm.deployment(acct, name, request.now)
    if existing is not None and existing.state_at(request.now, arm.timing) in ("Creating", "Deleting"):
        raise ArmError(409, "RequestConflict",
                       f"Another operation is being performed on deployment '{name}'. Wait for it to finish and try again.")
    used = arm.capacity_used(acct, sku, request.now, except_name=name)
    limit = arm.quota.get(sku, 0)
    if used + capacity > limit:
        raise ArmError(400, "InsufficientQuota",
                       f"This operation require {capacity} new capacity in quota Tokens Per Minute (thousands) - {sku}, "
                       f"which is bigger than the current available capacity {max(0, limit - used)}. The current quota "
                       f"usage is {used} and the quota limit is {limit} for quota Tokens Per Minute (thousands) - {sku}.")
    tags = body.get("tags")
    if not isinstance(tags, dict):
        tags = {}
    now = request.now
    record = DeploymentRecord(
        account=acct.key, name=name, sku=sku, capacity=capacity, model_format="OpenAI", model_name=model_name,
        model_version=str(model.get("version") or "1"), created_at=existing.created_at if existing else now,
        modified_at=now, ready_at=now + arm.timing.provision_seconds,
        tags={str(k): str(v) for k, v in tags.items()}, failure=arm.take_provisioning_failure(),
    )
    arm.put(record)
    op = arm.new_operation("create", acct, name, now)
    headers = _lro_headers(arm, request, op.id, acct.subscription_id, acct.location)
    return _ok(_deployment_json(acct, record, arm, now), 200 if existing else 201, headers)


def delete_deployment(state: "EmulatorState", arm: ArmStore, request: ArmRequest, sub: str, rg: str, account: str, name: str) -> ApiResponse:
    acct = _account(arm, sub, rg, account)
    _require(arm, f"{PROVIDER}/accounts/deployments/delete", f"{acct.resource_id}/deployments/{name}")
    record = arm.deployment(acct, name, request.now)
    if record is None:
        return ApiResponse(204, raw=b"")  # ARM: deleting what is not there succeeds
    if record.deleting_since is None:
        record.deleting_since = request.now
    op = arm.new_operation("delete", acct, name, request.now)
    headers = _lro_headers(arm, request, op.id, acct.subscription_id, acct.location)
    headers["Location"] = headers["Azure-AsyncOperation"]
    return ApiResponse(202, raw=b"", headers=headers)


def operation_status(state: "EmulatorState", arm: ArmStore, request: ArmRequest, sub: str, loc: str, op: str) -> ApiResponse:
    operation = arm.operations.get(op)
    if operation is None or operation.account[0] != sub.lower():
        raise ArmError(404, "NotFound", f"The operation '{op}' was not found.")
    body: dict[str, Any] = {"id": f"/subscriptions/{sub}/providers/{PROVIDER}/locations/{loc}/operationResults/{op}",
                            "name": op, "startTime": _iso(operation.started_at)}
    record = arm.deployments.get(operation.account + (operation.deployment.lower(),))
    if record is not None and record.gone(request.now, arm.timing):
        arm.forget_gone(request.now)
        record = None
    if operation.kind == "delete":
        status = "InProgress" if record is not None else "Succeeded"
    elif record is None:
        status = "Canceled"  # deleted (or expired) before provisioning finished
    else:
        status = {"Creating": "InProgress", "Deleting": "Canceled", "Failed": "Failed"}.get(
            record.state_at(request.now, arm.timing), "Succeeded")
        if status == "Failed" and record.failure:
            body["error"] = dict(record.failure)
    body["status"] = status
    headers = {}
    if status == "InProgress":
        headers = retry_headers(arm.timing.poll_hint_seconds)
    else:
        body["endTime"] = _iso(request.now)
    return _ok(body, headers=headers)


_HANDLERS: dict[str, Callable[..., ApiResponse]] = {
    "list_subscriptions": list_subscriptions,
    "get_subscription": get_subscription,
    "list_accounts": list_accounts,
    "get_account": get_account,
    "list_deployments": list_deployments,
    "get_deployment": get_deployment,
    "put_deployment": put_deployment,
    "delete_deployment": delete_deployment,
    "operation_status": operation_status,
}
