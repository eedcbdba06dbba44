"""Model names: the vision base models, and the names fine-tuned models and checkpoints get.

OpenAI: `ft:<base>:<org>:<suffix>:<key>` and `...:<key>:ckpt-step-N`.
Azure:  `<base>.ft-<job hex>` and `<base>.ft-<job hex>:ckpt-step-N`.
[facts §2] the Azure docs show `gpt-4.1-2025-04-14.ft-b044a9d3cf9c4228b5d393567f693b83` (32 hex, no suffix
in the name; where a suffix would go is undocumented, so none is added).
"""

from __future__ import annotations

VISION_BASE_MODELS = ("gpt-4o-2024-08-06", "gpt-4.1-2025-04-14")
ORGANIZATION = "emulator"


def _job_key(job_id: str) -> str:
    return job_id.removeprefix("ftjob-")


def fine_tuned_model_name(azure: bool, base_model: str, suffix: str | None, job_id: str) -> str:
    key = _job_key(job_id)
    if azure:
        return f"{base_model}.ft-{key}"
    return f"ft:{base_model}:{ORGANIZATION}:{suffix or ''}:{key[-8:]}"


def checkpoint_model_name(azure: bool, base_model: str, suffix: str | None, job_id: str, step: int) -> str:
    if azure:
        return f"{base_model}.ft-{_job_key(job_id)}:ckpt-step-{step}"
    return f"{fine_tuned_model_name(False, base_model, suffix, job_id)}:ckpt-step-{step}"
