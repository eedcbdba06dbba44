"""The words of deployments: types (Developer / Standard / Global Standard), a deployment as the
studio shows it, and what a user asks for when deploying.

Facts these encode (Azure docs): a Developer deployment has no hosting fee, no SLA and is removed
24 hours after it was created; Standard and Global Standard bill an hourly hosting fee whether or not
the model is called, and a fine-tuned deployment unused for 15 days is deleted by the service.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

DEVELOPER_LIFETIME_SECONDS = 24 * 3600
INACTIVITY_DELETE_DAYS = 15


class DeploymentType(str, Enum):
    DEVELOPER = "developer"
    STANDARD = "standard"
    GLOBAL_STANDARD = "globalstandard"

    @property
    def sku(self) -> str:
        """The ARM SKU name."""
        return {"developer": "DeveloperTier", "standard": "Standard", "globalstandard": "GlobalStandard"}[self.value]

    @property
    def label(self) -> str:
        return {"developer": "Developer", "standard": "Standard", "globalstandard": "Global Standard"}[self.value]

    @property
    def hourly_fee(self) -> bool:
        return self is not DeploymentType.DEVELOPER

    @property
    def summary(self) -> str:
        """One line the Deploy dialog and the CLI show next to the choice."""
        if self is DeploymentType.DEVELOPER:
            return "No hosting fee, 24-hour lifetime, no SLA. You pay only for the tokens you use."
        where = "in this resource's region" if self is DeploymentType.STANDARD else "routed globally"
        return (f"Hourly hosting fee while it exists, even when nobody calls it; {where}. "
                f"Deleted by Azure after {INACTIVITY_DELETE_DAYS} days without calls.")

    @classmethod
    def from_sku(cls, sku: str | None) -> "DeploymentType | None":
        for member in cls:
            if sku and member.sku.lower() == sku.lower():
                return member
        return None

    @classmethod
    def parse(cls, text: str) -> "DeploymentType":
        key = text.strip().lower().replace(" ", "").replace("_", "").replace("-", "")
        aliases = {"dev": "developer", "developertier": "developer", "global": "globalstandard"}
        try:
            return cls(aliases.get(key, key))
        except ValueError:
            raise ValueError(f"Unknown deployment type {text!r}; use developer, standard or globalstandard.") from None


@dataclass(frozen=True, slots=True)
class ArmTarget:
    """Where an Azure OpenAI resource lives in Resource Manager."""

    subscription_id: str
    resource_group: str
    account_name: str
    location: str = ""
    endpoint: str = ""

    @property
    def account_id(self) -> str:
        return (f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"
                f"/providers/Microsoft.CognitiveServices/accounts/{self.account_name}").lower()

    def describe(self) -> str:
        return f"{self.account_name} (resource group {self.resource_group}, subscription {self.subscription_id})"


@dataclass(frozen=True, slots=True)
class DeployRequest:
    model: str  # a job's fine_tuned_model or a checkpoint's model id
    name: str | None = None  # None: derived from the model and the type
    type: DeploymentType = DeploymentType.DEVELOPER
    capacity: int = 50  # thousands of tokens per minute
    job_id: str | None = None
    checkpoint_step: int | None = None
    purpose: str | None = None  # "evaluation:<run id>" marks deployments an evaluation created


@dataclass(frozen=True, slots=True)
class DeploymentInfo:
    name: str
    model: str
    model_version: str
    sku: str
    capacity: int | None
    state: str  # ARM provisioningState: Creating, Succeeded, Failed, Deleting, ...
    created_at: float | None
    ours: bool = False
    job_id: str | None = None
    checkpoint_step: int | None = None
    purpose: str | None = None

    @property
    def deployment_type(self) -> DeploymentType | None:
        return DeploymentType.from_sku(self.sku)

    @property
    def ready(self) -> bool:
        return self.state.lower() == "succeeded"

    def age_seconds(self, now: float) -> float | None:
        return None if self.created_at is None else max(0.0, now - self.created_at)

    def remaining_seconds(self, now: float) -> float | None:
        """Developer deployments only: time until Azure removes it."""
        if self.deployment_type is not DeploymentType.DEVELOPER or self.created_at is None:
            return None
        return max(0.0, self.created_at + DEVELOPER_LIFETIME_SECONDS - now)

    def hosting_hours(self, now: float) -> float | None:
        """Standard / Global Standard: hours billed so far (hosting is billed per hour of existence)."""
        kind = self.deployment_type
        if kind is None or not kind.hourly_fee or self.created_at is None:
            return None
        return max(0.0, now - self.created_at) / 3600.0

    def lifetime_text(self, now: float) -> str:
        """"3 h 10 min old, 20 h 50 min left" / "5.2 hosting hours so far"."""
        age = self.age_seconds(now)
        if age is None:
            return ""
        remaining = self.remaining_seconds(now)
        if remaining is not None:
            return f"{duration_text(age)} old, {duration_text(remaining)} left"
        hours = self.hosting_hours(now)
        if hours is not None:
            return f"{duration_text(age)} old, {hours:.1f} hosting hours so far"
        return f"{duration_text(age)} old"


def duration_text(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return f"{int(seconds)} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 1:
        return f"{minutes} min"
    days, hours = divmod(hours, 24)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes} min"
