"""Dataset commands of `studio-cli`: the prompt texts, export the chat-format JSONL, estimate tokens and cost."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from studio.core.wording import plural
from studio.cli.common import SubParsers, open_project, print_json, stderr_progress, warn
from studio.core.errors import StudioError


def register(sub: SubParsers) -> None:
    p = sub.add_parser("export", help="write the chat-format JSONL dataset (+ manifest and report) to a folder")
    p.add_argument("project", type=Path)
    p.add_argument("outdir", type=Path)
    add_export_flags(p, ("--seed", "--split-seed"))
    p.add_argument("--bom", action="store_true", help="start the files with a UTF-8 BOM (Azure's documented format)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("estimate", help="estimate training tokens and cost without exporting")
    p.add_argument("project", type=Path)
    p.add_argument("--detail", choices=("low", "high", "auto"), default="low")
    p.add_argument("--val", type=float, default=None, metavar="FRACTION",
                   help="preview another validation fraction (default: the project's stored one)")
    p.add_argument("--test", type=float, default=None, metavar="FRACTION",
                   help="preview another test fraction (default: the project's stored one)")
    p.add_argument("--epochs", type=int, default=None, help="default: the service's 'auto' (a range is shown)")
    p.add_argument("--price-per-million", type=float, default=None, metavar="USD",
                   help="training price per 1M tokens (default: the known list price of --model)")
    p.add_argument("--model", default="gpt-4o-2024-08-06")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_estimate)

    p = sub.add_parser("prompts", help="show or set the system and instruction texts of every training example")
    p.add_argument("project", type=Path)
    system = p.add_mutually_exclusive_group()
    system.add_argument("--system", metavar="TEXT", help="the system message ({classes} = the class names)")
    system.add_argument("--system-file", type=Path, metavar="FILE", help="the system message, from a UTF-8 file")
    instruction = p.add_mutually_exclusive_group()
    instruction.add_argument("--instruction", metavar="TEXT", help="the user instruction next to each image")
    instruction.add_argument("--instruction-file", type=Path, metavar="FILE", help="the instruction, from a UTF-8 file")
    p.add_argument("--reset", action="store_true", help="go back to the shipped texts")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_prompts)


def add_export_flags(p: argparse.ArgumentParser, seed_flags: tuple[str, ...] = ("--split-seed",)) -> None:
    """The export choices `export` and `submit` share; read back with `export_options(args)`."""
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


def export_options(args: argparse.Namespace, **extra: Any) -> dict[str, Any]:
    return {
        "detail": args.detail,
        "val_fraction": args.val,
        "test_fraction": args.test,
        "seed": args.split_seed,
        "fix": args.fix,
        "drop_exact_duplicates": args.drop_exact_duplicates,
        "workers": args.workers,
    } | extra


def cmd_export(args: argparse.Namespace) -> int:
    from studio.core.export import ExportOptions, export_project

    with open_project(args.project) as store:
        options = ExportOptions(**export_options(args, azure_bom=args.bom))
        report = export_project(store, args.outdir, options, stderr_progress("export"))
    for warning in report.warnings:
        warn(f"warning: {warning}")
    if args.json:
        print_json(report.as_dict())
    else:
        counts = ", ".join(f"{k} {v}" for k, v in report.examples.items())
        print(f"Wrote {counts} examples to {report.out_dir}")
        for name, path in report.files.items():
            print(f"  {name}: {path}")
        if report.skipped:
            print(f"  left out: {plural(len(report.skipped), 'image')} (see {report.files.get('report')})")
    return 0


def cmd_estimate(args: argparse.Namespace) -> int:
    from studio.core.export import ExportOptions, estimate_project
    from studio.core.export.pricing import default_training_price

    price = args.price_per_million if args.price_per_million is not None else default_training_price(args.model)
    options = ExportOptions(detail=args.detail, val_fraction=args.val, test_fraction=args.test,
                            epochs=args.epochs, price_per_1m=price)
    with open_project(args.project) as store:
        estimate = estimate_project(store, options)
    if args.json:
        print_json(estimate.as_dict())
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
        warn(f"note: {note}")
    return 0


def _text(value: str | None, path: Path | None) -> str | None:
    if path is None:
        return value
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise StudioError(f"Cannot read '{path}' as UTF-8 text: {exc}. Nothing was changed.") from None


def cmd_prompts(args: argparse.Namespace) -> int:
    """The wizard's prompts page, headless: same storage, so the app and the next export see the change."""
    from studio.core.export.prompts import PLACEHOLDER, default_templates
    from studio.core.finetune_data import load_prompt_templates, save_prompt_templates

    system = _text(args.system, args.system_file)
    instruction = _text(args.instruction, args.instruction_file)
    changing = args.reset or system is not None or instruction is not None
    if args.reset and (system is not None or instruction is not None):
        raise StudioError("Give either --reset or new texts, not both.")
    with open_project(args.project, read_only=not changing) as store:
        if changing:
            current_system, current_instruction = default_templates() if args.reset else load_prompt_templates(store)
            save_prompt_templates(store, system if system is not None else current_system,
                                  instruction if instruction is not None else current_instruction)
        system_now, instruction_now = load_prompt_templates(store)
    defaults = default_templates()
    if args.json:
        print_json({"system": system_now, "instruction": instruction_now,
                    "system_is_default": system_now == defaults[0], "instruction_is_default": instruction_now == defaults[1]})
    else:
        print(f"system:\n{system_now}\n\ninstruction:\n{instruction_now}")
    if PLACEHOLDER not in system_now + instruction_now:
        warn(f"note: neither text names {PLACEHOLDER}: the model is not told which classes it may answer.")
    return 0
