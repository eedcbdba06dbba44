"""Duplicate groups of a project's images, with what a person needs to decide about them.

Exact duplicates are byte-identical files (same content fingerprint), near-duplicates are images
whose stored perceptual hashes are within the threshold; both join one group (connected
components). Only present, included images take part: excluding the copies of a group ("keep one")
makes the group disappear, and an image marked "not a duplicate" is left out of every group. The
same groups keep their members in one split (`studio.core.splits.project_splits`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from studio.core.curation.duplicates import group_duplicates
from studio.core.models import ImageFilter
from studio.core.store.splits import SplitRepository

if TYPE_CHECKING:
    from studio.core.store.project_store import ProjectStore

_ROWS_PER_QUERY = 2000


@dataclass(frozen=True, slots=True)
class DuplicateImage:
    image_id: int
    rel_path: str  # as export-labels writes it
    label: str | None
    fingerprint: str | None
    width: int | None
    height: int | None
    bytes: int


@dataclass(frozen=True, slots=True)
class DuplicateSet:
    """One group of two or more copies, largest file first (the usual one to keep)."""

    images: tuple[DuplicateImage, ...]
    max_distance: int  # largest Hamming distance between two members, in bits

    @property
    def labels(self) -> list[str | None]:
        return [im.label for im in self.images]

    @property
    def mixed_labels(self) -> bool:
        """True when labeled members disagree: one of the labels is probably a mistake."""
        return len({im.label for im in self.images if im.label is not None}) > 1

    @property
    def exact(self) -> bool:
        """True when every member is byte-identical to the others."""
        fps = {im.fingerprint for im in self.images}
        return len(fps) == 1 and None not in fps

    def as_dict(self) -> dict:
        return {"images": [im.rel_path for im in self.images], "labels": self.labels,
                "max_distance": self.max_distance}


def find_duplicates(store: "ProjectStore", threshold: int) -> list[DuplicateSet]:
    """The project's duplicate groups at `threshold` bits, groups with mixed labels first."""
    repo = SplitRepository(store)
    ignored = repo.ignored()
    names = {c.id: c.name for c in store.classes()}
    ids = store.image_ids(ImageFilter(excluded=False))
    rows: dict[int, DuplicateImage] = {}
    exact: dict[int, str] = {}
    for start in range(0, len(ids), _ROWS_PER_QUERY):
        for row in store.images(ids[start : start + _ROWS_PER_QUERY]):
            if row.missing or row.excluded:
                continue
            identity = f"fp:{row.fingerprint}" if row.fingerprint else f"path:{row.rel_path}"
            if identity in ignored:
                continue
            rows[row.id] = DuplicateImage(row.id, row.rel_path, names.get(row.class_id) if row.class_id else None,
                                          row.fingerprint, row.width, row.height, row.size)
            if row.fingerprint:
                exact[row.id] = row.fingerprint
    hashes = repo.hashes(list(rows))
    groups = group_duplicates(hashes, threshold, exact=exact)
    out = []
    for g in groups:
        members = sorted((rows[i] for i in g.members),
                         key=lambda im: (-((im.width or 0) * (im.height or 0)), -im.bytes, im.rel_path))
        out.append(DuplicateSet(tuple(members), g.max_distance))
    out.sort(key=lambda s: (not s.mixed_labels, -len(s.images), s.images[0].rel_path))
    return out


def mark_not_duplicate(store: "ProjectStore", image_ids: list[int], ignored: bool = True) -> None:
    """Leave these images out of every duplicate group (and out of the split's grouping), or undo it."""
    identities = []
    for row in store.images(image_ids):
        identities.append(f"fp:{row.fingerprint}" if row.fingerprint else f"path:{row.rel_path}")
    SplitRepository(store).set_ignored(identities, ignored)


__all__ = ["DuplicateImage", "DuplicateSet", "find_duplicates", "mark_not_duplicate"]
