"""`studio-cli check`: every image under a folder judged as the service would, without a project."""

from __future__ import annotations

import argparse
from pathlib import Path

from studio.cli.common import SubParsers, print_json, stderr_progress
from studio.core.errors import StudioError


def register(sub: SubParsers) -> None:
    p = sub.add_parser("check", help="check every image under a folder without creating a project")
    p.add_argument("path", type=Path)
    p.add_argument("--json", action="store_true", help="print one JSON object (the default prints a summary)")
    p.add_argument("--quick", action="store_true", help="header checks only (no full decode; misses truncation)")
    p.add_argument(
        "--moderation", action="store_true",
        help="also predict which images the service's moderation will skip (faces, people): adds "
        "likely_skipped and boxes to each file",
    )
    p.set_defaults(handler=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    from studio.core.scan.project_scan import check_folder

    path: Path = args.path
    if not path.exists():
        raise StudioError(f"'{path}' does not exist. Give a folder (or an image file) to check.")
    result = check_folder(path, deep=not args.quick, progress=stderr_progress("check"), moderation=args.moderation)
    if args.json:
        print_json(result)
    else:
        summary = result["summary"]
        print(f"{summary['total']} image(s), {summary.get('ok', 0)} ok")
        for rel, info in result["files"].items():
            if not info["ok"]:
                print(f"  {info['reason']:<10} {rel}: {info['message']}")
        if args.moderation:
            print(f"{summary['likely_skipped']} image(s) likely skipped by the service's moderation (face or person):")
            for rel, info in result["files"].items():
                if info["likely_skipped"]:
                    print(f"  {info['likely_skipped']:<10} {rel}")
    return 0
