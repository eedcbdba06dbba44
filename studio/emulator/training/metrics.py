"""Plausible, deterministic training curves: loss falls and accuracy rises, with seeded noise.

The same seed always yields the same numbers, so tests can compare events, checkpoints and the
results CSV with each other, and a restarted demo redraws exactly the curve it showed before.
Validation is measured every `EVAL_EVERY_STEPS` steps and at each epoch end ("valid_*"); the full
validation set is scored at each epoch end ("full_valid_*"). Both only when a validation file was given.

Results are cached and shared: callers must not mutate the returned dict.
"""

from __future__ import annotations

import math
import random
from functools import lru_cache

EVAL_EVERY_STEPS = 5


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def is_eval_step(step: int, steps_per_epoch: int) -> bool:
    return step % EVAL_EVERY_STEPS == 0 or step % steps_per_epoch == 0


@lru_cache(maxsize=65536)
def step_metrics(seed: int, step: int, total_steps: int, steps_per_epoch: int, has_validation: bool) -> dict[str, float]:
    rng = random.Random(f"{seed}:{step}")
    progress = step / max(1, total_steps)
    rate = 3.5 + (seed % 7) * 0.3
    base_loss = 0.05 + 1.7 * math.exp(-rate * progress)
    base_acc = 0.97 - 0.62 * math.exp(-rate * progress)
    spread = 1.0 - 0.8 * progress
    metrics: dict[str, float] = {
        "step": step,
        "train_loss": round(max(0.005, base_loss + rng.gauss(0, 0.07 * spread)), 5),
        "train_mean_token_accuracy": round(_clamp(base_acc + rng.gauss(0, 0.035 * spread), 0.0, 1.0), 5),
    }
    if has_validation and is_eval_step(step, steps_per_epoch):
        metrics["valid_loss"] = round(max(0.005, base_loss * 1.08 + 0.03 + rng.gauss(0, 0.05 * spread)), 5)
        metrics["valid_mean_token_accuracy"] = round(_clamp(base_acc - 0.02 + rng.gauss(0, 0.03 * spread), 0.0, 1.0), 5)
    if has_validation and step % steps_per_epoch == 0:
        metrics["full_valid_loss"] = round(base_loss * 1.08 + 0.03, 5)
        metrics["full_valid_mean_token_accuracy"] = round(_clamp(base_acc - 0.02, 0.0, 1.0), 5)
    return metrics
