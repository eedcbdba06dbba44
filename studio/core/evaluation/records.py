"""What an evaluation run is, as stored in the project: its spec, its state and every answer.

A run freezes its image list and few-shot examples when it is created, so resuming it (after a
cancel, an error or a killed process) asks exactly the remaining images the same question, and two
runs created for the same split can be compared image by image.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

RUN_KINDS = ("zero_shot", "few_shot", "fine_tuned", "checkpoint")
SPLITS = ("test", "validation", "train", "selection")
RUN_STATES = ("created", "running", "cancelled", "failed", "completed")
MAX_ANSWER_TOKENS = 256
MAX_SHOTS = 20


@dataclass(frozen=True, slots=True)
class EvalRunSpec:
    """What the user asked for. `model` is the model name (base, fine-tuned or checkpoint id); on
    Azure `deployment` is what requests are sent to, and `model` only says what it serves.

    `image_ids` is the selection when `split` is "selection"; `limit` keeps the first N images of
    the split in a stable order. `shots`: labeled training images shown in the prompt (few-shot).
    `job_id`: the fine-tuning job a tuned model or checkpoint came from (shown with the run).
    Prices are USD per 1M tokens; None = no price set (cost is then reported as unknown)."""

    kind: str = "zero_shot"
    model: str = ""
    deployment: str | None = None
    split: str = "test"
    shots: int = 0
    limit: int | None = None
    image_ids: tuple[int, ...] | None = None
    detail: str = "low"
    name: str = ""
    job_id: str | None = None
    fix: bool = True
    price_input_per_1m: float | None = None
    price_output_per_1m: float | None = None
    # The exact texts sent (filled in when the run is created, from the project's prompts), so a
    # resumed run asks the remaining images the same question even if the prompts changed since.
    system_prompt: str | None = None
    instruction: str | None = None

    def validate(self) -> None:
        """Refuse a spec that cannot run, with what to change (raised as ValueError, shown as is)."""
        if self.kind not in RUN_KINDS:
            raise ValueError(f"Unknown run kind {self.kind!r}; use one of {', '.join(RUN_KINDS)}.")
        if not (self.model or self.deployment):
            raise ValueError("Choose a model (or, on Azure, a deployment) to evaluate.")
        if self.split not in SPLITS:
            raise ValueError(f"Unknown split {self.split!r}; use test, validation or a selection.")
        if self.split == "selection" and not self.image_ids:
            raise ValueError("Select the images to evaluate first.")
        if self.kind == "few_shot" and not (1 <= self.shots <= MAX_SHOTS):
            raise ValueError(f"Few-shot needs between 1 and {MAX_SHOTS} example images in the prompt.")
        if self.kind != "few_shot" and self.shots:
            raise ValueError("Only a few-shot run shows example images in the prompt; set shots to 0.")
        if self.limit is not None and self.limit < 1:
            raise ValueError("The image limit must be at least 1.")
        if self.detail not in ("low", "high", "auto"):
            raise ValueError("Image detail must be low, high or auto.")
        for price in (self.price_input_per_1m, self.price_output_per_1m):
            if price is not None and price < 0:
                raise ValueError("Prices cannot be negative.")

    @property
    def target(self) -> str:
        """What the request's `model` field carries: the deployment on Azure, else the model."""
        return self.deployment or self.model

    def display_name(self) -> str:
        if self.name:
            return self.name
        what = self.model or self.deployment or "?"
        if self.kind == "zero_shot":
            return f"{what} (zero-shot)"
        if self.kind == "few_shot":
            return f"{what} ({self.shots}-shot)"
        if self.kind == "checkpoint":
            return f"checkpoint {what}"
        return f"tuned {what}"

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["image_ids"] = list(self.image_ids) if self.image_ids is not None else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "EvalRunSpec":
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if values.get("image_ids") is not None:
            values["image_ids"] = tuple(values["image_ids"])
        return cls(**values)


@dataclass(frozen=True, slots=True)
class EvalRun:
    id: int
    created_at: float
    updated_at: float
    name: str
    spec: EvalRunSpec
    profile: dict[str, Any]  # non-secret ServiceProfile JSON
    state: str
    image_ids: list[int]
    shot_image_ids: list[int]
    max_tokens: int
    class_names: list[str]  # the project's classes when the run was created (the prompt named these)
    error: str | None = None
    answered: int = 0

    @property
    def total(self) -> int:
        return len(self.image_ids)

    @property
    def finished(self) -> bool:
        return self.state == "completed"


@dataclass(frozen=True, slots=True)
class EvalAnswer:
    """One stored answer. `predicted_class_id` None = unparseable (or refused: `error` says why)."""

    run_id: int
    image_id: int
    answer: str | None
    predicted_class_id: int | None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float | None = None
    error: str | None = None
    answered_at: float = 0.0
