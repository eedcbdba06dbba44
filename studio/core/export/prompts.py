"""The system message and user instruction that frame every training example.

Both are templates with a `{classes}` placeholder. Defaults ship as text files under
`resources/prompts/` so they can be reworded without touching code; a project may override either
text (the caller keeps overrides in the project settings under `SETTING_SYSTEM` / `SETTING_INSTRUCTION`
and passes them in). Substitution uses `str.replace`, not `str.format`, so braces a user types in
their own prompt (e.g. JSON examples) never raise or get eaten.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from studio.resource_paths import resource_path

PLACEHOLDER = "{classes}"
SETTING_SYSTEM = "prompt.system"
SETTING_INSTRUCTION = "prompt.instruction"

_QUOTE_TRIGGERS = (",", ";", '"', "\n", "\r", "\t")


@dataclass(frozen=True, slots=True)
class Prompts:
    """The two texts after `{classes}` was filled in: what goes into every example."""

    system: str
    instruction: str


@lru_cache(maxsize=1)
def default_templates() -> tuple[str, str]:
    """(system, instruction) templates as shipped. Cached: they are read once per process."""
    system = resource_path("prompts", "system.txt").read_text(encoding="utf-8").strip()
    instruction = resource_path("prompts", "instruction.txt").read_text(encoding="utf-8").strip()
    return system, instruction


def format_class_list(class_names: Sequence[str]) -> str:
    """Class names joined by ", ". A name that would make the list ambiguous (it contains a comma,
    a quote, a line break, or has outer spaces) is written as a JSON string literal, so the model is
    shown exactly what it must answer."""
    rendered = []
    for name in class_names:
        ambiguous = name != name.strip() or any(t in name for t in _QUOTE_TRIGGERS)
        rendered.append(json.dumps(name, ensure_ascii=False) if ambiguous else name)
    return ", ".join(rendered)


def render_prompts(
    class_names: Sequence[str],
    system_template: str | None = None,
    instruction_template: str | None = None,
) -> Prompts:
    """Fill the templates (None or blank -> the shipped default) with the project's class names."""
    default_system, default_instruction = default_templates()
    classes = format_class_list(class_names)
    system = system_template if system_template and system_template.strip() else default_system
    instruction = (
        instruction_template if instruction_template and instruction_template.strip() else default_instruction
    )
    return Prompts(system=system.replace(PLACEHOLDER, classes), instruction=instruction.replace(PLACEHOLDER, classes))
