"""`studio-cli moderation`: the moderation warning of a project (faces, people), as the app shows it.

Runs the face/person stage for images not analysed yet (progress on stderr, cached in the project),
then lists the images the service will likely skip. `--wrong` / `--right` mark flags as wrong (or
right again), as the viewer's "This flag is wrong" button does; identical copies follow.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from studio.core.wording import plural
from studio.cli.common import SubParsers, find_image_ids, open_project, print_json, stderr_progress


def register(sub: SubParsers) -> None:
    p = sub.add_parser("moderation", help="list images the service's moderation will likely skip (faces, people)")
    p.add_argument("project", type=Path)
    marks = p.add_mutually_exclusive_group()
    marks.add_argument("--wrong", nargs="+", metavar="IMAGE", help="mark these images' flags as wrong")
    marks.add_argument("--right", nargs="+", metavar="IMAGE", help="take back a 'wrong' mark")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_moderation)


def cmd_moderation(args: argparse.Namespace) -> int:
    from studio.core.curation.moderation_stage import run_moderation
    from studio.core.store.moderation_flags import ModerationRepository

    with open_project(args.project) as store:
        repo = ModerationRepository(store)
        if args.wrong or args.right:
            ids = find_image_ids(store, args.wrong or args.right)
            changed = repo.set_dismissed(ids, bool(args.wrong))
            print(f"marked {plural(len(changed), 'image')} as {'wrong' if args.wrong else 'flagged again'}")
            return 0
        report = run_moderation(store, progress=stderr_progress("moderation"))
        ids = repo.flagged_ids()
        flags = repo.flags(ids)
        rows = {r.id: r for r in store.images(ids)}
        images = [
            {"image": rows[i].rel_path, "likely_skipped": flags[i].kind, "boxes": [list(b) for b in flags[i].boxes]}
            for i in ids if i in rows and i in flags
        ]
        counts = repo.counts()
        if args.json:
            print_json({"images": images, "dismissed": counts.dismissed, "stage": report.as_dict()})
        else:
            print(f"{plural(len(images), 'image')} likely skipped by the service's moderation"
                  f" ({plural(counts.dismissed, 'flag')} marked wrong)")
            for item in images:
                print(f"  {item['likely_skipped']:<7} {item['image']}")
    return 0
