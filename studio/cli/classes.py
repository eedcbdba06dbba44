"""Class commands of `studio-cli`: list and add, rename, merge, delete, re-key, re-colour and reorder.

The same store calls the class panel makes, so a class set curated in the app can be rebuilt or
scripted headless. There is no undo here: each command says what it changed, and labels that a
merge or delete moved are in the project's label history.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from studio.core.wording import plural
from studio.cli.common import SubParsers, find_class, open_project, print_json
from studio.core.errors import StudioError


def register(sub: SubParsers) -> None:
    p = sub.add_parser("classes", help="list classes, or add some")
    p.add_argument("project", type=Path)
    p.add_argument("--add", metavar="NAME", action="append", default=[], help="add a class (repeatable)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_classes)

    p = sub.add_parser("class-rename", help="rename a class (its labels stay)")
    p.add_argument("project", type=Path)
    p.add_argument("name", metavar="CLASS")
    p.add_argument("new_name", metavar="NEW_NAME")
    p.set_defaults(handler=cmd_rename)

    p = sub.add_parser("class-merge", help="move every image of one class into another, then remove the first")
    p.add_argument("project", type=Path)
    p.add_argument("source", metavar="CLASS")
    p.add_argument("target", metavar="INTO_CLASS")
    p.set_defaults(handler=cmd_merge)

    p = sub.add_parser("class-delete", help="delete a class; its images become unlabeled or move to another class")
    p.add_argument("project", type=Path)
    p.add_argument("name", metavar="CLASS")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--reassign-to", metavar="CLASS", help="move its images to this class")
    what.add_argument("--unlabel", action="store_true", help="leave its images unlabeled")
    p.set_defaults(handler=cmd_delete)

    p = sub.add_parser("class-key", help="set a class's keyboard shortcut (one letter or digit; '-' removes it)")
    p.add_argument("project", type=Path)
    p.add_argument("name", metavar="CLASS")
    p.add_argument("key", metavar="KEY")
    p.set_defaults(handler=cmd_key)

    p = sub.add_parser("class-color", help="set a class's colour (#rrggbb)")
    p.add_argument("project", type=Path)
    p.add_argument("name", metavar="CLASS")
    p.add_argument("color", metavar="COLOR")
    p.set_defaults(handler=cmd_color)

    p = sub.add_parser("class-order", help="put classes in this order (classes not named keep theirs, after them)")
    p.add_argument("project", type=Path)
    p.add_argument("names", metavar="CLASS", nargs="+")
    p.set_defaults(handler=cmd_order)


def cmd_classes(args: argparse.Namespace) -> int:
    with open_project(args.project, read_only=not args.add) as store:
        for name in args.add:
            if store.class_by_name(name) is None:
                store.add_class(name)
        counts = store.class_counts()
        rows = [
            {"name": c.name, "shortcut": c.shortcut, "color": c.color, "count": counts.get(c.id, 0)}
            for c in store.classes()
        ]
    if args.json:
        print_json(rows)
    else:
        for r in rows:
            print(f"{r['shortcut'] or ' '}  {r['name']}  ({r['count']})")
    return 0


def cmd_rename(args: argparse.Namespace) -> int:
    with open_project(args.project) as store:
        cls = find_class(store, args.name, args.project)
        store.rename_class(cls.id, args.new_name)
        renamed = next(c for c in store.classes() if c.id == cls.id)
    print(f"renamed class '{cls.name}' to '{renamed.name}'")
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    with open_project(args.project) as store:
        source = find_class(store, args.source, args.project)
        target = find_class(store, args.target, args.project)
        change = store.merge_classes(source.id, target.id, source="cli-merge")
    print(f"merged '{source.name}' into '{target.name}': {plural(len(change.before), 'image')} moved; '{source.name}' removed")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    with open_project(args.project) as store:
        cls = find_class(store, args.name, args.project)
        target = find_class(store, args.reassign_to, args.project) if args.reassign_to else None
        if target is not None and target.id == cls.id:
            raise StudioError("--reassign-to names the class being deleted. Choose another class.")
        count = store.class_counts().get(cls.id, 0)
        if count and target is None and not args.unlabel:
            raise StudioError(
                f"'{cls.name}' labels {plural(count, 'image')}. Say what happens to them: --unlabel leaves them "
                f"unlabeled, --reassign-to CLASS moves them. Nothing was changed."
            )
        change = store.delete_class(cls.id, target.id if target else None, source="cli-delete-class")
    where = f"moved to '{target.name}'" if target else "now unlabeled"
    print(f"deleted class '{cls.name}': {plural(len(change.before), 'image')} {where}")
    return 0


def cmd_key(args: argparse.Namespace) -> int:
    with open_project(args.project) as store:
        cls = find_class(store, args.name, args.project)
        store.set_class_shortcut(cls.id, None if args.key == "-" else args.key)
        key = next(c.shortcut for c in store.classes() if c.id == cls.id)
    print(f"'{cls.name}': shortcut {key!r}" if key else f"'{cls.name}': no shortcut")
    return 0


def cmd_color(args: argparse.Namespace) -> int:
    with open_project(args.project) as store:
        cls = find_class(store, args.name, args.project)
        store.set_class_color(cls.id, args.color)
        color = next(c.color for c in store.classes() if c.id == cls.id)
    print(f"'{cls.name}': colour {color}")
    return 0


def cmd_order(args: argparse.Namespace) -> int:
    with open_project(args.project) as store:
        named = [find_class(store, name, args.project).id for name in args.names]
        if len(set(named)) != len(named):
            raise StudioError("A class is named twice. Name each class once, in the order you want.")
        rest = [c.id for c in store.classes() if c.id not in named]
        store.reorder_classes(named + rest)
        order = [c.name for c in store.classes()]
    print("order: " + ", ".join(order))
    return 0
