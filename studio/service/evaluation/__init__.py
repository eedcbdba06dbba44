"""Evaluation runs through chat completions: estimate, create, run (resumable), with the same SDK
client and service profile as fine-tuning. See `runner` for the design."""

from studio.service.evaluation.estimate import EvalEstimate, estimate_resume, estimate_run
from studio.service.evaluation.images import choose_images
from studio.service.evaluation.runner import DEFAULT_CONCURRENCY, EVAL_POLICY, create_run, run_evaluation

__all__ = [
    "DEFAULT_CONCURRENCY", "EVAL_POLICY", "EvalEstimate", "choose_images", "create_run", "estimate_resume",
    "estimate_run", "run_evaluation",
]
