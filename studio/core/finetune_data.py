"""What the fine-tune wizard reads from and writes to the project, without any widget.

The wizard must show the dataset exactly as the export will build it, so every number here comes
from the export's own planning code (`project_items`, `plan_export`, `check_example_counts`) and the
preview example from its own builders (`encode_image`, `render_prompts`, `build_example`): a preview
cannot drift from what is uploaded because it is made by the same functions. Kept Qt-free so it is
tested directly and can run on a worker thread.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Sequence

from studio.core.errors import DatasetError
from studio.core.export import ExportOptions
from studio.core.export.dataset_limits import DEFAULT_LIMITS, check_example_counts
from studio.core.export.image_encoding import (
    NEVER_FIXABLE,
    EncodedImage,
    EncodeRequest,
    Unusable,
    encode_image,
    verdict_skip_reason,
)
from studio.core.export.jsonl_writer import build_example
from studio.core.export.plan import SPLIT_ORDER, plan_export
from studio.core.export.project_export import project_items
from studio.core.export.prompts import SETTING_INSTRUCTION, SETTING_SYSTEM, default_templates, render_prompts
from studio.core.models import Verdict
from studio.core.store.moderation_flags import SKIP_LIMIT, ModerationRepository
from studio.core.wording import plural

# A class this many times larger than the smallest one dominates what the model learns.
IMBALANCE_RATIO = 5.0
SPLITS = tuple(s.value for s in SPLIT_ORDER)


# -- prompts ----------------------------------------------------------------------------------------


def load_prompt_templates(store: Any) -> tuple[str, str]:
    """(system, instruction) templates for this project: its own texts, else the shipped defaults."""
    default_system, default_instruction = default_templates()
    system = store.get_setting(SETTING_SYSTEM, None) or default_system
    instruction = store.get_setting(SETTING_INSTRUCTION, None) or default_instruction
    return system, instruction


def save_prompt_templates(store: Any, system: str, instruction: str) -> None:
    """Keep the project's texts; a text equal to the default is stored as "use the default", so a
    better default shipped later still reaches projects that never changed it."""
    default_system, default_instruction = default_templates()
    for key, text, default in ((SETTING_SYSTEM, system, default_system), (SETTING_INSTRUCTION, instruction, default_instruction)):
        value = text.strip()
        store.set_setting(key, None if not value or value == default else value)


# -- dataset summary --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClassCounts:
    name: str
    per_split: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.per_split.values())


@dataclass(frozen=True, slots=True)
class FlaggedGroup:
    """Labeled images flagged for one reason, and what the export will do with them."""

    verdict: Verdict
    count: int
    fixed: bool  # True: a repaired copy goes into the dataset; False: left out
    fixable: bool  # False: no repair exists (damaged, unreadable, too many pixels)

    @property
    def fate(self) -> str:
        if self.fixed:
            return "included as a repaired copy (original untouched)"
        if not self.fixable:
            return "left out (cannot be repaired)"
        return "left out (turn on Fix to include a repaired copy)"


@dataclass(slots=True)
class DatasetSummary:
    classes: list[ClassCounts]
    totals: dict[str, int]
    flagged: list[FlaggedGroup]
    unchecked: int  # labeled images not checked yet: the export checks them as it goes
    unlabeled: int
    excluded: int
    warnings: list[str] = field(default_factory=list)
    blocking: str | None = None  # why the service would refuse this dataset; None when it may go
    # Examples the moderation detector flagged (faces, people): the service will likely skip them.
    likely_skipped_ids: list[int] = field(default_factory=list)

    @property
    def likely_skipped(self) -> int:
        return len(self.likely_skipped_ids)

    @property
    def skip_risk(self) -> str | None:
        """None, "some", "near" (close to the service's 200-skip failure limit) or "over" (past it)."""
        n = self.likely_skipped
        if n == 0:
            return None
        if n > SKIP_LIMIT:
            return "over"
        return "near" if n >= SKIP_WARN_AT else "some"

    @property
    def examples(self) -> int:
        return sum(self.totals.values())

    @property
    def left_out(self) -> int:
        return sum(g.count for g in self.flagged if not g.fixed)

    @property
    def fixed(self) -> int:
        return sum(g.count for g in self.flagged if g.fixed)


# Warn loudly from here on: the service fails a job past SKIP_LIMIT skipped multimodal examples.
SKIP_WARN_AT = 150


def skip_risk_text(n: int) -> str:
    """What the wizard and the CLI say about `n` examples the moderation detector flagged."""
    if n > SKIP_LIMIT:
        return (
            f"{n} examples show faces or people and will likely be skipped by the service's moderation. "
            f"Past {SKIP_LIMIT} skipped examples the service fails the whole job: leave them out, or check "
            "the flags and mark the wrong ones."
        )
    if n >= SKIP_WARN_AT:
        return (
            f"{n} examples show faces or people and will likely be skipped, close to the {SKIP_LIMIT} skips "
            "after which the service fails the whole job. Leave them out, or check the flags."
        )
    return (
        f"{plural(n, 'example')} {'shows' if n == 1 else 'show'} faces or people and will likely be skipped by "
        "the service's moderation "
        "(the job still runs, without them). Leave them out to train on exactly what you see."
    )


def imbalance_warning(per_class: dict[str, int], ratio: float = IMBALANCE_RATIO) -> str | None:
    """A warning when the largest class outnumbers the smallest (non-empty) one `ratio` times."""
    present = {name: n for name, n in per_class.items() if n > 0}
    if len(present) < 2:
        return None
    big = max(present, key=lambda c: present[c])
    small = min(present, key=lambda c: present[c])
    if present[big] < ratio * present[small]:
        return None
    return (
        f"Classes are very unbalanced: '{big}' has {present[big]} examples, '{small}' only {present[small]} "
        f"({present[big] / present[small]:.0f}x). The model will tend to answer '{big}'; label more images "
        f"of the small classes, or exclude some of '{big}'."
    )


def dataset_summary(store: Any, options: ExportOptions, status: Any | None = None) -> DatasetSummary:
    """Counts per class and split, flagged images and their fate, and warnings, for `options`."""
    names, items = project_items(store, options)
    plan = plan_export(items, names, options)
    per_class: dict[str, dict[str, int]] = {n: dict.fromkeys(SPLITS, 0) for n in plan.class_names}
    for example in plan.examples:
        per_class.setdefault(example.item.class_name, dict.fromkeys(SPLITS, 0))[example.split.value] += 1
    totals = plan.counts()

    flagged_counts = Counter(it.verdict for it in items if it.verdict.flagged)
    flagged = [
        FlaggedGroup(
            verdict=verdict,
            count=count,
            fixed=verdict_skip_reason(verdict, options.fix) is None,
            fixable=verdict not in NEVER_FIXABLE,
        )
        for verdict, count in sorted(flagged_counts.items(), key=lambda kv: (-kv[1], kv[0].value))
    ]
    status = status or store.status()
    summary = DatasetSummary(
        classes=[ClassCounts(name, counts) for name, counts in per_class.items()],
        totals=totals,
        flagged=flagged,
        unchecked=sum(1 for it in items if it.verdict is Verdict.PENDING),
        unlabeled=status.unlabeled,
        excluded=status.excluded,
    )
    summary.likely_skipped_ids = ModerationRepository(store).flagged_ids(
        among=[example.item.image_id for example in plan.examples if example.split.value != "test"]  # uploaded only
    )
    class_totals = {c.name: c.total for c in summary.classes}
    try:
        summary.warnings = check_example_counts(totals, class_totals, DEFAULT_LIMITS)
    except DatasetError as error:
        summary.blocking = str(error)
    unbalanced = imbalance_warning(class_totals)
    if unbalanced:
        summary.warnings.append(unbalanced)
    if summary.unchecked:
        summary.warnings.append(
            f"{summary.unchecked} labeled image(s) are not checked yet; the export checks them as it goes "
            "and leaves out any the service would reject."
        )
    return summary


# -- the preview example ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PreviewImage:
    """One training image encoded exactly as the export will encode it (or why it cannot be)."""

    image_id: int
    rel_path: str
    class_name: str
    class_names: tuple[str, ...]
    index: int  # position among the training examples
    count: int  # training examples in total
    image: EncodedImage | None
    reason: str | None = None


def preview_image(store: Any, options: ExportOptions, index: int = 0) -> PreviewImage | None:
    """Encode the `index`-th training example's image (wrapping around); None when there is none."""
    names, items = project_items(store, options)
    plan = plan_export(items, names, options)
    train = [ex for ex in plan.examples if ex.split is SPLIT_ORDER[0]]
    if not train:
        return None
    index %= len(train)
    item = train[index].item
    request = EncodeRequest(
        path=str(item.abs_path),
        verdict=item.verdict.value,
        detail=options.detail,
        fix=options.fix,
        downscale=options.downscale,
        jpeg_quality=options.jpeg_quality,
    )
    try:
        encoded, reason = encode_image(request), None
    except Unusable as error:
        encoded, reason = None, str(error)
    return PreviewImage(item.image_id, item.rel_path, item.class_name, tuple(plan.class_names), index,
                        len(train), encoded, reason)


def preview_example(preview: PreviewImage, system: str | None, instruction: str | None, detail: str) -> dict:
    """The JSONL example for the preview image with the prompts as currently typed."""
    prompts = render_prompts(preview.class_names, system, instruction)
    images = [preview.image] if preview.image is not None else []
    return build_example(prompts, images, detail, preview.class_name)


def shorten_data_uris(value: Any, keep: int = 48) -> Any:
    """A copy of an example with each data URI cut to its start and its length, for display only."""
    if isinstance(value, dict):
        return {k: shorten_data_uris(v, keep) for k, v in value.items()}
    if isinstance(value, list):
        return [shorten_data_uris(v, keep) for v in value]
    if isinstance(value, str) and value.startswith("data:") and len(value) > keep:
        return f"{value[:keep]}… ({len(value):,} characters)"
    return value


def example_display_text(example: dict) -> str:
    """The example as it is sent, pretty-printed, with image data shortened."""
    return json.dumps(shorten_data_uris(example), ensure_ascii=False, indent=2)


def export_options(base: ExportOptions, **changes: Any) -> ExportOptions:
    """`base` with `changes`; a helper so pages tweak one field without knowing the others."""
    return dataclasses.replace(base, **changes)


def project_model_choices(jobs: Sequence[Any]) -> list[tuple[str, str]]:
    """(model id, label) for this project's fine-tuned models, newest first, for continuous training."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for job in jobs:
        model = getattr(job, "fine_tuned_model", None)
        if model and model not in seen:
            seen.add(model)
            out.append((model, f"{model} (this project, job {job.id})"))
    return out
