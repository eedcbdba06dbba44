"""List, create and delete model deployments of one Azure OpenAI resource, through Resource Manager.

`open_manager(profile, store)` is what the UI, the CLI and the evaluation call. Every method runs on
the calling thread (start it from the UI's task runner) and blocks until done; long ones take
`progress` and a `CancelToken`.

Bookkeeping rule: a deployment the studio asks for is written to the project (deployment_records)
before the request leaves, and its row follows what happens (provisioning, succeeded, failed,
cancelled, deleted), so the project always knows which billed deployments it made.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from typing import Any

from studio.core.errors import ServiceError
from studio.core.store import deployment_records as records
from studio.core.tasks import CancelToken, Cancelled, ProgressCallable, no_progress
from studio.service.deployments.discovery import find_targets
from studio.service.deployments.errors import arm_error
from studio.service.deployments.management import (
    call_options,
    cognitive_client,
    management_base_url,
    management_credential,
)
from studio.service.deployments.types import ArmTarget, DeploymentInfo, DeploymentType, DeployRequest, duration_text
from studio.service.profile import ServiceProfile, project_profile, save_project_profile

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
STUDIO_TAG = {"created-by": "vision-finetune-studio"}
# A row just requested may not be listed by ARM yet; reconciling leaves it alone this long.
_LISTING_GRACE_SECONDS = 120.0


def open_manager(profile: ServiceProfile, store: Any | None = None, *, credential: Any | None = None,
                 base_url: str | None = None, poll_interval: float = 5.0) -> "DeploymentManager":
    """A manager for the profile's resource. Raises ServiceError (with what to do) for an API-key
    profile or OpenAI. `credential`/`base_url` override the profile's (tests, other clouds)."""
    credential = credential if credential is not None else management_credential(profile)
    return DeploymentManager(profile, credential, store=store, base_url=base_url or management_base_url(profile),
                             poll_interval=poll_interval)


def match_endpoint(profile: ServiceProfile, base_url: str) -> str:
    """The endpoint an account must have: the resource endpoint, or the demo emulator's root."""
    if profile.kind == "demo":
        return base_url.rstrip("/") + "/"
    return profile.resource_endpoint() + "/"


def default_name(request: DeployRequest, taken: set[str]) -> str:
    """A readable, unique name: `<base>-<job key>[-step<N>]-<type>`, e.g. `gpt-4o-3f9a1c2e-dev`."""
    model = request.model
    base = model.split(".ft-")[0].split(":")[0] if ".ft-" in model else (model.split(":")[1] if model.startswith("ft:") else model)
    base = re.sub(r"-\d{4}-\d{2}-\d{2}$", "", base)
    key = ""
    if ".ft-" in model:
        key = model.split(".ft-", 1)[1].split(":")[0][:8]
    elif model.startswith("ft:"):
        key = model.split(":")[4][:8] if len(model.split(":")) > 4 else ""
    step = f"-step{request.checkpoint_step}" if request.checkpoint_step else ""
    short = {"developer": "dev", "standard": "std", "globalstandard": "global"}[request.type.value]
    stem = re.sub(r"[^A-Za-z0-9_.-]", "-", "-".join(p for p in (base, key) if p) + step + "-" + short)[:60].strip("-.")
    name, n = stem, 2
    lowered = {t.lower() for t in taken}
    while name.lower() in lowered:
        name, n = f"{stem}-{n}", n + 1
    return name


def _timestamp(value: Any) -> float | None:
    try:
        return float(value.timestamp()) if value is not None else None
    except (AttributeError, OverflowError, ValueError):
        return None


