"""Evaluation commands of `studio-cli`: evaluate (run or resume a run) and compare (two runs).

Automation depends on the JSON shapes, so they are fixed (issue 12): `evaluate --json` prints one
object with run_id, model, split, n, accuracy, accuracy_ci95, macro_f1, unparseable, per_class,
confusion, predictions (by the path `export-labels` writes), usage and cost_usd; `compare --json`
prints n_paired, accuracy_a, accuracy_b, diff (b - a), diff_ci95, mcnemar_p and verdict.
Nothing that costs money starts without the estimate first: against a paid service `evaluate` needs
`--yes` (or an interactive "y"); the local demo service costs nothing and needs none.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from studio.cli.common import (
    SubParsers,
    add_service_flags,
    credentials_for,
    print_json,
    profile_from_args,
    stderr_progress,
)
from studio.core.errors import StudioError


def register(sub: SubParsers) -> None:
    p = sub.add_parser("evaluate", help="ask a model about every held-out image and score its answers")
    p.add_argument("project", type=Path)
    which = p.add_mutually_exclusive_group()
    which.add_argument("--model", help="base model, fine-tuned model or checkpoint id (OpenAI, demo)")
    which.add_argument("--deployment", help="Azure: the deployment to ask")
    add_service_flags(p)
    p.add_argument("--shots", type=int, default=0, metavar="K", help="show K labeled training images in the prompt")
    p.add_argument("--split", choices=("test", "validation"), default="test")
    p.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N images of the split")
    p.add_argument("--detail", choices=("low", "high", "auto"), default="low", help="image detail (as in training)")
    p.add_argument("--concurrency", type=int, default=4, help="requests in flight at once (default 4)")
    p.add_argument("--input-price", type=float, default=None, metavar="USD", help="price per 1M input tokens")
    p.add_argument("--output-price", type=float, default=None, metavar="USD", help="price per 1M output tokens")
    p.add_argument("--name", default="", help="a name for the run (shown in the app)")
    p.add_argument("--resume", type=int, default=None, metavar="RUN_ID", help="continue a run that stopped")
    p.add_argument("--yes", action="store_true", help="start without asking after printing the estimate")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_evaluate)

    p = sub.add_parser("compare", help="compare two evaluation runs on the images both answered")
    p.add_argument("project", type=Path)
    p.add_argument("run_a", type=int)
    p.add_argument("run_b", type=int)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_compare)

    p = sub.add_parser("runs", help="list the project's evaluation runs")
    p.add_argument("project", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_runs)


def _kind(model: str, shots: int) -> str:
    if shots:
        return "few_shot"
    if ":ckpt-step-" in model:
        return "checkpoint"
    if model.startswith("ft:") or ".ft-" in model:
        return "fine_tuned"
    return "zero_shot"


def cmd_evaluate(args: argparse.Namespace) -> int:
    from studio.core.evaluation.records import EvalRunSpec
    from studio.core.store.evaluations import EvaluationRepository
    from studio.core.store.project_store import ProjectStore
    from studio.service.evaluation import create_run, estimate_run, run_evaluation
    from studio.service.profile import ServiceProfile

    with ProjectStore.open(args.project) as store:
        repo = EvaluationRepository(store)
        if args.resume is not None:
            run = repo.run(args.resume)
            if run is None:
                raise StudioError(f"There is no evaluation run {args.resume} in this project (see 'studio-cli runs').")
            profile = ServiceProfile.from_dict(run.profile)
            run_id = run.id
        else:
            if not (args.model or args.deployment):
                raise StudioError("Say which model to evaluate: --model NAME (OpenAI, demo) or --deployment NAME (Azure).")
            profile = profile_from_args(args, store)
            target = args.model or args.deployment
            spec = EvalRunSpec(
                kind=_kind(target, args.shots), model=args.model or "", deployment=args.deployment,
                split=args.split, shots=args.shots, limit=args.limit, detail=args.detail, name=args.name,
                price_input_per_1m=args.input_price, price_output_per_1m=args.output_price,
            )
            try:
                spec.validate()
            except ValueError as exc:
                raise StudioError(str(exc)) from None
            estimate = estimate_run(store, spec)
            cost = estimate.cost_usd
            print(
                f"estimate: {estimate.requests} requests, {estimate.input_tokens:,} input tokens "
                f"({estimate.image_tokens:,} for images), cost "
                + (f"about ${cost:.4f} (at most ${estimate.cost_usd_max:.4f})" if cost is not None else "unknown (no price set)"),
                file=sys.stderr,
            )
            for image_id, reason in estimate.skipped:
                print(f"warning: image {image_id} left out: {reason}", file=sys.stderr)
            if profile.kind != "demo" and not args.yes and not _confirm():
                raise StudioError("Not started. Pass --yes to start without asking.")
            run_id = create_run(store, spec, profile)
        metrics = run_evaluation(store, run_id, credentials_for(profile), stderr_progress("evaluate"),
                                 concurrency=args.concurrency)
        result = evaluation_json(store, run_id)
        if args.json:
            print_json(result)
        else:
            ci = metrics.accuracy_ci95
            print(f"run {run_id}: accuracy {100 * (metrics.accuracy or 0):.1f} % "
                  + (f"(95 % interval {100 * ci[0]:.1f} to {100 * ci[1]:.1f}) " if ci else "")
                  + f"on {metrics.n} {result['split']} images, macro-F1 {metrics.macro_f1 or 0:.3f}, "
                  f"{metrics.unparseable} unparseable")
    return 0


def evaluation_json(store: Any, run_id: int) -> dict[str, Any]:
    """The `evaluate --json` object for a stored run (the documented shape)."""
    from studio.core.store.evaluations import EvaluationRepository

    repo = EvaluationRepository(store)
    run = repo.run(run_id)
    assert run is not None
    metrics = repo.metrics(run_id).as_dict()
    names = {c.id: c.name for c in store.classes()}
    rows = {r.id: r for r in store.images(run.image_ids)}
    predictions = {}
    for answer in repo.answers(run_id):
        row = rows.get(answer.image_id)
        if row is None:
            continue
        predictions[row.rel_path] = {
            "label": names.get(row.class_id) if row.class_id is not None else None,
            "predicted": names.get(answer.predicted_class_id) if answer.predicted_class_id is not None else None,
            "answer": answer.answer,
        }
    prompt, completion = repo.usage(run_id)
    return {
        "run_id": run.id,
        "model": run.spec.model or run.spec.target,
        "split": run.spec.split,
        "n": metrics["n"],
        "accuracy": metrics["accuracy"],
        "accuracy_ci95": metrics["accuracy_ci95"],
        "macro_f1": metrics["macro_f1"],
        "unparseable": metrics["unparseable"],
        "per_class": metrics["per_class"],
        "confusion": metrics["confusion"],
        "predictions": predictions,
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion},
        "cost_usd": repo.cost_usd(run_id),
    }


def cmd_compare(args: argparse.Namespace) -> int:
    from studio.core.store.evaluations import EvaluationRepository
    from studio.core.store.project_store import ProjectStore

    with ProjectStore.open(args.project, read_only=True) as store:
        repo = EvaluationRepository(store)
        for run_id in (args.run_a, args.run_b):
            if repo.run(run_id) is None:
                raise StudioError(f"There is no evaluation run {run_id} in this project (see 'studio-cli runs').")
        comparison = repo.compare(args.run_a, args.run_b)
    if args.json:
        print_json(comparison.as_dict())
    else:
        print(comparison.verdict)
        if comparison.mcnemar_p is not None:
            print(f"paired images {comparison.n_paired}, McNemar exact p = {comparison.mcnemar_p:.4g}")
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    from studio.core.store.evaluations import EvaluationRepository
    from studio.core.store.project_store import ProjectStore

    with ProjectStore.open(args.project, read_only=True) as store:
        repo = EvaluationRepository(store)
        runs = repo.runs()
        rows: list[dict[str, Any]] = []
        for run in runs:
            m = repo.metrics(run.id)
            rows.append({"run_id": run.id, "name": run.name, "model": run.spec.model or run.spec.target,
                         "kind": run.spec.kind, "split": run.spec.split, "state": run.state,
                         "answered": run.answered, "total": run.total, "accuracy": m.accuracy, "error": run.error})
    if args.json:
        print_json(rows)
    else:
        for r in rows:
            acc = f"{100 * r['accuracy']:.1f} %" if r["accuracy"] is not None else "-"
            print(f"{r['run_id']:>4}  {r['state']:<9}  {r['answered']}/{r['total']}  {acc:>7}  {r['name']}")
    return 0


def _confirm() -> bool:
    if not sys.stdin or not sys.stdin.isatty():
        return False
    return input("Start the evaluation? [y/N] ").strip().lower() in ("y", "yes")
