"""Find the Resource Manager address (subscription, resource group, account) of an Azure OpenAI
endpoint among the accounts the signed-in user can see, so the user never has to look it up.

The match is on the endpoint's host: an account's `properties.endpoint`, any of its
`properties.endpoints` (an AI Services resource lists its `*.openai.azure.com` address there), or its
custom sub-domain as the first label of the host.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from studio.core.tasks import CancelToken, Cancelled, ProgressCallable, no_progress
from studio.service.deployments.errors import arm_error
from studio.service.deployments.management import call_options, cognitive_client, subscription_client
from studio.service.deployments.types import ArmTarget


def _host(url: str) -> str:
    parts = urlsplit(url if "//" in url else "//" + url)
    return (parts.netloc or "").lower()


def parse_account_id(resource_id: str) -> tuple[str, str, str]:
    """(subscription, resource group, account) from an ARM resource id."""
    parts = resource_id.strip("/").split("/")
    lowered = [p.lower() for p in parts]
    try:
        sub = parts[lowered.index("subscriptions") + 1]
        rg = parts[lowered.index("resourcegroups") + 1]
        account = parts[lowered.index("accounts") + 1]
    except (ValueError, IndexError):
        raise ValueError(f"not an account resource id: {resource_id}") from None
    return sub, rg, account


def account_matches(account: Any, endpoint: str) -> bool:
    host = _host(endpoint)
    if not host:
        return False
    props = getattr(account, "properties", None)
    urls = [getattr(props, "endpoint", None) or ""] + list((getattr(props, "endpoints", None) or {}).values())
    if any(_host(u) == host for u in urls if u):
        return True
    sub_domain = (getattr(props, "custom_sub_domain_name", None) or "").lower()
    return bool(sub_domain) and host.split(".", 1)[0] == sub_domain and "." in host


def find_targets(credential: Any, base_url: str, endpoint: str, *, progress: ProgressCallable = no_progress,
                 cancel: CancelToken | None = None) -> list[ArmTarget]:
    """Every account whose endpoint is `endpoint`, across all subscriptions the user can see."""
    options = call_options(base_url)
    found: list[ArmTarget] = []
    try:
        subscriptions = [s.subscription_id for s in subscription_client(credential, base_url).subscriptions.list(**options)]
        for index, sub_id in enumerate(subscriptions):
            if cancel is not None:
                cancel.raise_if_cancelled()
            progress(index, len(subscriptions), f"Looking for the resource in subscription {index + 1} of {len(subscriptions)}")
            for account in cognitive_client(credential, sub_id, base_url).accounts.list(**options):
                if account_matches(account, endpoint):
                    sub, rg, name = parse_account_id(account.id)
                    found.append(ArmTarget(sub, rg, name, getattr(account, "location", "") or "",
                                           getattr(account.properties, "endpoint", "") or ""))
    except Cancelled:
        raise
    except Exception as error:  # noqa: BLE001 - every failure becomes a message for the user
        raise arm_error(error, "list the Azure OpenAI resources you can see", "your subscriptions") from None
    progress(1, 1, f"Found {len(found)} matching resource(s)")
    return found
