"""Decide, when a job is created, how its validation will end and what training will look like.

The service validates the files after the job is created (status validating_files / pending) and
either fails the job or trains. The outcome only depends on the files and the parameters, so the
emulator computes it up front and the timeline reveals it when validation "ends".

Failure order: malformed training file, malformed validation file, more than 200 skipped examples,
fewer than 10 usable training examples.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from studio.emulator.training.image_screening import REASON_PEOPLE
from studio.emulator.state.records import FileRecord, JobPlan
from studio.emulator.training.skip_summary import exceeds_skip_limit, skip_summary_text
from studio.emulator.training.file_validation import ExampleInfo, JsonlReport

MIN_TRAINING_EXAMPLES = 10
AUTO_EPOCHS = 3
AUTO_LEARNING_RATE_MULTIPLIER = 2.0
# "auto" batch size keeps an epoch at or below this many steps, so a demo job's length stays bounded.
AUTO_MAX_STEPS_PER_EPOCH = 40
DEFAULT_INJECTED_SKIP_REASON = REASON_PEOPLE


def _with_injected_skips(report: JsonlReport, skips: list[tuple[int, str]]) -> JsonlReport:
    """Move the first usable multimodal examples to `skipped`, as a moderation fault asks."""
    examples = list(report.examples)
    skipped = {reason: list(lines) for reason, lines in report.skipped.items()}
    for count, reason in skips:
        for example in [e for e in examples if e.image_count > 0][:count]:
            examples.remove(example)
            skipped.setdefault(reason, []).append(example.line)
    return replace(report, examples=examples, skipped=skipped)


def _resolve(value: Any, auto: Any) -> Any:
    return auto if value in (None, "auto", -1) else value


def plan_job(
    training: FileRecord,
    validation: FileRecord | None,
    hyperparameters: dict[str, Any],
    injected_skips: list[tuple[int, str]] | None = None,
) -> JobPlan:
    report = _with_injected_skips(training.report or JsonlReport(), injected_skips or [])
    examples: list[ExampleInfo] = report.examples
    n = len(examples)
    n_epochs = int(_resolve(hyperparameters.get("n_epochs"), AUTO_EPOCHS))
    batch_size = int(_resolve(hyperparameters.get("batch_size"), max(1, math.ceil(n / AUTO_MAX_STEPS_PER_EPOCH))))
    lr = float(_resolve(hyperparameters.get("learning_rate_multiplier"), AUTO_LEARNING_RATE_MULTIPLIER))
    steps_per_epoch = max(1, math.ceil(n / batch_size))
    plan = JobPlan(
        n_epochs=n_epochs,
        batch_size=batch_size,
        learning_rate_multiplier=lr,
        n_examples=n,
        steps_per_epoch=steps_per_epoch,
        total_steps=steps_per_epoch * n_epochs,
        trained_tokens=sum(e.tokens for e in examples) * n_epochs,
        has_validation=validation is not None,
    )

    val_report = validation.report if validation is not None and validation.report is not None else None
    for label, param, file, file_report in (
        ("Training file", "training_file", training, report),
        ("Validation file", "validation_file", validation, val_report),
    ):
        if file is None or file_report is None:
            continue
        if file.final_status == "error":
            plan.failure = _failure("invalid_file_format", f"{label} {file.id}: {file.status_details}", param)
            return plan
    for label, param, file_report in (("Training file", "training_file", report), ("Validation file", "validation_file", val_report)):
        if file_report is None or not file_report.skipped:
            continue
        text = skip_summary_text(label, file_report.skipped, len(file_report.examples))
        if exceeds_skip_limit(file_report.skipped):
            plan.failure = _failure("invalid_training_file", text, param)
            return plan
        plan.warnings.append(text)
    if n < MIN_TRAINING_EXAMPLES:
        plan.failure = _failure(
            "invalid_n_examples",
            f"Training file has {n} example(s), but must have at least {MIN_TRAINING_EXAMPLES} examples",
            "training_file",
        )
    return plan


def _failure(code: str, message: str, param: str | None) -> dict[str, Any]:
    return {"code": code, "message": message, "param": param}
