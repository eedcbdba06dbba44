"""Read fine-tuned model names of both families, so continuous fine-tuning and the model lists work
whichever service produced the model.

[facts §2] OpenAI: `ft:<base>:<org>:<suffix>:<id>` (suffix may be empty);
Azure (dated and v1): `<base>.ft-<32 hex>`. [facts §4] checkpoints add `:ckpt-step-N` to either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CKPT = re.compile(r":ckpt-step-(\d+)$")
_AZURE = re.compile(r"^(?P<base>.+?)\.ft-(?P<key>[0-9A-Za-z]+)(?:-(?P<suffix>[A-Za-z0-9_-]+))?$")


@dataclass(frozen=True, slots=True)
class ModelName:
    name: str
    base: str
    family: str  # "base" | "openai" | "azure"
    suffix: str | None = None
    checkpoint_step: int | None = None

    @property
    def fine_tuned(self) -> bool:
        return self.family != "base"


def parse_model_name(name: str) -> ModelName:
    """Split a model name into its base model and family; an unknown shape is taken as a base model."""
    text = (name or "").strip()
    step: int | None = None
    rest = text
    match = _CKPT.search(rest)
    if match:
        step = int(match.group(1))
        rest = rest[: match.start()]
    if rest.startswith("ft:"):
        parts = rest[3:].split(":")
        base = parts[0]
        suffix = parts[2] if len(parts) > 3 and parts[2] else None
        return ModelName(text, base, "openai", suffix, step)
    azure = _AZURE.match(rest)
    if azure:
        return ModelName(text, azure.group("base"), "azure", azure.group("suffix"), step)
    return ModelName(text, text, "base", None, step)


def base_model_of(name: str) -> str:
    """The base model a (possibly fine-tuned, possibly checkpoint) model was trained from."""
    return parse_model_name(name).base


def is_fine_tuned(name: str) -> bool:
    return parse_model_name(name).fine_tuned
