"""The hourly hosting price the Deploy dialog shows for Standard and Global Standard deployments.

Azure publishes no price API the studio can call without more permissions, and prices differ by
region and change, so the price is a setting: a default (the example price in Azure's fine-tuning
docs) that the user corrects once for their region, kept in the project. The dialog always says
where the number comes from.
"""

from __future__ import annotations

from typing import Any

from studio.service.deployments.types import DeploymentType

SETTING = "deployments.hosting_price_per_hour"
# Azure's fine-tuning docs give $1.70 per hour as the example hosting fee of a deployed fine-tuned model.
DEFAULT_HOURLY_USD = {DeploymentType.STANDARD.value: 1.70, DeploymentType.GLOBAL_STANDARD.value: 1.70}


def hosting_price(store: Any | None, kind: DeploymentType) -> float | None:
    """USD per hour for `kind` (None for Developer: no hosting fee)."""
    if not kind.hourly_fee:
        return None
    saved = store.get_setting(SETTING, None) if store is not None else None
    if isinstance(saved, dict) and isinstance(saved.get(kind.value), (int, float)):
        return float(saved[kind.value])
    return DEFAULT_HOURLY_USD[kind.value]


def set_hosting_price(store: Any, kind: DeploymentType, usd_per_hour: float) -> None:
    if not kind.hourly_fee:
        raise ValueError("Developer deployments have no hosting fee.")
    if usd_per_hour < 0:
        raise ValueError("A price cannot be negative.")
    saved = store.get_setting(SETTING, None)
    prices = dict(saved) if isinstance(saved, dict) else {}
    prices[kind.value] = float(usd_per_hour)
    store.set_setting(SETTING, prices)


def is_default_price(store: Any | None, kind: DeploymentType) -> bool:
    saved = store.get_setting(SETTING, None) if store is not None else None
    return not (isinstance(saved, dict) and kind.value in saved)
