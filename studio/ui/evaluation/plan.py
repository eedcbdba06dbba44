"""What the Evaluate dialog asks for, as plain data: which models, on which images, at what price.

Kept apart from the dialog so the controller (which turns a plan into the service layer's run specs)
and the tests read the same small types, and so the dialog never imports the service layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ZERO_SHOT, FEW_SHOT, FINE_TUNED, CHECKPOINT = "zero_shot", "few_shot", "fine_tuned", "checkpoint"
SPLITS = ("test", "validation", "selection")


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """One model the user may evaluate: a base model (zero- or few-shot), a tuned model, a checkpoint."""

    kind: str
    model: str
    title: str
    job_id: str | None = None


@dataclass(frozen=True, slots=True)
class PlannedRun:
    kind: str
    model: str
    title: str
    deployment: str | None = None
    shots: int = 0
    job_id: str | None = None


@dataclass(frozen=True, slots=True)
class EvaluationPlan:
    runs: tuple[PlannedRun, ...]
    split: str = "test"  # "test" | "validation" | "selection"
    image_ids: tuple[int, ...] = ()  # the grid selection when split == "selection"
    price_input_per_1m: float | None = None
    price_output_per_1m: float | None = None
    limit: int | None = None
    extra: dict = field(default_factory=dict, compare=False)


def run_title(run: PlannedRun) -> str:
    if run.kind == FEW_SHOT:
        return f"{run.model}, {run.shots}-shot"
    if run.kind == ZERO_SHOT:
        return f"{run.model}, zero-shot"
    return run.title or run.model


@dataclass(frozen=True, slots=True)
class PlanEstimate:
    """The sum of the service layer's estimates over a plan's runs (what the user must see first)."""

    requests: int
    input_tokens: int
    max_output_tokens: int
    cost_usd: float | None
    per_run: tuple[tuple[str, int, int], ...] = ()  # (title, requests, input tokens)
    notes: tuple[str, ...] = ()
    # Runs Start carries on instead of creating: (title, images answered, images in the run).
    carried: tuple[tuple[str, int, int], ...] = ()
    # Runs with every image of these choices already answered: nothing to ask, nothing to pay.
    done_run_ids: tuple[int, ...] = ()
    # The price each run is estimated at: (title, input, output per 1M tokens or None, where it comes from).
    prices: tuple[tuple[str, float | None, float | None, str], ...] = ()

    @property
    def nothing_to_do(self) -> bool:
        """Every run of the plan already has all its answers (Start would only show old results)."""
        return self.requests == 0 and bool(self.done_run_ids)


@dataclass(frozen=True, slots=True)
class PlanProgress:
    """Where a running plan is: run `index` (0-based) of `runs`, `done` of `total` images answered."""

    index: int
    runs: int
    title: str
    done: int
    total: int
    running_accuracy: float | None
    message: str = ""
