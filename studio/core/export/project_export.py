"""Export and estimate straight from a project file.

The exporter itself works on plain `ExportItem`s; this module is the only part of the export that
knows the `ProjectStore`. It takes labeled images that are not excluded and not missing, and fills
in the prompts the project overrides (settings `prompt.system` / `prompt.instruction`) when the
options leave them unset.
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
from studio.core.scan.fingerprint import fingerprint
from studio.core.models import ImageFilter
from studio.core.tasks import CancelToken, ProgressFn, no_progress

if TYPE_CHECKING:
    from studio.core.store.project_store import ProjectStore

_ROWS_PER_QUERY = 2000


def project_items(store: "ProjectStore") -> tuple[list[str], list[ExportItem]]:
    """(class names in display order, exportable labeled images)."""
    classes = store.classes()
    names = {c.id: c.name for c in classes}
    ids = store.image_ids(ImageFilter(excluded=False))
    items: list[ExportItem] = []
    for start in range(0, len(ids), _ROWS_PER_QUERY):
        for row in store.images(ids[start : start + _ROWS_PER_QUERY]):
            if row.class_id is None or row.excluded or row.missing or row.class_id not in names:
                continue
            items.append(
                ExportItem(
                    image_id=row.id,
                    abs_path=Path(row.abs_path),
                    rel_path=row.rel_path,
                    fingerprint=row.fingerprint or _fingerprint_now(row.abs_path, row.size),
                    class_name=names[row.class_id],
                    verdict=row.verdict,
                    format=row.format,
                    mode=row.mode,
                    width=row.width,
                    height=row.height,
                    bytes=row.size,
                )
            )
    return [c.name for c in classes], items


def _fingerprint_now(path: Path, size: int) -> str | None:
    """The fingerprint the scan's deep stage would store, for images it has not reached yet.

    The split keys on the fingerprint when there is one; computing it here keeps an image in the
    same split before and after the deep check catches up with it.
    """
    try:
        return fingerprint(path, size)
    except OSError:
        return None


def project_options(store: "ProjectStore", options: ExportOptions) -> ExportOptions:
    """`options` with the project's prompt overrides filled in where the caller left them None."""
    return dataclasses.replace(
        options,
        system_prompt=options.system_prompt or store.get_setting(SETTING_SYSTEM, None),
        instruction=options.instruction or store.get_setting(SETTING_INSTRUCTION, None),
    )


def export_project(
    store: "ProjectStore",
    out_dir: Path,
    options: ExportOptions = ExportOptions(),
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
    limits: DatasetLimits = DEFAULT_LIMITS,
) -> ExportReport:
    names, items = project_items(store)
    return write_dataset(items, Path(out_dir), project_options(store, options), names, progress, cancel, limits)


def estimate_project(store: "ProjectStore", options: ExportOptions = ExportOptions()) -> Estimate:
    """Tokens and cost without encoding anything (uses the sizes the scan stored). Images the
    export would leave out on their verdict are not counted; the count is an upper bound when some
    unchecked images later turn out unusable."""
    names, items = project_items(store)
    opts = project_options(store, options)
    return estimate_plan(plan_export(items, names, opts), opts)
