"""Export and estimate straight from a project file.

The exporter itself works on plain `ExportItem`s; this module is the only part of the export that
knows the `ProjectStore`. It takes labeled images that are not excluded and not missing, gives each
its stored split (`studio.core.splits`), and fills in the prompts the project overrides (settings
`prompt.system` / `prompt.instruction`) and the split fractions when the options leave them unset.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from studio.core.export.dataset_limits import DEFAULT_LIMITS, DatasetLimits
from studio.core.export.jsonl_writer import write_dataset
from studio.core.export.plan import estimate_plan, plan_export
from studio.core.export.prompts import SETTING_INSTRUCTION, SETTING_SYSTEM
from studio.core.export.records import ExportItem, ExportOptions, ExportReport
from studio.core.export.token_estimate import Estimate
from studio.core.models import ImageFilter
from studio.core.splits.project_splits import SplitSettings, refresh_splits, set_split_fractions, split_settings
from studio.core.splits.quotas import Split
from studio.core.tasks import CancelToken, ProgressFn, no_progress

if TYPE_CHECKING:
    from studio.core.store.project_store import ProjectStore

_ROWS_PER_QUERY = 2000


def project_items(store: "ProjectStore", options: ExportOptions | None = None) -> tuple[list[str], list[ExportItem]]:
    """(class names in display order, exportable labeled images, each with its stored split).

    Fractions in `options` that differ from the project's stored ones give a preview: the splits are
    computed for them but nothing is stored (`export_project` stores the user's new fractions first).
    """
    classes = store.classes()
    splits = refresh_splits(store, settings=_settings_for(store, options))
    by_id = {c.image_id: c for c in splits.candidates}
    names = {c.id: c.name for c in classes}
    ids = store.image_ids(ImageFilter(excluded=False))
    items: list[ExportItem] = []
    for start in range(0, len(ids), _ROWS_PER_QUERY):
        for row in store.images(ids[start : start + _ROWS_PER_QUERY]):
            if row.class_id is None or row.excluded or row.missing or row.class_id not in names:
                continue
            candidate = by_id.get(row.id)
            fp = row.fingerprint
            if fp is None and candidate is not None and candidate.identity.startswith("fp:"):
                fp = candidate.identity[3:]  # computed once by the split, not again here
            items.append(
                ExportItem(
                    image_id=row.id,
                    abs_path=Path(row.abs_path),
                    rel_path=row.rel_path,
                    fingerprint=fp,
                    class_name=names[row.class_id],
                    verdict=row.verdict,
                    format=row.format,
                    mode=row.mode,
                    width=row.width,
                    height=row.height,
                    bytes=row.size,
                    split=splits.by_image.get(row.id, Split.TRAIN),
                )
            )
    return [c.name for c in classes], items


def _settings_for(store: "ProjectStore", options: ExportOptions | None) -> SplitSettings:
    stored = split_settings(store)
    if options is None:
        return stored
    return SplitSettings(
        val_fraction=stored.val_fraction if options.val_fraction is None else options.val_fraction,
        test_fraction=stored.test_fraction if options.test_fraction is None else options.test_fraction,
        seed=stored.seed,
    )


def project_options(store: "ProjectStore", options: ExportOptions) -> ExportOptions:
    """`options` with the project's prompt overrides and split fractions filled in where the caller
    left them None."""
    fractions = _settings_for(store, options)
    return dataclasses.replace(
        options,
        system_prompt=options.system_prompt or store.get_setting(SETTING_SYSTEM, None),
        instruction=options.instruction or store.get_setting(SETTING_INSTRUCTION, None),
        val_fraction=fractions.val_fraction,
        test_fraction=fractions.test_fraction,
    )


def export_project(
    store: "ProjectStore",
    out_dir: Path,
    options: ExportOptions = ExportOptions(),
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
    limits: DatasetLimits = DEFAULT_LIMITS,
) -> ExportReport:
    if options.val_fraction is not None or options.test_fraction is not None:
        # Exporting with new fractions is the user changing them: store them, so the next export,
        # submit and evaluation use the same splits (changing moves only as many images as needed).
        set_split_fractions(store, options.val_fraction, options.test_fraction)
    names, items = project_items(store, options)
    return write_dataset(items, Path(out_dir), project_options(store, options), names, progress, cancel, limits)


def estimate_project(store: "ProjectStore", options: ExportOptions = ExportOptions()) -> Estimate:
    """Tokens and cost without encoding anything (uses the sizes the scan stored). Images the
    export would leave out on their verdict are not counted; the count is an upper bound when some
    unchecked images later turn out unusable."""
    names, items = project_items(store, options)
    opts = project_options(store, options)
    return estimate_plan(plan_export(items, names, opts), opts)
