"""Which labeled images go into which file, in which order, before any pixel is read.

Shared by the export (which then encodes and writes) and the estimate (which stops here), so both
count the same examples. Lines are ordered by the same stable hash that picks the split: classes
come interleaved (a training file sorted by class trains worse if the service does not shuffle) and
the order is identical on every re-export.

Splits: items built from a project carry the project's stored split (`studio.core.splits`: exact per
class, sticky); items without one (tests, a folder exported without a project) are placed by the
same rules from scratch, with the options' fractions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from studio.core.export.image_encoding import verdict_skip_reason
from studio.core.export.prompts import Prompts, render_prompts
from studio.core.export.records import ExportItem, ExportOptions, SkippedImage
from studio.core.export.token_estimate import DETAILS, Estimate, TokenTally, example_text_tokens
from studio.core.splits.quotas import DEFAULT_TEST_FRACTION, DEFAULT_VAL_FRACTION, SPLIT_ORDER, Split
from studio.core.splits.reconcile import SplitImage, reconcile, stable_unit


@dataclass(frozen=True, slots=True)
class PlannedExample:
    item: ExportItem
    split: Split


@dataclass(slots=True)
class ExportPlan:
    examples: list[PlannedExample]  # train first, then validation, then test; stable order within
    skipped: list[SkippedImage]  # left out on their stored verdict alone
    class_names: list[str]
    prompts: Prompts

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in SPLIT_ORDER}
        for ex in self.examples:
            out[ex.split.value] += 1
        return out

    def per_class(self) -> dict[str, int]:
        out = {c: 0 for c in self.class_names}
        for ex in self.examples:
            out[ex.item.class_name] = out.get(ex.item.class_name, 0) + 1
        return out


def plan_export(items: Iterable[ExportItem], class_names: Sequence[str] | None, options: ExportOptions) -> ExportPlan:
    if options.detail not in DETAILS:
        raise ValueError(f"detail must be one of {DETAILS}, not {options.detail!r}")
    names = list(class_names or [])
    unlisted: set[str] = set()
    skipped: list[SkippedImage] = []
    candidates: list[ExportItem] = []
    for item in items:
        unlisted.add(item.class_name)
        reason = verdict_skip_reason(item.verdict, options.fix)
        if reason:
            skipped.append(SkippedImage(item.image_id, item.rel_path, reason))
        else:
            candidates.append(item)

    if options.drop_exact_duplicates:
        candidates, copies = _drop_exact_duplicates(candidates)
        skipped.extend(copies)
    names += sorted(unlisted - set(names))  # sorted: the prompt must not depend on item order
    identities = {it.image_id: _identity(it) for it in candidates}
    splits = {it.image_id: it.split for it in candidates if it.split is not None}
    unplaced = [it for it in candidates if it.split is None]
    if unplaced:
        fresh = reconcile(
            [SplitImage(identities[it.image_id], it.class_name) for it in unplaced], {},
            DEFAULT_VAL_FRACTION if options.val_fraction is None else options.val_fraction,
            DEFAULT_TEST_FRACTION if options.test_fraction is None else options.test_fraction,
            seed=options.seed,
        ).assignment
        splits.update({it.image_id: fresh[identities[it.image_id]] for it in unplaced})
    rank = {s: i for i, s in enumerate(SPLIT_ORDER)}
    ordered = sorted(
        candidates,
        key=lambda it: (rank[splits[it.image_id]], stable_unit(options.seed, identities[it.image_id]), it.image_id),
    )
    prompts = render_prompts(names, options.system_prompt, options.instruction)
    return ExportPlan([PlannedExample(it, splits[it.image_id]) for it in ordered], skipped, names, prompts)


def _drop_exact_duplicates(items: list[ExportItem]) -> tuple[list[ExportItem], list[SkippedImage]]:
    """Keep one image per fingerprint (the first by path); the copies become skipped images."""
    kept: dict[str, ExportItem] = {}
    out: list[ExportItem] = []
    copies: list[SkippedImage] = []
    for item in sorted(items, key=lambda it: (it.rel_path, it.image_id)):
        first = kept.setdefault(item.fingerprint, item) if item.fingerprint else item
        if first is item:
            out.append(item)
        else:
            copies.append(SkippedImage(item.image_id, item.rel_path,
                                       f"Byte-identical copy of '{first.rel_path}'; left out because exact "
                                       "duplicates are dropped."))
    return out, copies


def _identity(item: ExportItem) -> str:
    """The same identity the project's splits use (content first, so copies share a split)."""
    return f"fp:{item.fingerprint}" if item.fingerprint else f"path:{item.rel_path}"


def estimate_plan(plan: ExportPlan, options: ExportOptions) -> Estimate:
    """Tokens and cost from the plan alone, using the image sizes the project already knows."""
    tally = TokenTally(options.detail)
    text = {c: example_text_tokens(plan.prompts.system, plan.prompts.instruction, c) for c in plan.class_names}
    for ex in plan.examples:
        tally.add(ex.split.value, text[ex.item.class_name], [(ex.item.width, ex.item.height)])
    return tally.finish(options.epochs, options.price_per_1m)
