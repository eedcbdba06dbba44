"""Labels in and out of a project: CSV files and class-subfolder layouts.

Imports are two-step on purpose: `plan_*` reads the source and says exactly what would change (new
classes, relabeled images, unknown files) without touching the project; `apply_import` then commits
the plan in one transaction that undo can reverse. A user never finds out what an import did by
discovering it afterwards.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from studio.core.errors import StudioError
from studio.core.models import ImageFilter, LabelChange
from studio.core.store.project_store import ProjectStore

CSV_PATH_COLUMNS = ("path", "file", "filename", "image", "rel_path")
CSV_LABEL_COLUMNS = ("label", "class", "class_name", "category")


@dataclass(slots=True)
class LabelImportPlan:
    """What an import would do. `labels` maps image id -> class name (None clears the label)."""

    source: str
    labels: dict[int, str | None] = field(default_factory=dict)
    new_classes: list[str] = field(default_factory=list)
    unchanged: int = 0
    changed: int = 0  # images whose existing label would be replaced
    added: int = 0  # unlabeled images that would get a label
    unknown_paths: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def total_changes(self) -> int:
        return self.changed + self.added

    def summary(self) -> str:
        parts = [f"{self.added} image(s) get a label", f"{self.changed} image(s) change label"]
        if self.new_classes:
            parts.append(f"{len(self.new_classes)} new class(es): {', '.join(self.new_classes[:10])}")
        if self.unchanged:
            parts.append(f"{self.unchanged} already labeled the same")
        if self.unknown_paths:
            parts.append(f"{len(self.unknown_paths)} row(s) name files that are not in the project")
        if self.problems:
            parts.append(f"{len(self.problems)} row(s) could not be read")
        return "; ".join(parts) + "."


def _path_index(store: ProjectStore) -> tuple[dict[str, int], dict[str, list[int]]]:
    """Map both root-relative paths and bare file names to image ids, to match what users export."""
    by_rel: dict[str, int] = {}
    by_name: dict[str, list[int]] = {}
    roots = {r.id: r.path for r in store.roots()}
    for row in store.iter_images(ImageFilter()):
        by_rel[row.rel_path] = row.id
        root = roots.get(row.root_id)
        if root is not None:
            by_rel[(root / row.rel_path).as_posix()] = row.id
        by_name.setdefault(row.rel_path.rsplit("/", 1)[-1], []).append(row.id)
    return by_rel, by_name


def _finish_plan(store: ProjectStore, plan: LabelImportPlan) -> LabelImportPlan:
    known = {c.name for c in store.classes()}
    names = {c.id: c.name for c in store.classes()}
    current = {row.id: names.get(row.class_id) if row.class_id else None for row in store.images(list(plan.labels))}
    new: list[str] = []
    for image_id, label in plan.labels.items():
        if label is not None and label not in known and label not in new:
            new.append(label)
        before = current.get(image_id)
        if before == label:
            plan.unchanged += 1
        elif before is None:
            plan.added += 1
        else:
            plan.changed += 1
    plan.new_classes = new
    return plan


def plan_csv_import(store: ProjectStore, csv_path: Path | str) -> LabelImportPlan:
    """Read a CSV of (path, label) rows; the header names the columns (path/file, label/class)."""
    csv_path = Path(csv_path)
    try:
        text = csv_path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise StudioError(f"Cannot read '{csv_path}': {exc.strerror or exc}. Check the file and try again.") from exc
    except UnicodeDecodeError as exc:
        raise StudioError(f"'{csv_path.name}' is not UTF-8 text. Save it as CSV UTF-8 and try again.") from exc
    reader = csv.reader(io.StringIO(text))
    rows = list(reader)
    if not rows:
        raise StudioError(f"'{csv_path.name}' is empty. Nothing to import.")
    header = [h.strip().lower() for h in rows[0]]
    path_col = next((header.index(c) for c in CSV_PATH_COLUMNS if c in header), None)
    label_col = next((header.index(c) for c in CSV_LABEL_COLUMNS if c in header), None)
    body = rows[1:]
    by_rel, by_name = _path_index(store)
    if path_col is None or label_col is None:
        first = rows[0][0].strip().replace("\\", "/") if rows[0] else ""
        headerless = len(rows[0]) >= 2 and (first.removeprefix("./") in by_rel or first.rsplit("/", 1)[-1] in by_name)
        if not headerless:
            raise StudioError(
                f"'{csv_path.name}' needs a header with a path column ({', '.join(CSV_PATH_COLUMNS)}) and a "
                f"label column ({', '.join(CSV_LABEL_COLUMNS)})."
            )
        path_col, label_col, body = 0, 1, rows  # a two-column file without a header row
    plan = LabelImportPlan(source=str(csv_path))
    for line_no, row in enumerate(body, start=2 if body is not rows else 1):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(path_col, label_col):
            plan.problems.append(f"line {line_no}: expected at least {max(path_col, label_col) + 1} columns")
            continue
        raw_path = row[path_col].strip().replace("\\", "/")
        label = " ".join(row[label_col].split()) or None
        image_id = by_rel.get(raw_path.removeprefix("./")) or by_rel.get(raw_path)
        if image_id is None:
            candidates = by_name.get(raw_path.rsplit("/", 1)[-1], [])
            if len(candidates) == 1:
                image_id = candidates[0]
        if image_id is None:
            plan.unknown_paths.append(raw_path)
            continue
        plan.labels[image_id] = label
    return _finish_plan(store, plan)


def plan_folder_import(store: ProjectStore) -> LabelImportPlan:
    """Label every image by the name of the folder it is in (the common class-subfolder layout)."""
    plan = LabelImportPlan(source="folder names")
    for row in store.iter_images(ImageFilter()):
        parts = row.rel_path.split("/")
        if len(parts) < 2:
            continue
        plan.labels[row.id] = parts[-2]
    return _finish_plan(store, plan)


def apply_import(store: ProjectStore, plan: LabelImportPlan, source: str = "import") -> LabelChange:
    """Create the plan's new classes and apply its labels in one durable transaction."""
    for name in plan.new_classes:
        if store.class_by_name(name) is None:
            store.add_class(name)
    ids = {c.name: c.id for c in store.classes()}
    return store.apply_labels(
        {image_id: (ids[label] if label is not None else None) for image_id, label in plan.labels.items()},
        source=source,
    )


def write_csv(csv_path: Path | str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """The one CSV writer of the studio (label exports, evaluation exports): UTF-8, the csv module's
    quoting, written to a temporary file and renamed, so a failed write never leaves half a file
    or destroys the previous one. Returns the number of data rows; a write error becomes a
    `StudioError` that names the file and what to do."""
    csv_path = Path(csv_path)
    tmp = csv_path.with_name(csv_path.name + ".tmp")
    count = 0
    try:
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            for row in rows:
                writer.writerow(row)
                count += 1
        tmp.replace(csv_path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StudioError(f"Cannot write '{csv_path}': {exc.strerror or exc}. Choose another location.") from exc
    return count


def export_csv(store: ProjectStore, csv_path: Path | str) -> int:
    """Write `path,label,excluded,flag` for every labeled image; returns the number of rows."""
    names = {c.id: c.name for c in store.classes()}
    rows = (
        [row.rel_path, names.get(row.class_id, ""), int(row.excluded), "" if not row.flagged else row.verdict.value]
        for row in store.iter_images(ImageFilter())
        if row.class_id is not None
    )
    return write_csv(csv_path, ["path", "label", "excluded", "flag"], rows)
