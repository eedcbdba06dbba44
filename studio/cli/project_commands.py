"""Project commands of `studio-cli`: check, new, scan, classes, label, import/export labels, status."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from studio.core import label_io
from studio.core.errors import StudioError
from studio.core.models import ImageFilter
from studio.core.models import PROJECT_SUFFIX
from studio.core.store.project_store import ProjectStore


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="check every image under a folder without creating a project")
    p.add_argument("path", type=Path)
    p.add_argument("--json", action="store_true", help="print one JSON object (the default prints a summary)")
    p.add_argument("--quick", action="store_true", help="header checks only (no full decode; misses truncation)")
    p.set_defaults(handler=cmd_check)

    p = sub.add_parser("new", help=f"create a project file (*{PROJECT_SUFFIX}) for one or more image folders")
    p.add_argument("project", type=Path)
    p.add_argument("folders", type=Path, nargs="+")
    p.add_argument("--no-scan", action="store_true", help="create the project without scanning yet")
    p.set_defaults(handler=cmd_new)

    p = sub.add_parser("scan", help="rescan a project's folders (incremental)")
    p.add_argument("project", type=Path)
    p.add_argument("--quick", action="store_true", help="header checks only")
    p.set_defaults(handler=cmd_scan)

    p = sub.add_parser("relink", help="point a project at the new location of a moved image folder")
    p.add_argument("project", type=Path)
    p.add_argument("old_folder", help="the folder as the project remembers it (see 'status')")
    p.add_argument("new_folder", type=Path)
    p.set_defaults(handler=cmd_relink)

    p = sub.add_parser("classes", help="list classes, or add some")
    p.add_argument("project", type=Path)
    p.add_argument("--add", metavar="NAME", action="append", default=[], help="add a class (repeatable)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_classes)

    p = sub.add_parser("label", help="label one image (CLASS '-' clears the label)")
    p.add_argument("project", type=Path)
    p.add_argument("image", help="path of the image, relative to its folder or absolute")
    p.add_argument("class_name", metavar="CLASS")
    p.set_defaults(handler=cmd_label)

    p = sub.add_parser("import-labels", help="import labels from a CSV file or from class sub-folders")
    p.add_argument("project", type=Path)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--csv", type=Path, metavar="FILE")
    src.add_argument("--folders", action="store_true", help="class = name of the image's parent folder")
    p.add_argument("--dry-run", action="store_true", help="only show what would change")
    p.set_defaults(handler=cmd_import_labels)

    p = sub.add_parser("export-labels", help="write the labels to a CSV file")
    p.add_argument("project", type=Path)
    p.add_argument("--csv", type=Path, metavar="FILE", required=True)
    p.set_defaults(handler=cmd_export_labels)

    p = sub.add_parser("status", help="counts per class, flagged images per reason, unlabeled")
    p.add_argument("project", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_status)


# ---------------------------------------------------------------------- helpers


def stderr_progress(label: str):
    """Progress lines on stderr at most twice a second, so scripts can still read stdout cleanly."""
    last = [0.0]

    def progress(done: int, total: int | None, message: str = "") -> None:
        now = time.monotonic()
        if now - last[0] < 0.5 and not (total and done >= total):
            return
        last[0] = now
        of = f"/{total}" if total else ""
        print(f"{label}: {done}{of} {message}".rstrip(), file=sys.stderr, flush=True)

    return progress


def _open(path: Path, read_only: bool = False) -> ProjectStore:
    return ProjectStore.open(path, read_only=read_only)


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, sort_keys=False)
    sys.stdout.write("\n")


def _scan(store: ProjectStore, deep: bool) -> dict[str, Any]:
    from studio.core.scan.project_scan import scan_project

    report = scan_project(store, deep=deep, progress=stderr_progress("scan"))
    return report.as_dict() if hasattr(report, "as_dict") else dict(vars(report))


# ---------------------------------------------------------------------- commands


def cmd_check(args: argparse.Namespace) -> int:
    from studio.core.scan.project_scan import check_folder

    path: Path = args.path
    if not path.exists():
        raise StudioError(f"'{path}' does not exist. Give a folder (or an image file) to check.")
    result = check_folder(path, deep=not args.quick, progress=stderr_progress("check"))
    if args.json:
        _print_json(result)
    else:
        summary = result["summary"]
        print(f"{summary['total']} image(s), {summary.get('ok', 0)} ok")
        for rel, info in result["files"].items():
            if not info["ok"]:
                print(f"  {info['reason']:<10} {rel}: {info['message']}")
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    project: Path = args.project
    if project.suffix != PROJECT_SUFFIX:
        project = project.with_name(project.name + PROJECT_SUFFIX)
    for folder in args.folders:
        if not folder.is_dir():
            raise StudioError(f"'{folder}' is not a folder. Give the folder that holds the images.")
    store = ProjectStore.create(project, args.folders)
    try:
        print(f"created {project}")
        if not args.no_scan:
            report = _scan(store, deep=True)
            print(json.dumps(report, ensure_ascii=False))
    finally:
        store.close()
    return 0


def cmd_scan(args: argparse.Namespace) -> int:
    with _open(args.project) as store:
        missing = [r for r in store.roots() if not r.exists]
        for root in missing:
            print(
                f"warning: folder '{root.path}' is missing; its images are kept. If it moved, run "
                f"'studio-cli relink {args.project} \"{root.path}\" NEW_FOLDER'.",
                file=sys.stderr,
            )
        report = _scan(store, deep=not args.quick)
        print(json.dumps(report, ensure_ascii=False))
    return 0


def cmd_relink(args: argparse.Namespace) -> int:
    with _open(args.project) as store:
        old = Path(args.old_folder).expanduser()
        match = [r for r in store.roots() if r.path == old or r.path == old.resolve() or str(r.id) == args.old_folder]
        if not match:
            known = ", ".join(str(r.path) for r in store.roots())
            raise StudioError(f"The project has no folder '{args.old_folder}'. Its folders are: {known}.")
        found = store.relink_root(match[0].id, args.new_folder)
        print(f"{found} known image(s) found at the new location; rescanning")
        print(json.dumps(_scan(store, deep=True), ensure_ascii=False))
    return 0


def cmd_classes(args: argparse.Namespace) -> int:
    with _open(args.project, read_only=not args.add) as store:
        for name in args.add:
            if store.class_by_name(name) is None:
                store.add_class(name)
        counts = store.class_counts()
        rows = [
            {"name": c.name, "shortcut": c.shortcut, "color": c.color, "count": counts.get(c.id, 0)}
            for c in store.classes()
        ]
    if args.json:
        _print_json(rows)
    else:
        for r in rows:
            print(f"{r['shortcut'] or ' '}  {r['name']}  ({r['count']})")
    return 0


def _find_image(store: ProjectStore, image: str) -> int:
    wanted = image.replace("\\", "/").removeprefix("./")
    absolute = Path(image).expanduser()
    for row in store.iter_images(ImageFilter()):
        if row.rel_path == wanted or (absolute.is_absolute() and row.abs_path == absolute):
            return row.id
    raise StudioError(f"No image '{image}' in the project. Use a path relative to the image folder.")


def cmd_label(args: argparse.Namespace) -> int:
    with _open(args.project) as store:
        image_id = _find_image(store, args.image)
        if args.class_name == "-":
            store.set_label([image_id], None, source="cli")
            print(f"cleared label of {args.image}")
            return 0
        cls = store.class_by_name(args.class_name)
        if cls is None:
            names = ", ".join(c.name for c in store.classes()) or "none yet"
            raise StudioError(
                f"No class '{args.class_name}' (classes: {names}). Add it with "
                f"'studio-cli classes {args.project} --add \"{args.class_name}\"'."
            )
        store.set_label([image_id], cls.id, source="cli")
        print(f"{args.image} -> {cls.name}")
    return 0


def cmd_import_labels(args: argparse.Namespace) -> int:
    with _open(args.project, read_only=args.dry_run) as store:
        plan = label_io.plan_csv_import(store, args.csv) if args.csv else label_io.plan_folder_import(store)
        print(plan.summary())
        for path in plan.unknown_paths[:20]:
            print(f"  not in project: {path}", file=sys.stderr)
        for problem in plan.problems[:20]:
            print(f"  skipped {problem}", file=sys.stderr)
        if args.dry_run:
            return 0
        change = label_io.apply_import(store, plan, source="import")
        print(f"applied: {plan.total_changes} label change(s) in batch {change.batch_id}")
    return 0


def cmd_export_labels(args: argparse.Namespace) -> int:
    with _open(args.project, read_only=True) as store:
        n = label_io.export_csv(store, args.csv)
    print(f"wrote {n} label(s) to {args.csv}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    with _open(args.project, read_only=True) as store:
        status = store.status().as_dict()
        status["folders"] = [{"path": str(r.path), "exists": r.exists} for r in store.roots()]
    if args.json:
        _print_json(status)
    else:
        print(f"{status['total']} image(s): {status['labeled']} labeled, {status['unlabeled']} unlabeled, "
              f"{status['excluded']} excluded")
        for name, n in status["per_class"].items():
            print(f"  {name}: {n}")
        for reason, n in status["flagged"].items():
            print(f"  flagged {reason}: {n}")
        for folder in status["folders"]:
            if not folder["exists"]:
                print(f"  missing folder: {folder['path']}")
    return 0
