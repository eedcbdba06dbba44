"""Dataset and fine-tuning commands of `studio-cli`: export, estimate, login, submit, jobs, watch, emulator.

Thin wrappers over `studio.core.export` and `studio.service`; results go to stdout (JSON with
`--json`), progress and warnings to stderr. Which service to use comes from, in order: the command's
flags, the SDK's standard environment variables (OPENAI_API_KEY, OPENAI_BASE_URL,
AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY, OPENAI_API_VERSION — read, never stored), the
profile saved in the project by an earlier submit or by the app.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time
from pathlib import Path
from typing import Any

from studio.cli.project_commands import stderr_progress
from studio.core.store import job_records as jr
from studio.core.errors import StudioError
from studio.core.store.project_store import ProjectStore

def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="write the chat-format JSONL dataset (+ manifest and report) to a folder")
    p.add_argument("project", type=Path)
    p.add_argument("outdir", type=Path)
    _export_flags(p, ("--seed", "--split-seed"))
    p.add_argument("--bom", action="store_true", help="start the files with a UTF-8 BOM (Azure's documented format)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("estimate", help="estimate training tokens and cost without exporting")
    p.add_argument("project", type=Path)
    p.add_argument("--detail", choices=("low", "high", "auto"), default="low")
    p.add_argument("--val", type=float, default=0.1, metavar="FRACTION")
    p.add_argument("--test", type=float, default=0.0, metavar="FRACTION")
    p.add_argument("--epochs", type=int, default=None, help="default: the service's 'auto' (a range is shown)")
    p.add_argument("--price-per-million", type=float, default=None, metavar="USD",
                   help="training price per 1M tokens (default: the known list price of --model)")
    p.add_argument("--model", default="gpt-4o-2024-08-06")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_estimate)

    p = sub.add_parser("login", help="save an API key in the system keyring (or check an Entra ID sign-in)")
    p.add_argument("provider", choices=("openai", "azure"))
    p.add_argument("--endpoint", help="Azure resource endpoint (https://RES.openai.azure.com) or OpenAI base URL")
    p.add_argument("--api-version", default=None, help="Azure dated API version (default 2025-04-01-preview)")
    p.add_argument("--v1", action="store_true", help="Azure: use the v1 API (/openai/v1/)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--api-key-stdin", action="store_true", help="read the key from standard input")
    how.add_argument("--entra", choices=("default", "browser", "device-code"),
                     help="Azure: sign in with Microsoft Entra ID instead of a key (nothing is stored)")
    p.add_argument("--check", action="store_true", help="test the connection after saving")
    p.set_defaults(handler=cmd_login)

    p = sub.add_parser("submit", help="export, upload and start a fine-tuning job")
    p.add_argument("project", type=Path)
    where = p.add_mutually_exclusive_group()
    where.add_argument("--base-url", metavar="URL", help="OpenAI (or compatible) base URL")
    where.add_argument("--azure-endpoint", metavar="URL", help="Azure OpenAI resource endpoint (dated API)")
    where.add_argument("--azure-v1", metavar="URL", help="Azure OpenAI resource endpoint, v1 API")
    where.add_argument("--demo", action="store_true", help="the local demo service (no account needed)")
    p.add_argument("--api-version", default=None, help="with --azure-endpoint (default 2025-04-01-preview)")
    p.add_argument("--entra", choices=("default", "browser", "device-code"), help="Azure: sign in with Entra ID")
    p.add_argument("--model", default="gpt-4o-2024-08-06", help="base model or one of your fine-tuned models")
    p.add_argument("--epochs", type=_auto_int, default="auto")
    p.add_argument("--batch-size", type=_auto_int, default="auto")
    p.add_argument("--lr-multiplier", type=_auto_float, default="auto")
    p.add_argument("--suffix", default=None)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--training-type", choices=("standard", "global", "developer"), default=None, help="Azure only")
    _export_flags(p)
    p.add_argument("--resume", type=int, metavar="SUBMISSION", help="resume a submission that stopped part-way")
    p.add_argument("--watch", action="store_true", help="keep printing progress until the job finishes")
    p.add_argument("--interval", type=float, default=5.0, help="seconds between polls with --watch")
    p.set_defaults(handler=cmd_submit)

    p = sub.add_parser("jobs", help="list the project's fine-tuning jobs")
    p.add_argument("project", type=Path)
    p.add_argument("--refresh", action="store_true", help="ask the service for the latest status first")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_jobs)

    p = sub.add_parser("watch", help="print a job's status, events and metrics until it finishes")
    p.add_argument("project", type=Path)
    p.add_argument("job_id")
    p.add_argument("--interval", type=float, default=5.0, help="seconds between polls")
    p.set_defaults(handler=cmd_watch)

    p = sub.add_parser("emulator", help="run the local fine-tuning service emulator until Ctrl+C")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--data-dir", type=Path, default=None, help="keep files and jobs here across restarts")
    p.add_argument("--step-seconds", type=float, default=None, help="emulated seconds per training step")
    p.set_defaults(handler=cmd_emulator)


# -- argument helpers -------------------------------------------------------------------------------


def _export_flags(p: argparse.ArgumentParser, seed_flags: tuple[str, ...] = ("--split-seed",)) -> None:
    p.add_argument("--detail", choices=("low", "high", "auto"), default="low")
    p.add_argument("--val", type=float, default=None, metavar="FRACTION",
                   help="validation fraction; stored in the project (default: the project's, 0.1 at first)")
    p.add_argument("--test", type=float, default=None, metavar="FRACTION",
                   help="held-out test fraction, never uploaded; stored (default: the project's, 0.1 at first)")
    p.add_argument(*seed_flags, dest="split_seed", type=int, default=42,
                   help="seed of the train/validation/test split (default 42)")
    p.add_argument("--fix", action="store_true", help="include flagged images as repaired copies instead of leaving them out")
    p.add_argument("--drop-exact-duplicates", action="store_true",
                   help="leave out byte-identical copies of an image (one of them is kept)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="processes encoding images (default: one per core; 0 = none, encode in this process)")


def _auto_int(text: str) -> Any:
    return "auto" if text == "auto" else int(text)


def _auto_float(text: str) -> Any:
    return "auto" if text == "auto" else float(text)


def _export_options(args: argparse.Namespace, **extra: Any) -> dict:
    return {
        "detail": args.detail,
        "val_fraction": args.val,
        "test_fraction": args.test,
        "seed": args.split_seed,
        "fix": args.fix,
        "drop_exact_duplicates": args.drop_exact_duplicates,
        "workers": args.workers,
    } | extra


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def _open(path: Path) -> ProjectStore:
    return ProjectStore.open(path)


# -- export / estimate ------------------------------------------------------------------------------


def cmd_export(args: argparse.Namespace) -> int:
    from studio.core.export import ExportOptions, export_project

    with _open(args.project) as store:
        options = ExportOptions(**_export_options(args, azure_bom=args.bom))
        report = export_project(store, args.outdir, options, stderr_progress("export"))
    for warning in report.warnings:
        _err(f"warning: {warning}")
    if args.json:
        _print_json(report.as_dict())
    else:
        counts = ", ".join(f"{k} {v}" for k, v in report.examples.items())
        print(f"Wrote {counts} examples to {report.out_dir}")
        for name, path in report.files.items():
            print(f"  {name}: {path}")
        if report.skipped:
            print(f"  left out: {len(report.skipped)} image(s) (see {report.files.get('report')})")
    return 0


def cmd_estimate(args: argparse.Namespace) -> int:
    from studio.core.export import ExportOptions, estimate_project
    from studio.core.export.pricing import default_training_price

    price = args.price_per_million if args.price_per_million is not None else default_training_price(args.model)
    options = ExportOptions(detail=args.detail, val_fraction=args.val, test_fraction=args.test,
                            epochs=args.epochs, price_per_1m=price)
    with _open(args.project) as store:
        estimate = estimate_project(store, options)
    if args.json:
        _print_json(estimate.as_dict())
        return 0
    low, likely, high = estimate.billed_tokens
    for name, split in estimate.splits.items():
        print(f"{name}: {split.examples} examples, {split.images} images, {split.total:,} tokens per epoch")
    epochs = estimate.epochs if estimate.epochs is not None else f"auto (likely {estimate.epochs_likely})"
    print(f"epochs: {epochs}")
    print(f"billed training tokens: {likely:,}" + (f" (range {low:,}-{high:,})" if low != high else ""))
    if estimate.cost is not None:
        c_low, c_likely, c_high = estimate.cost
        print(f"estimated cost: ${c_likely:,.2f}" + (f" (range ${c_low:,.2f}-${c_high:,.2f})" if c_low != c_high else "")
              + f" at ${estimate.price_per_1m:g} per 1M tokens")
    for note in estimate.notes:
        _err(f"note: {note}")
    return 0


# -- credentials ------------------------------------------------------------------------------------


def cmd_login(args: argparse.Namespace) -> int:
    from studio.service.credentials import CredentialStore, resolve_credentials
    from studio.service.clients import test_connection
    from studio.service.profile import DEFAULT_AZURE_API_VERSION, ServiceProfile

    if args.provider == "openai":
        if args.entra:
            raise StudioError("Microsoft Entra sign-in is only for Azure OpenAI; OpenAI uses an API key.")
        profile = ServiceProfile(kind="openai", endpoint=args.endpoint or "")
    else:
        if not args.endpoint:
            raise StudioError("Give the Azure OpenAI resource endpoint: --endpoint https://RES.openai.azure.com")
        profile = ServiceProfile(
            kind="azure_v1" if args.v1 else "azure",
            endpoint=args.endpoint,
            api_version=args.api_version or DEFAULT_AZURE_API_VERSION,
            auth="entra" if args.entra else "api_key",
            entra_method=(args.entra or "default").replace("-", "_"),
        )
    if profile.auth == "entra":
        result = test_connection(profile, resolve_credentials(profile))
        print(result.message)
        return 0 if result.ok else 1
    if args.api_key_stdin:
        key = sys.stdin.readline().strip()
    elif sys.stdin.isatty():
        key = getpass.getpass(f"API key for {profile.display_name()}: ").strip()
    else:
        raise StudioError("No API key given. Pipe it in with --api-key-stdin (it is never taken from the command line).")
    if not key:
        raise StudioError("The API key is empty. Nothing was saved.")
    store = CredentialStore()
    if store.save(profile, key):
        print(f"Saved the API key for {profile.display_name()} in the system keyring.")
    else:
        _err("warning: " + store.status_message()
             + " For the command line, set " + ("OPENAI_API_KEY" if profile.kind == "openai" else "AZURE_OPENAI_API_KEY")
             + " in the environment instead.")
    if args.check:
        result = test_connection(profile, resolve_credentials(profile, store))
        print(result.message)
        return 0 if result.ok else 1
    return 0


# -- profiles ---------------------------------------------------------------------------------------


def _profile_from_args(args: argparse.Namespace, store: ProjectStore):
    from studio.service.profile import DEFAULT_AZURE_API_VERSION, ServiceProfile, profile_from_env, project_profile

    auth = {"auth": "entra", "entra_method": args.entra.replace("-", "_")} if getattr(args, "entra", None) else {}
    if args.demo:
        return ServiceProfile(kind="demo")
    if args.base_url:
        return ServiceProfile(kind="openai", endpoint=args.base_url)
    if args.azure_endpoint:
        return ServiceProfile(kind="azure", endpoint=args.azure_endpoint,
                              api_version=args.api_version or DEFAULT_AZURE_API_VERSION, **auth)
    if args.azure_v1:
        return ServiceProfile(kind="azure_v1", endpoint=args.azure_v1, **auth)
    env_profile = profile_from_env()
    if env_profile is not None:
        return ServiceProfile.from_dict(env_profile.to_dict() | auth) if auth else env_profile
    saved = project_profile(store)
    if saved is not None:
        return saved
    raise StudioError(
        "Which service? Pass --azure-endpoint URL, --azure-v1 URL, --base-url URL or --demo, "
        "or set AZURE_OPENAI_ENDPOINT / OPENAI_API_KEY."
    )


def _credentials(profile):
    from studio.service.credentials import resolve_credentials

    return resolve_credentials(profile, use_env=True)


# -- submit / jobs / watch --------------------------------------------------------------------------


def cmd_submit(args: argparse.Namespace) -> int:
    from studio.service.profile import save_project_profile
    from studio.service.submit.submission import retry_submission, submit
    from studio.service.submit.params import SubmitParams

    with _open(args.project) as store:
        progress = stderr_progress("submit")
        warn = lambda message: _err(f"warning: {message}")  # noqa: E731
        if args.resume is not None:
            sub = store.jobs.get_submission(args.resume)
            if sub is None:
                raise StudioError(f"There is no submission {args.resume} in this project (see 'studio-cli jobs').")
            from studio.service.profile import ServiceProfile

            profile = ServiceProfile.from_dict(sub.profile)
            job_id = retry_submission(store, args.resume, _credentials(profile), progress=progress, warn=warn)
        else:
            profile = _profile_from_args(args, store)
            params = SubmitParams(
                model=args.model, suffix=args.suffix, seed=args.seed, n_epochs=args.epochs,
                batch_size=args.batch_size, learning_rate_multiplier=args.lr_multiplier,
                training_type=args.training_type, export=_export_options(args),
            )
            creds = _credentials(profile)
            try:
                job_id = submit(store, profile, creds, params, progress, warn=warn)
            except StudioError as error:
                pending = store.jobs.list_submissions(unfinished_only=True)
                if pending:
                    _err(f"The submission stopped part-way; fix the cause, then resume it with: "
                         f"studio-cli submit {args.project} --resume {pending[0].id}")
                raise error
        save_project_profile(store, profile)
        print(job_id)
        sys.stdout.flush()
        if args.watch:
            return _watch(store, job_id, args.interval)
    return 0


def cmd_jobs(args: argparse.Namespace) -> int:
    with _open(args.project) as store:
        if args.refresh:
            _refresh(store)
        jobs = store.jobs.list_jobs()
        if args.json:
            _print_json([_job_dict(store, j) for j in jobs])
            return 0
        if not jobs:
            print("No fine-tuning jobs in this project yet.")
        for job in jobs:
            created = time.strftime("%Y-%m-%d %H:%M", time.localtime(job.created_at)) if job.created_at else "?"
            tokens = f"{job.trained_tokens:,} tokens" if job.trained_tokens else ""
            model = job.fine_tuned_model or ""
            print(f"{job.id}  {job.status:<16} {job.base_model or '?':<22} {created}  {tokens}  {model}".rstrip())
        for sub in store.jobs.list_submissions(unfinished_only=True):
            print(f"submission {sub.id}: stopped at '{sub.state}'" + (f" ({sub.error})" if sub.error else "")
                  + f"; resume with: studio-cli submit {args.project} --resume {sub.id}")
    return 0


def _refresh(store: ProjectStore) -> None:
    from studio.service.jobs.monitor import JobMonitor
    from studio.service.profile import ServiceProfile

    monitors: dict[str, JobMonitor] = {}

    def monitor_for(profile: ServiceProfile) -> JobMonitor:
        key = profile.to_json()
        if key not in monitors:
            monitors[key] = JobMonitor(store, profile, _credentials(profile))
        return monitors[key]

    # a submission that stopped after creating its job (response lost) gets its job back
    for sub in store.jobs.list_submissions(unfinished_only=True):
        if sub.training_file_id and sub.profile:
            monitor_for(ServiceProfile.from_dict(sub.profile)).refresh_from_service()
    for job in store.jobs.list_jobs(active_only=True):
        if not job.profile:
            continue
        snapshot = monitor_for(ServiceProfile.from_dict(job.profile)).poll(job.id)
        if snapshot.reconnecting:
            _err(f"{job.id}: {snapshot.message}")


def _job_dict(store: ProjectStore, job: jr.JobRecord) -> dict:
    return {
        "id": job.id,
        "status": job.status,
        "base_model": job.base_model,
        "fine_tuned_model": job.fine_tuned_model,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "trained_tokens": job.trained_tokens,
        "error": job.error,
        "service": job.profile.get("kind"),
        "checkpoints": [c.model_id for c in store.jobs.checkpoints(job.id)],
        "metrics_steps": len(store.jobs.metrics(job.id)),
    }


def cmd_watch(args: argparse.Namespace) -> int:
    with _open(args.project) as store:
        return _watch(store, args.job_id, args.interval)


def _watch(store: ProjectStore, job_id: str, interval: float) -> int:
    from studio.service.jobs.monitor import JobMonitor
    from studio.service.profile import ServiceProfile

    job = store.jobs.get_job(job_id)
    if job is None or not job.profile:
        raise StudioError(f"Job {job_id} is not recorded in this project. List its jobs with 'studio-cli jobs'.")
    profile = ServiceProfile.from_dict(job.profile)
    monitor = JobMonitor(store, profile, _credentials(profile))
    state = {"status": None, "reconnecting": False}

    def show(snapshot) -> None:
        if snapshot.reconnecting:
            if not state["reconnecting"]:
                _err(f"reconnecting: {snapshot.message}")
            state["reconnecting"] = True
            return
        if state["reconnecting"]:
            _err("reconnected")
        state["reconnecting"] = False
        if snapshot.status != state["status"]:
            state["status"] = snapshot.status
            print(f"status: {snapshot.status}")
        for event in snapshot.new_events:
            if event.type != "metrics":
                print(f"{_clock(event.created_at)} {event.level:<5} {event.message}")
        for point in snapshot.new_metrics:
            print(_metric_line(point))
        if snapshot.skipped_images:
            print(f"{snapshot.skipped_images} image(s) marked as skipped by the service")
        sys.stdout.flush()

    final = monitor.watch(job_id, show, interval=interval)
    job = final.job
    if job.status == "succeeded":
        print(f"fine-tuned model: {job.fine_tuned_model}")
        if job.trained_tokens:
            print(f"trained tokens: {job.trained_tokens:,}")
        for ckpt in store.jobs.checkpoints(job_id):
            print(f"checkpoint step {ckpt.step_number}: {ckpt.model_id}")
        return 0
    if job.error:
        print(f"error: {job.error.get('message')}")
    return 1


def _clock(ts: float | None) -> str:
    return time.strftime("%H:%M:%S", time.localtime(ts)) if ts else "--:--:--"


def _metric_line(p: jr.MetricPoint) -> str:
    parts = [f"step {p.step}" + (f"/{p.total_steps}" if p.total_steps else "")]
    for label, value in (("train_loss", p.train_loss), ("train_acc", p.train_accuracy),
                         ("valid_loss", p.valid_loss), ("valid_acc", p.valid_accuracy)):
        if value is not None:
            parts.append(f"{label}={value:.4f}")
    return "  ".join(parts)


# -- emulator ---------------------------------------------------------------------------------------


def cmd_emulator(args: argparse.Namespace) -> int:
    from studio.emulator import run_emulator

    kwargs: dict[str, Any] = {"host": args.host, "port": args.port, "data_dir": args.data_dir}
    if args.step_seconds is not None:
        kwargs["step_seconds"] = args.step_seconds
    try:
        run_emulator(**kwargs)
    except OSError as exc:
        raise StudioError(f"Cannot start the emulator on {args.host}:{args.port}: {exc}. Try another --port.") from None
    return 0
