"""Helpers of the CLI tests (a uniquely named module, so it never resolves to another area's helpers)."""

from __future__ import annotations

from pathlib import Path

from studio.core.models import ClassInfo, ImageFilter
from studio.core.store.project_store import ProjectStore


def labels(project: Path) -> dict[str, str | None]:
    """rel path -> class name, read back from the project file."""
    with ProjectStore.open(project, read_only=True) as store:
        names = {c.id: c.name for c in store.classes()}
        return {row.rel_path: names.get(row.class_id) if row.class_id else None for row in store.iter_images()}


def classes(project: Path) -> list[ClassInfo]:
    with ProjectStore.open(project, read_only=True) as store:
        return store.classes()


def paths(project: Path, flt: ImageFilter) -> set[str]:
    with ProjectStore.open(project, read_only=True) as store:
        return {row.rel_path for row in store.iter_images(flt)}