class DeploymentManager:
    def __init__(self, profile: ServiceProfile, credential: Any, *, store: Any | None = None,
                 base_url: str, poll_interval: float = 5.0) -> None:
        self.profile = profile
        self.store = store
        self.base_url = base_url
        self.poll_interval = poll_interval
        self._credential = credential
        self._options = call_options(base_url)
        self._target: ArmTarget | None = None
        if profile.subscription_id and profile.resource_group and profile.account_name:
            self._target = ArmTarget(profile.subscription_id, profile.resource_group, profile.account_name)
        self._client: Any = None

    # --- where -----------------------------------------------------------------------------------

    def discover(self, progress: ProgressCallable = no_progress, cancel: CancelToken | None = None) -> list[ArmTarget]:
        return find_targets(self._credential, self.base_url, match_endpoint(self.profile, self.base_url),
                            progress=progress, cancel=cancel)

    def resolve_target(self, progress: ProgressCallable = no_progress, cancel: CancelToken | None = None) -> ArmTarget:
        """The resource's ARM address: from the profile, else found from the endpoint (and then kept
        in the project's service profile so the search runs once)."""
        if self._target is not None:
            return self._target
        found = self.discover(progress, cancel)
        where = self.profile.display_name()
        if not found:
            raise ServiceError(
                f"None of the Azure subscriptions your account can see has a resource with the endpoint of {where}. "
                "Check that you signed in with the right account (and tenant), or enter the subscription, resource "
                "group and resource name once (Deployments ▸ Azure resource…, or the CLI's --subscription, "
                "--resource-group and --account)."
            )
        if len(found) > 1:
            names = "; ".join(t.describe() for t in found)
            raise ServiceError(f"Several resources share the endpoint of {where} ({names}). Enter the one to use (Deployments ▸ Azure resource…, or the CLI's --subscription/--resource-group/--account).")
        self.use_target(found[0])
        return found[0]

    def use_target(self, target: ArmTarget) -> None:
        """Use (and remember in the project) this resource's ARM address."""
        self._target = target
        self._client = None
        self.profile = replace(self.profile, subscription_id=target.subscription_id,
                               resource_group=target.resource_group, account_name=target.account_name)
        if self.store is not None and self.profile.kind != "demo":
            saved = project_profile(self.store)
            if saved is None or saved.resource_endpoint() == self.profile.resource_endpoint():
                save_project_profile(self.store, self.profile)

    @property
    def target(self) -> ArmTarget:
        return self.resolve_target()

    def _deployments(self) -> Any:
        if self._client is None:
            self._client = cognitive_client(self._credential, self.target.subscription_id, self.base_url)
        return self._client.deployments

    # --- read ------------------------------------------------------------------------------------

    def list(self) -> list[DeploymentInfo]:
        """The resource's deployments, oldest first, those this project made marked `ours`."""
        target = self.target
        try:
            items = list(self._deployments().list(target.resource_group, target.account_name, **self._options))
        except Exception as error:  # noqa: BLE001
            raise arm_error(error, "list the deployments", target.describe()) from None
        infos = [self._info(item) for item in items]
        self._reconcile({i.name for i in infos})
        infos.sort(key=lambda i: (i.created_at or 0.0, i.name))
        return [self._with_record(i) for i in infos]

    def get(self, name: str) -> DeploymentInfo | None:
        from azure.core.exceptions import ResourceNotFoundError

        target = self.target
        try:
            item = self._deployments().get(target.resource_group, target.account_name, name, **self._options)
        except ResourceNotFoundError:
            return None
        except Exception as error:  # noqa: BLE001
            raise arm_error(error, f"read deployment '{name}'", target.describe()) from None
        return self._with_record(self._info(item))

    def _info(self, item: Any) -> DeploymentInfo:
        props = getattr(item, "properties", None)
        model = getattr(props, "model", None)
        sku = getattr(item, "sku", None)
        return DeploymentInfo(
            name=item.name,
            model=getattr(model, "name", "") or "",
            model_version=getattr(model, "version", "") or "",
            sku=getattr(sku, "name", "") or "",
            capacity=getattr(sku, "capacity", None),
            state=getattr(props, "provisioning_state", "") or "",
            created_at=_timestamp(getattr(getattr(item, "system_data", None), "created_at", None)),
        )

    def _with_record(self, info: DeploymentInfo) -> DeploymentInfo:
        if self.store is None:
            return info
        record = records.live_record(self.store, self.target.account_id, info.name)
        if record is None or record.model != info.model:
            return info
        return replace(info, ours=True, job_id=record.job_id, checkpoint_step=record.checkpoint_step, purpose=record.purpose)

    def _reconcile(self, listed: set[str]) -> None:
        """Rows of deployments that no longer exist (deleted elsewhere, or expired) are closed."""
        if self.store is None:
            return
        now = time.time()
        for record in records.project_deployments(self.store, account_id=self.target.account_id):
            if record.name not in listed and now - record.requested_at > _LISTING_GRACE_SECONDS:
                records.mark_deleted(self.store, record.account_id, record.name)

    # --- create ----------------------------------------------------------------------------------

    def deploy(self, request: DeployRequest, progress: ProgressCallable = no_progress,
               cancel: CancelToken | None = None) -> DeploymentInfo:
        """Create a deployment and wait until it is provisioned.

        Cancel stops waiting and deletes the half-made deployment (Azure has no "cancel provisioning").
        Raises ServiceError for quota, region, permission and provisioning failures."""
        from azure.mgmt.cognitiveservices.models import Deployment, DeploymentModel, DeploymentProperties, Sku

        target = self.target
        if request.capacity < 1:
            raise ServiceError("The capacity must be at least 1 (thousand tokens per minute).")
        name = request.name.strip() if request.name else default_name(request, {d.name for d in self.list()})
        if not NAME_RE.match(name):
            raise ServiceError(f"'{name}' cannot be a deployment name: use up to 64 letters, digits, '-', '_' or '.', "
                               "starting with a letter or digit.")
        if request.name and self.get(name) is not None:
            # Resource Manager's PUT would silently replace it: refuse instead.
            raise ServiceError(f"A deployment named '{name}' already exists on {target.account_name}. Choose another "
                               "name, or delete that deployment first.")
        body = Deployment(
            sku=Sku(name=request.type.sku, capacity=request.capacity),
            tags=dict(STUDIO_TAG),
            properties=DeploymentProperties(model=DeploymentModel(format="OpenAI", name=request.model, version="1")),
        )
        row = None
        if self.store is not None:
            row = records.record_request(self.store, account_id=target.account_id, name=name, model=request.model,
                                         deployment_type=request.type.value, sku=request.type.sku,
                                         capacity=request.capacity, job_id=request.job_id,
                                         checkpoint_step=request.checkpoint_step, purpose=request.purpose)
        action = f"deploy {request.model} as '{name}' ({request.type.label})"
        progress(0, None, f"Asking Azure to deploy '{name}'")
        try:
            poller = self._deployments().begin_create_or_update(
                target.resource_group, target.account_name, name, body, polling_interval=self.poll_interval, **self._options)
        except Exception as error:  # noqa: BLE001
            wrapped = arm_error(error, action, target.describe())
            self._set(row, "failed", error=str(wrapped))
            raise wrapped from None
        self._set(row, "provisioning")
        started = time.monotonic()
        try:
            while not poller.done():
                if cancel is not None and cancel.cancelled:
                    self._abandon(name, row)
                    raise Cancelled()
                elapsed = duration_text(time.monotonic() - started)
                progress(0, None, f"Provisioning '{name}' ({elapsed} so far; this usually takes a few minutes)")
                poller.wait(0.5)  # raises the operation's failure as soon as it is known
            result = poller.result()
        except Cancelled:
            raise
        except Exception as error:  # noqa: BLE001
            wrapped = arm_error(error, action, target.describe(), provisioning=True)
            self._set(row, "failed", error=str(wrapped))
            raise wrapped from None
        info = self._info(result)
        self._set(row, "succeeded", created_at=info.created_at)
        progress(1, 1, f"'{name}' is ready")
        return replace(info, ours=row is not None, job_id=request.job_id, checkpoint_step=request.checkpoint_step,
                       purpose=request.purpose)

    def _set(self, row: int | None, state: str, **values: Any) -> None:
        if row is not None and self.store is not None:
            records.update_state(self.store, row, state, **values)

    def _abandon(self, name: str, row: int | None) -> None:
        """Cancelled while provisioning: delete what was started so it cannot bill."""
        try:
            self._deployments().begin_delete(self.target.resource_group, self.target.account_name, name,
                                             polling_interval=self.poll_interval, **self._options).result(timeout=120)
        except Exception:  # noqa: BLE001 - best effort; the row stays "cancelled" and the list shows what is left
            pass
        self._set(row, "cancelled")

    # --- delete ----------------------------------------------------------------------------------

    def delete(self, name: str, progress: ProgressCallable = no_progress, cancel: CancelToken | None = None) -> None:
        """Delete a deployment and wait until Azure has removed it (the model itself is kept)."""
        target = self.target
        progress(0, None, f"Deleting '{name}'")
        try:
            poller = self._deployments().begin_delete(target.resource_group, target.account_name, name,
                                                      polling_interval=self.poll_interval, **self._options)
            while not poller.done():
                if cancel is not None and cancel.cancelled:
                    raise Cancelled()  # Azure goes on deleting; the next list shows the outcome
                poller.wait(0.5)
            poller.result()
        except Cancelled:
            raise
        except Exception as error:  # noqa: BLE001
            raise arm_error(error, f"delete deployment '{name}'", target.describe()) from None
        if self.store is not None:
            records.mark_deleted(self.store, target.account_id, name)
        progress(1, 1, f"'{name}' deleted")


__all__ = ["DeploymentManager", "DeploymentType", "default_name", "open_manager"]
