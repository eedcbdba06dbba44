"""Deployment commands of `studio-cli`: deployments, deploy, undeploy, ask.

On Azure a fine-tuned model answers only once deployed, and a Standard or Global Standard deployment
bills by the hour, so `deploy` defaults to the Developer type (no hosting fee, 24-hour lifetime) and
asks for `--yes` before anything with an hourly fee. Deployments need a Microsoft Entra sign-in
(`--entra`); the demo service (`--demo`) needs none. On OpenAI `ask --model` calls a fine-tuned model
or checkpoint directly.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from studio.cli.common import add_service_flags, credentials_for, open_project, print_json, profile_from_args, stderr_progress
from studio.core.errors import StudioError


def _service_flags(p: argparse.ArgumentParser) -> None:
    add_service_flags(p)
    p.add_argument("--subscription", help="Azure subscription id of the resource (found from the endpoint if omitted)")
    p.add_argument("--resource-group", help="resource group of the Azure OpenAI resource")
    p.add_argument("--account", help="name of the Azure OpenAI resource in Resource Manager")
    p.add_argument("--management-endpoint", metavar="URL", help="Resource Manager URL (default https://management.azure.com)")


def register(sub: Any) -> None:
    p = sub.add_parser("deployments", help="list the Azure resource's model deployments (those of this project marked)")
    p.add_argument("project", type=Path)
    _service_flags(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_deployments)

    p = sub.add_parser("deploy", help="deploy a fine-tuned model or checkpoint (Developer type by default)")
    p.add_argument("project", type=Path)
    p.add_argument("model", help="fine-tuned model id, checkpoint model id, or a job id of this project")
    p.add_argument("--name", default=None, help="deployment name (default: derived from the model and type)")
    p.add_argument("--type", choices=("developer", "standard", "globalstandard"), default="developer")
    p.add_argument("--capacity", type=int, default=50, help="thousands of tokens per minute (default 50)")
    p.add_argument("--yes", action="store_true", help="accept the hourly hosting fee of standard/globalstandard")
    _service_flags(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_deploy)

    p = sub.add_parser("undeploy", help="delete a deployment (the model itself is kept)")
    p.add_argument("project", type=Path)
    p.add_argument("name")
    _service_flags(p)
    p.set_defaults(handler=cmd_undeploy)

    p = sub.add_parser("ask", help="ask a model or deployment about one image: answer, tokens, latency")
    p.add_argument("project", type=Path)
    p.add_argument("image", type=Path)
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--model", help="OpenAI: a model id (fine-tuned, checkpoint or base)")
    what.add_argument("--deployment", help="Azure / demo: a deployment name")
    p.add_argument("--detail", choices=("low", "high", "auto"), default="low")
    _service_flags(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_ask)


# -- helpers ------------------------------------------------------------------------------------------


def _profile(args: argparse.Namespace, store: Any) -> Any:
    from dataclasses import replace

    profile = profile_from_args(args, store)
    changes = {k: v for k, v in (("subscription_id", args.subscription), ("resource_group", args.resource_group),
                                 ("account_name", args.account), ("management_endpoint", args.management_endpoint)) if v}
    return replace(profile, **changes) if changes else profile


def _manager(args: argparse.Namespace, store: Any) -> Any:
    from studio.service.deployments import open_manager

    return open_manager(_profile(args, store), store)


def _row(info: Any, now: float) -> dict[str, Any]:
    kind = info.deployment_type
    return {
        "name": info.name, "model": info.model, "model_version": info.model_version,
        "type": kind.value if kind else info.sku, "sku": info.sku, "capacity": info.capacity, "state": info.state,
        "created_at": info.created_at, "ours": info.ours, "job_id": info.job_id, "checkpoint_step": info.checkpoint_step,
        "purpose": info.purpose, "age_seconds": info.age_seconds(now), "remaining_seconds": info.remaining_seconds(now),
        "hosting_hours": info.hosting_hours(now),
    }


# -- commands -----------------------------------------------------------------------------------------


def cmd_deployments(args: argparse.Namespace) -> int:
    with open_project(args.project) as store:
        infos = _manager(args, store).list()
    now = time.time()
    if args.json:
        print_json({"deployments": [_row(i, now) for i in infos]})
        return 0
    if not infos:
        print("No deployments on this resource. Deploy a finished job's model with: studio-cli deploy PROJECT MODEL")
        return 0
    for info in infos:
        kind = info.deployment_type.label if info.deployment_type else info.sku
        source = ""
        if info.ours:
            source = f"  [this project: job {info.job_id}" + (f", step {info.checkpoint_step}" if info.checkpoint_step else "") + "]"
        print(f"{info.name}  {info.model}  {kind} x{info.capacity}  {info.state}  {info.lifetime_text(now)}{source}")
    return 0


def cmd_deploy(args: argparse.Namespace) -> int:
    from studio.service.deployments import DeploymentType, DeployRequest, hosting_price
    from studio.service.deployments.targets import model_source, resolve_model

    kind = DeploymentType.parse(args.type)
    with open_project(args.project) as store:
        model = resolve_model(store, args.model)
        job_id, step = model_source(store, model)
        print(f"{kind.label}: {kind.summary}", file=sys.stderr)
        if kind.hourly_fee:
            price = hosting_price(store, kind)
            print(f"Hosting fee: about ${price:.2f} per hour (price setting; check your region's price), "
                  f"about ${(price or 0) * 24:.2f} per day, plus tokens.", file=sys.stderr)
            if not args.yes:
                raise StudioError("A standard or globalstandard deployment bills by the hour until you delete it. "
                                  "Run again with --yes to accept, or use --type developer (no hosting fee).")
        manager = _manager(args, store)
        info = manager.deploy(DeployRequest(model=model, name=args.name, type=kind, capacity=args.capacity,
                                            job_id=job_id, checkpoint_step=step), progress=stderr_progress("deploy"))
    if args.json:
        print_json(_row(info, time.time()))
    else:
        print(f"Deployed {info.model} as '{info.name}' ({kind.label}). Try it: studio-cli ask {args.project} IMAGE --deployment {info.name}")
    return 0


def cmd_undeploy(args: argparse.Namespace) -> int:
    with open_project(args.project) as store:
        manager = _manager(args, store)
        if manager.get(args.name) is None:
            raise StudioError(f"There is no deployment '{args.name}' on this resource (see 'studio-cli deployments').")
        manager.delete(args.name, progress=stderr_progress("undeploy"))
    print(f"Deleted deployment '{args.name}'. The model itself is kept and can be deployed again.")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from studio.service.deployments import ask_image, project_prompts, supports_deployments

    if not args.image.is_file():
        raise StudioError(f"{args.image} is not a file. Give the path of an image.")
    with open_project(args.project, read_only=True) as store:
        profile = _profile(args, store)
        prompts = project_prompts(store)
    if args.model and supports_deployments(profile) and profile.kind != "demo":
        raise StudioError("On Azure a model answers through a deployment: use --deployment NAME (see 'studio-cli deployments').")
    target = args.deployment or args.model
    answer = ask_image(profile, credentials_for(profile), target, args.image, prompts, detail=args.detail)
    if args.json:
        print_json({"answer": answer.text, "model": answer.model, "served_by": answer.served_by,
                     "prompt_tokens": answer.prompt_tokens, "completion_tokens": answer.completion_tokens,
                     "latency_s": round(answer.latency_s, 3)})
    else:
        print(answer.text)
        print(f"({answer.served_by}; {answer.prompt_tokens} prompt + {answer.completion_tokens} completion tokens; "
              f"{answer.latency_s:.2f} s)", file=sys.stderr)
    return 0
