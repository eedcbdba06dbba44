"""`studio-cli duplicates`: exact and near-duplicate groups of a project, for curation scripts.

Uses the perceptual hashes the scan's deep stage stored; images checked before hashes existed are
hashed first (with progress on stderr), so the answer covers every present, included image.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from studio.core.wording import plural
from studio.cli.common import SubParsers, print_json, stderr_progress
from studio.core.curation.perceptual_hash import MAX_THRESHOLD


def register(sub: SubParsers) -> None:
    p = sub.add_parser("duplicates", help="list groups of exact and near-duplicate images")
    p.add_argument("project", type=Path)
    p.add_argument("--threshold", type=int, default=None, metavar="BITS",
                   help=f"largest Hamming distance (0-{MAX_THRESHOLD} bits) between near-duplicates "
                        "(default: the project's, 8 at first)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_duplicates)


def cmd_duplicates(args: argparse.Namespace) -> int:
    from studio.core.curation.hash_backfill import hash_missing
    from studio.core.curation.project_duplicates import find_duplicates
    from studio.core.errors import StudioError
    from studio.core.splits.project_splits import duplicate_threshold
    from studio.core.store.project_store import ProjectStore

    if args.threshold is not None and not 0 <= args.threshold <= MAX_THRESHOLD:
        raise StudioError(f"--threshold must be between 0 and {MAX_THRESHOLD} bits, not {args.threshold} "
                          "(8 finds resized, re-encoded, slightly cropped or brightened copies).")
    with ProjectStore.open(args.project) as store:
        # A query at another threshold; the project's own (which also keeps groups in one split)
        # is changed in the Duplicates view.
        threshold = duplicate_threshold(store) if args.threshold is None else args.threshold
        hash_missing(store, stderr_progress("hashing"))
        groups = find_duplicates(store, threshold)
    if args.json:
        print_json({"groups": [g.as_dict() for g in groups]})
        return 0
    if not groups:
        print(f"No duplicates at a threshold of {threshold} bits.")
        return 0
    print(f"{plural(len(groups), 'group')} of duplicates at a threshold of {threshold} bits:")
    for g in groups:
        mark = "  [different labels]" if g.mixed_labels else ""
        kind = "exact copies" if g.exact else f"up to {g.max_distance} bits apart"
        print(f"- {len(g.images)} images, {kind}{mark}")
        for im in g.images:
            print(f"    {im.rel_path}  ({im.label or 'unlabeled'})")
    return 0
