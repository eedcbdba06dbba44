"""What the emulated Azure Resource Manager knows: subscriptions, Cognitive Services accounts, model
deployments and their long-running operations.

Like jobs, a deployment stores only facts fixed when it was asked for (times, SKU, model, the outcome
decided up front); its provisioning state is derived from those and the clock, so nothing runs in the
background and a `ManualClock` makes every state reachable in a test. A Developer-tier deployment
disappears 24 hours after it was created, as the service's does.

Knobs for tests (all on `srv.arm`, an `ArmStore`):
- `add_account(...)`: more accounts (the default one's endpoint is the emulator itself).
- `fail_next_provisioning(code, message)`: the next create is accepted (201) and its operation ends
  `Failed` with that error, as a real provisioning failure does.
- `refuse_next_create(status, code, message)`: the next create is refused at once (e.g. 400
  `InsufficientQuota`, 403 `AuthorizationFailed`).
- `quota[sku]`: total capacity the account may deploy per SKU (default `DEFAULT_QUOTA`).
- `denied_actions`: ARM actions (e.g. "Microsoft.CognitiveServices/accounts/deployments/write")
  answered with 403 `AuthorizationFailed`.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from pathlib import Path
from dataclasses import asdict, dataclass, field
from typing import Any

DEVELOPER_LIFETIME_SECONDS = 24 * 3600
DEFAULT_SUBSCRIPTION_ID = "00000000-0000-4000-8000-000000000000"
DEFAULT_TENANT_ID = "00000000-0000-4000-8000-00000000aaaa"
DEFAULT_RESOURCE_GROUP = "studio-demo"
DEFAULT_ACCOUNT_NAME = "demo-openai"
DEFAULT_LOCATION = "swedencentral"
DEFAULT_QUOTA = 1000  # capacity units (thousands of tokens per minute) per SKU and account

# SKU names as ARM spells them; matching is case-insensitive like the service's.
FINE_TUNED_SKUS = ("Standard", "GlobalStandard", "DeveloperTier")
KNOWN_SKUS = FINE_TUNED_SKUS + ("DataZoneStandard", "ProvisionedManaged", "GlobalProvisionedManaged", "GlobalBatch")


def canonical_sku(name: str) -> str | None:
    for sku in KNOWN_SKUS:
        if sku.lower() == name.lower():
            return sku
    return None


@dataclass(frozen=True)
class ArmTiming:
    provision_seconds: float
    delete_seconds: float
    poll_hint_seconds: float  # sent as retry-after-ms on LRO answers, so the SDK polls at emulator pace

    @classmethod
    def from_step_seconds(cls, step_seconds: float) -> "ArmTiming":
        return cls(16 * step_seconds, 2 * step_seconds, max(0.01, min(2.0, 2 * step_seconds)))


@dataclass
class Account:
    subscription_id: str
    resource_group: str
    name: str
    location: str
    endpoint: str  # https://<name>.openai.azure.com/ in the cloud; the emulator's own URL here
    kind: str = "OpenAI"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.subscription_id.lower(), self.resource_group.lower(), self.name.lower())

    @property
    def resource_id(self) -> str:
        return (f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"
                f"/providers/Microsoft.CognitiveServices/accounts/{self.name}")


@dataclass
class DeploymentRecord:
    account: tuple[str, str, str]
    name: str
    sku: str
    capacity: int
    model_format: str
    model_name: str
    model_version: str
    created_at: float
    modified_at: float
    ready_at: float
    tags: dict[str, str] = field(default_factory=dict)
    failure: dict[str, str] | None = None  # {"code", "message"}: provisioning ends Failed
    deleting_since: float | None = None

    def state_at(self, now: float, timing: ArmTiming) -> str:
        if self.deleting_since is not None:
            return "Deleting"
        if now < self.ready_at:
            return "Creating"
        return "Failed" if self.failure else "Succeeded"

    def expired(self, now: float) -> bool:
        return self.sku == "DeveloperTier" and now >= self.created_at + DEVELOPER_LIFETIME_SECONDS

    def gone(self, now: float, timing: ArmTiming) -> bool:
        deleted = self.deleting_since is not None and now >= self.deleting_since + timing.delete_seconds
        return deleted or self.expired(now)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["account"] = list(self.account)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "DeploymentRecord":
        data = dict(data)
        data["account"] = tuple(data["account"])
        return cls(**data)


@dataclass
class Operation:
    id: str
    kind: str  # "create" | "delete"
    account: tuple[str, str, str]
    deployment: str
    started_at: float
    location: str


class ArmStore:
    """Accounts, deployments and operations, behind the emulator state's lock (callers hold it)."""

    def __init__(self, timing: ArmTiming, default_endpoint: str | None = None, path: Path | None = None) -> None:
        """`default_endpoint`: the emulator's own URL, served as the default account's endpoint.
        `path`: a JSON file to keep deployments in across restarts (the demo)."""
        self.timing = timing
        self._path = path
        self.lock = threading.RLock()
        self.tenant_id = DEFAULT_TENANT_ID
        self.subscriptions: dict[str, str] = {DEFAULT_SUBSCRIPTION_ID: "Studio demo subscription"}
        self.accounts: dict[tuple[str, str, str], Account] = {}
        self.deployments: dict[tuple[str, str, str, str], DeploymentRecord] = {}
        self.operations: dict[str, Operation] = {}
        self.quota: dict[str, int] = {sku: DEFAULT_QUOTA for sku in KNOWN_SKUS}
        self.denied_actions: set[str] = set()
        self._next_provisioning_failure: dict[str, str] | None = None
        self._next_create_refusal: tuple[int, str, str] | None = None
        self.deployments_created = 0
        if default_endpoint is not None:
            self.add_account(DEFAULT_SUBSCRIPTION_ID, DEFAULT_RESOURCE_GROUP, DEFAULT_ACCOUNT_NAME,
                             endpoint=default_endpoint)
        if path is not None and path.exists():
            self.load_dict(json.loads(path.read_text(encoding="utf-8")), default_endpoint)

    # --- test knobs ------------------------------------------------------------------------------

    def add_account(self, subscription_id: str, resource_group: str, name: str, *, endpoint: str,
                    location: str = DEFAULT_LOCATION, kind: str = "OpenAI") -> Account:
        with self.lock:
            self.subscriptions.setdefault(subscription_id, f"Subscription {subscription_id[:8]}")
            account = Account(subscription_id, resource_group, name, location, endpoint.rstrip("/") + "/", kind)
            self.accounts[account.key] = account
            return account

    def fail_next_provisioning(self, code: str = "ResourceOperationFailure",
                               message: str = "The deployment failed while provisioning (injected by the emulator).") -> None:
        with self.lock:
            self._next_provisioning_failure = {"code": code, "message": message}

    def refuse_next_create(self, status: int, code: str, message: str) -> None:
        with self.lock:
            self._next_create_refusal = (status, code, message)

    def take_provisioning_failure(self) -> dict[str, str] | None:
        with self.lock:
            failure, self._next_provisioning_failure = self._next_provisioning_failure, None
            return failure

    def take_create_refusal(self) -> tuple[int, str, str] | None:
        with self.lock:
            refusal, self._next_create_refusal = self._next_create_refusal, None
            return refusal

    # --- queries -----------------------------------------------------------------------------------

    def account(self, subscription_id: str, resource_group: str, name: str) -> Account | None:
        return self.accounts.get((subscription_id.lower(), resource_group.lower(), name.lower()))

    def live_deployments(self, account: Account, now: float) -> list[DeploymentRecord]:
        self.forget_gone(now)
        return sorted((d for d in self.deployments.values() if d.account == account.key), key=lambda d: d.created_at)

    def deployment(self, account: Account, name: str, now: float) -> DeploymentRecord | None:
        self.forget_gone(now)
        return self.deployments.get(account.key + (name.lower(),))

    def forget_gone(self, now: float) -> None:
        for key in [k for k, d in self.deployments.items() if d.gone(now, self.timing)]:
            del self.deployments[key]

    def capacity_used(self, account: Account, sku: str, now: float, except_name: str | None = None) -> int:
        return sum(d.capacity for d in self.live_deployments(account, now)
                   if d.sku == sku and d.name.lower() != (except_name or "").lower())

    def deployed_model(self, name: str, now: float) -> str | None:
        """The model a deployment name serves, once provisioned (chat completions route by this).

        Deployment names are unique per account; the emulator serves one endpoint, so a name is
        looked up across its accounts."""
        with self.lock:
            self.forget_gone(now)
            for record in self.deployments.values():
                if record.name.lower() == name.lower() and record.state_at(now, self.timing) == "Succeeded":
                    return record.model_name
        return None

    # --- changes -----------------------------------------------------------------------------------

    def put(self, record: DeploymentRecord) -> None:
        self.deployments[record.account + (record.name.lower(),)] = record
        self.deployments_created += 1

    def new_operation(self, kind: str, account: Account, deployment: str, now: float) -> Operation:
        op = Operation(secrets.token_hex(16), kind, account.key, deployment, now, account.location)
        self.operations[op.id] = op
        return op

    # --- persistence (the demo keeps deployments across restarts) ----------------------------------

    def to_dict(self) -> dict[str, Any]:
        with self.lock:
            return {
                "accounts": [asdict(a) for a in self.accounts.values()],
                "deployments": [d.to_dict() for d in self.deployments.values()],
                "operations": [asdict(o) | {"account": list(o.account)} for o in self.operations.values()],
                "deployments_created": self.deployments_created,
            }

    def save(self) -> None:
        if self._path is None:
            return
        with self.lock:
            tmp = self._path.with_suffix(".json.tmp")
            tmp.write_text(json.dumps(self.to_dict()), encoding="utf-8")
            os.replace(tmp, self._path)

    def load_dict(self, data: dict[str, Any], default_endpoint: str | None = None) -> None:
        """Restore deployments and operations; accounts are re-pointed at this run's endpoint,
        because the demo's port changes between runs."""
        with self.lock:
            for item in data.get("accounts", []):
                account = Account(**item)
                if default_endpoint is not None and account.key == (
                        DEFAULT_SUBSCRIPTION_ID.lower(), DEFAULT_RESOURCE_GROUP.lower(), DEFAULT_ACCOUNT_NAME.lower()):
                    account.endpoint = default_endpoint.rstrip("/") + "/"
                self.accounts[account.key] = account
            for item in data.get("deployments", []):
                record = DeploymentRecord.from_dict(item)
                self.deployments[record.account + (record.name.lower(),)] = record
            for item in data.get("operations", []):
                item = dict(item)
                item["account"] = tuple(item["account"])
                op = Operation(**item)
                self.operations[op.id] = op
            self.deployments_created = int(data.get("deployments_created", len(self.deployments)))
