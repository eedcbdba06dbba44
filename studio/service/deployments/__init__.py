"""Deployments of fine-tuned models (Azure Resource Manager) and asking a model about an image.

On Azure a fine-tuned model answers only once deployed; Developer deployments (the default) have no
hosting fee and live 24 hours, Standard / Global Standard bill by the hour. See `manager` for the
bookkeeping rule, `management` for credentials, `targets` for what chat calls may name.
"""

from studio.service.deployments.manager import DeploymentManager, default_name, open_manager
from studio.service.deployments.management import supports_deployments
from studio.service.deployments.pricing import hosting_price, set_hosting_price
from studio.service.deployments.targets import CallTarget, call_targets, direct_targets
from studio.service.deployments.try_it import Answer, ask_image, project_prompts
from studio.service.deployments.types import (
    ArmTarget,
    DeploymentInfo,
    DeploymentType,
    DeployRequest,
)

__all__ = [
    "Answer",
    "ArmTarget",
    "CallTarget",
    "DeployRequest",
    "DeploymentInfo",
    "DeploymentManager",
    "DeploymentType",
    "ask_image",
    "call_targets",
    "default_name",
    "direct_targets",
    "hosting_price",
    "open_manager",
    "project_prompts",
    "set_hosting_price",
    "supports_deployments",
]
