"""Project commands of `studio-cli`: create, scan, add or relink a folder, status."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from studio.core.wording import plural
from studio.cli.common import SubParsers, open_project, print_json, stderr_progress
from studio.core.errors import StudioError
from studio.core.models import PROJECT_SUFFIX
from studio.core.store.project_store import ProjectStore


def register(sub: SubParsers) -> None:
    p = sub.add_parser("new", help=f"create a project file (*{PROJECT_SUFFIX}) for one or more image folders")
    p.add_argument("project", type=Path)
    p.add_argument("folders", type=Path, nargs="+")
    p.add_argument("--no-scan", action="store_true", help="create the project without scanning yet")
    p.set_defaults(handler=cmd_new)

    p = sub.add_parser("scan", help="rescan a project's folders (incremental)")
    p.add_argument("project", type=Path)
    p.add_argument("--quick", action="store_true", help="header checks only")
    p.set_defaults(handler=cmd_scan)

    p = sub.add_parser("add-folder", help="add another image folder to a project, then scan")
    p.add_argument("project", type=Path)
    p.add_argument("folder", type=Path)
    p.add_argument("--no-scan", action="store_true", help="add the folder without scanning yet")
    p.set_defaults(handler=cmd_add_folder)

    p = sub.add_parser("relink", help="point a project at the new location of a moved image folder")
    p.add_argument("project", type=Path)
    p.add_argument("old_folder", help="the folder as the project remembers it (see 'status')")
    p.add_argument("new_folder", type=Path)
    p.set_defaults(handler=cmd_relink)

    p = sub.add_parser("status", help="counts per class, flagged images per reason, unlabeled")
    p.add_argument("project", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_status)


def _scan(store: ProjectStore, deep: bool) -> dict[str, Any]:
    from studio.core.scan.project_scan import scan_project

    report = scan_project(store, deep=deep, progress=stderr_progress("scan"))
    return report.as_dict() if hasattr(report, "as_dict") else dict(vars(report))


def _require_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise StudioError(f"'{folder}' is not a folder. Give the folder that holds the images.")


def cmd_new(args: argparse.Namespace) -> int:
    project: Path = args.project
    if project.suffix != PROJECT_SUFFIX:
        project = project.with_name(project.name + PROJECT_SUFFIX)
    for folder in args.folders:
        _require_folder(folder)
    store = ProjectStore.create(project, args.folders)
    try:
        print(f"created {project}")
        if not args.no_scan:
            print(json.dumps(_scan(store, deep=True), ensure_ascii=False))
    finally:
        store.close()
    return 0


def cmd_scan(args: argparse.Namespace) -> int:
    with open_project(args.project) as store:
        for root in (r for r in store.roots() if not r.exists):
            print(
                f"warning: folder '{root.path}' is missing; its images are kept. If it moved, run "
                f"'studio-cli relink {args.project} \"{root.path}\" NEW_FOLDER'.",
                file=sys.stderr,
            )
        print(json.dumps(_scan(store, deep=not args.quick), ensure_ascii=False))
    return 0


def cmd_add_folder(args: argparse.Namespace) -> int:
    with open_project(args.project) as store:
        known = {r.id for r in store.roots()}
        root = store.add_root(args.folder)
        print(f"added folder {root.path}" if root.id not in known else f"{root.path} is already in the project")
        if not args.no_scan:
            print(json.dumps(_scan(store, deep=True), ensure_ascii=False))
    return 0


def cmd_relink(args: argparse.Namespace) -> int:
    with open_project(args.project) as store:
        old = Path(args.old_folder).expanduser()
        match = [r for r in store.roots() if r.path == old or r.path == old.resolve() or str(r.id) == args.old_folder]
        if not match:
            known = ", ".join(str(r.path) for r in store.roots())
            raise StudioError(f"The project has no folder '{args.old_folder}'. Its folders are: {known}.")
        found = store.relink_root(match[0].id, args.new_folder)
        print(f"{plural(found, 'known image')} found at the new location; rescanning")
        print(json.dumps(_scan(store, deep=True), ensure_ascii=False))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    with open_project(args.project, read_only=True) as store:
        status = store.status().as_dict()
        status["folders"] = [{"path": str(r.path), "exists": r.exists} for r in store.roots()]
    if args.json:
        print_json(status)
    else:
        print(f"{plural(status['total'], 'image')}: {status['labeled']} labeled, {status['unlabeled']} unlabeled, "
              f"{status['excluded']} excluded")
        for name, n in status["per_class"].items():
            print(f"  {name}: {n}")
        for reason, n in status["flagged"].items():
            print(f"  flagged {reason}: {n}")
        for folder in status["folders"]:
            if not folder["exists"]:
                print(f"  missing folder: {folder['path']}")
    return 0
