"""Resource Manager failures as sentences a user can act on: quota, region, permission, sign-in.

One mapping for the Deploy dialog, the deployments list and the CLI. ARM's own message is quoted
(it names the quota or the missing action), after scrubbing any secret.
"""

from __future__ import annotations

from studio.core.errors import ServiceError
from studio.service.credentials import scrub

API_KEY_CANNOT_MANAGE = (
    "An API key can call and fine-tune models, but it cannot create or delete deployments: those go "
    "through Azure Resource Manager, which needs a Microsoft Entra ID sign-in. Sign in with Microsoft "
    "Entra ID in the service settings (your account needs a role with "
    "Microsoft.CognitiveServices/accounts/deployments/write, e.g. Cognitive Services Contributor)."
)

_QUOTA_CODES = {"insufficientquota", "quotaexceeded", "deploymentcapacityexceeded", "subscriptionquotaexceeded"}
_REGION_CODES = {"deploymentmodelnotsupported", "modelnotsupportedinregion", "locationnotavailableforresourcetype",
                 "skunotsupported", "invalidskuname"}


def _parts(error: BaseException) -> tuple[int | None, str, str]:
    status = getattr(error, "status_code", None)
    inner = getattr(error, "error", None)
    code = str(getattr(inner, "code", "") or "")
    message = str(getattr(inner, "message", "") or getattr(error, "message", "") or error)
    return status, code, message


def describe_arm_error(error: BaseException, action: str, where: str, *, provisioning: bool = False) -> str:
    """What happened while doing `action` on `where` (the resource), and what to do next.

    `provisioning`: the error is the outcome of a long-running operation (the request was accepted,
    provisioning then failed)."""
    try:
        from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ServiceRequestError
    except ImportError:  # pragma: no cover - azure-core comes with azure-identity
        return f"Could not {action}: {error}"
    if isinstance(error, ServiceError):
        return str(error)
    status, code, message = _parts(error)
    low = code.lower()
    said = f" Azure said: {message}" if message else ""
    if provisioning and low not in _QUOTA_CODES and low not in _REGION_CODES:
        return scrub(f"Azure accepted the request but could not {action}: provisioning failed.{said} "
                     "Delete the failed deployment and try again, or try another deployment type.")
    if isinstance(error, ClientAuthenticationError) and status is None:
        text = (f"Microsoft Entra sign-in failed while trying to {action}: {error}. Sign in again "
                "(browser or device code), or run 'az login' when using the default sign-in.")
    elif status == 401:
        text = f"Azure Resource Manager rejected the sign-in (401) while trying to {action}. Sign in again with Microsoft Entra ID.{said}"
    elif status == 403 or low in ("authorizationfailed", "linkedauthorizationfailed"):
        text = (f"You are signed in, but your account may not {action} on {where} (403). Ask the subscription's "
                "owner for a role with Microsoft.CognitiveServices/accounts/deployments/write on this resource "
                f"(e.g. Cognitive Services Contributor or Foundry Owner).{said}")
    elif low in _QUOTA_CODES or "quota" in message.lower():
        text = (f"Not enough quota to {action} on {where}. Lower the capacity, delete a deployment of the same "
                "type you no longer need, choose another deployment type, or request more quota in the "
                f"Azure AI Foundry portal (Quota).{said}")
    elif low in _REGION_CODES or "region" in message.lower():
        text = (f"This model or deployment type is not available for {where} (its region or SKU). Try another "
                "deployment type (Developer or Global Standard), or use a resource in a region that offers "
                f"fine-tuned deployments.{said}")
    elif status == 404 or low in ("resourcenotfound", "subscriptionnotfound", "resourcegroupnotfound"):
        text = (f"Azure Resource Manager could not find {where} while trying to {action} (404). Check the "
                f"subscription, resource group and resource name (Deployments ▸ Azure resource…, or the CLI's --subscription/--resource-group/--account).{said}")
    elif status == 409 or low in ("requestconflict", "conflict"):
        text = f"Another change is running on this deployment, so it could not {action}. Wait a minute and try again.{said}"
    elif status == 429:
        text = f"Azure Resource Manager is throttling requests (429) and kept doing so while trying to {action}. Wait a minute and retry."
    elif isinstance(error, ServiceRequestError):
        text = (f"Could not reach Azure Resource Manager to {action}: {error}. Check your network and proxy, "
                "then try again.")
    elif isinstance(error, HttpResponseError):
        text = f"Azure Resource Manager refused to {action} ({status}{', ' + code if code else ''}).{said}"
    else:
        text = f"Could not {action}: {type(error).__name__}: {error}"
    return scrub(text)


def arm_error(error: BaseException, action: str, where: str, *, provisioning: bool = False) -> ServiceError:
    """A `ServiceError` carrying `describe_arm_error(...)`; raise it `from None`."""
    if isinstance(error, ServiceError):
        return error
    wrapped = ServiceError(describe_arm_error(error, action, where, provisioning=provisioning))
    wrapped.status_code = getattr(error, "status_code", None)
    return wrapped
