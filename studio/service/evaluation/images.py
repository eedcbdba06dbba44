"""Which images a run asks about, and which labeled training images a few-shot prompt shows.

The split is the project's stored split (`studio.core.splits`, through the export's `project_items`),
the same one export and submit use, so a test image is never one the model was trained on. The order
is the export's stable per-image order, so `limit=N` takes the same N images every time, classes mixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from studio.core.evaluation.records import EvalRunSpec
from studio.core.export.image_encoding import verdict_skip_reason
from studio.core.export.plan import plan_export
from studio.core.export.project_export import project_items, project_options
from studio.core.export.records import ExportItem, ExportOptions

if TYPE_CHECKING:
    from studio.core.store.project_store import ProjectStore


@dataclass(frozen=True, slots=True)
class RunImages:
    items: list[ExportItem]  # the images to ask about, in stable order
    shots: list[ExportItem]  # few-shot examples (labeled training images), in prompt order
    skipped: list[tuple[int, str]]  # (image id, reason) left out: the service would refuse them
    class_names: list[str]


def split_of_images(store: "ProjectStore", detail: str = "low") -> tuple[list[str], dict[int, str], list[ExportItem]]:
    """(class names, image id -> "train"/"validation"/"test", labeled items in the stable order)."""
    names, items = project_items(store)
    plan = plan_export(items, names, project_options(store, ExportOptions(detail=detail, fix=True)))
    return plan.class_names, {ex.item.image_id: ex.split.value for ex in plan.examples}, [ex.item for ex in plan.examples]


def choose_images(store: "ProjectStore", spec: EvalRunSpec) -> RunImages:
    names, splits, ordered = split_of_images(store, spec.detail)
    skipped: list[tuple[int, str]] = []
    if spec.split == "selection":
        wanted = set(spec.image_ids or ())
        chosen = [it for it in ordered if it.image_id in wanted]
        labeled = {it.image_id for it in chosen}
        skipped += [(i, "It has no label, so an answer could not be scored.") for i in sorted(wanted - labeled)]
    else:
        chosen = [it for it in ordered if splits.get(it.image_id) == spec.split]
    usable = []
    for it in chosen:
        reason = verdict_skip_reason(it.verdict, spec.fix)
        if reason:
            skipped.append((it.image_id, reason))
        else:
            usable.append(it)
    if spec.limit is not None:
        usable = usable[: spec.limit]
    shots = choose_shots([it for it in ordered if splits.get(it.image_id) == "train"], names, spec.shots, spec.fix)
    shot_ids = {s.image_id for s in shots}
    return RunImages([it for it in usable if it.image_id not in shot_ids], shots, skipped, names)


def choose_shots(train: Sequence[ExportItem], class_names: Sequence[str], k: int, fix: bool) -> list[ExportItem]:
    """K training images, taken round-robin over the classes in project order (so K >= number of
    classes shows every class), each class's images in the stable order."""
    if k <= 0:
        return []
    by_class: dict[str, list[ExportItem]] = {c: [] for c in class_names}
    for it in train:
        if verdict_skip_reason(it.verdict, fix) is None:
            by_class.setdefault(it.class_name, []).append(it)
    picked: list[ExportItem] = []
    depth = 0
    while len(picked) < k and any(len(v) > depth for v in by_class.values()):
        for name in class_names:
            if len(picked) < k and len(by_class.get(name, [])) > depth:
                picked.append(by_class[name][depth])
        depth += 1
    return picked
