"""Image commands of `studio-cli`: label, exclude/include, clear a service-skip mark, import/export labels.

Each takes images by the path the user sees (relative to its folder, or absolute) and changes them in
one transaction with the same store calls the app makes: an unknown path refuses the whole command.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from studio.core.wording import plural
from studio.cli.common import (
    SubParsers,
    add_image_args,
    find_class,
    find_image_ids,
    open_project,
    read_image_args,
)
from studio.core import label_io
from studio.core.errors import StudioError
from studio.core.models import ImageFilter


def register(sub: SubParsers) -> None:
    p = sub.add_parser("label", help="label images: IMAGE [IMAGE...] CLASS (CLASS '-' clears the label)")
    p.add_argument("project", type=Path)
    p.add_argument("images", nargs="+", metavar="IMAGE", help="path relative to its image folder, or absolute")
    p.add_argument("class_name", metavar="CLASS")
    p.set_defaults(handler=cmd_label)

    p = sub.add_parser("exclude", help="leave images out of every export (they stay in the project)")
    p.add_argument("project", type=Path)
    add_image_args(p)
    p.set_defaults(handler=cmd_exclude, excluded=True)

    p = sub.add_parser("include", help="take excluded images back into exports")
    p.add_argument("project", type=Path)
    add_image_args(p)
    p.set_defaults(handler=cmd_exclude, excluded=False)

    p = sub.add_parser("clear-skip", help="clear the mark of images the service skipped (after you fixed them)")
    p.add_argument("project", type=Path)
    add_image_args(p)
    p.add_argument("--all", action="store_true", help="every marked image")
    p.set_defaults(handler=cmd_clear_skip)

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


def cmd_label(args: argparse.Namespace) -> int:
    with open_project(args.project) as store:
        image_ids = find_image_ids(store, args.images)
        what = args.images[0] if len(args.images) == 1 else f"{plural(len(image_ids), 'image')}"
        if args.class_name == "-":
            store.set_label(image_ids, None, source="cli")
            print(f"cleared label of {what}")
            return 0
        cls = find_class(store, args.class_name, args.project)
        store.set_label(image_ids, cls.id, source="cli")
        print(f"{what} -> {cls.name}")
    return 0


def cmd_exclude(args: argparse.Namespace) -> int:
    with open_project(args.project) as store:
        image_ids = find_image_ids(store, read_image_args(args.images, args.from_file))
        before = store.set_excluded(image_ids, args.excluded)
    changed = sum(1 for was in before.values() if was != args.excluded)
    verb = "excluded" if args.excluded else "included"
    print(f"{verb} {plural(changed, 'image')}" + (f" ({len(image_ids) - changed} already were)" if changed < len(image_ids) else ""))
    return 0


def cmd_clear_skip(args: argparse.Namespace) -> int:
    with open_project(args.project) as store:
        marked = set(store.image_ids(ImageFilter(service_skipped=True, include_missing=True)))
        if args.all:
            if args.images or args.from_file:
                raise StudioError("Give either --all or the images, not both.")
            image_ids = sorted(marked)
        else:
            image_ids = find_image_ids(store, read_image_args(args.images, args.from_file))
        store.jobs.clear_service_skip(image_ids)
    cleared = len(marked & set(image_ids))
    print(f"cleared the service's skip mark of {plural(cleared, 'image')}")
    return 0


def cmd_import_labels(args: argparse.Namespace) -> int:
    with open_project(args.project, read_only=args.dry_run) as store:
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
    with open_project(args.project, read_only=True) as store:
        n = label_io.export_csv(store, args.csv)
    print(f"wrote {plural(n, 'label')} to {args.csv}")
    return 0
