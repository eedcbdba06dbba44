"""The project's splits: which images take part, the stored fractions, and one call that brings the
stored splits up to date with today's images.

Everything that needs splits - the export and the submit (CLI and GUI), the wizard's counts, the
evaluation - calls `refresh_splits` (or `image_splits`), so they cannot disagree. It reconciles the
stored splits with the current images (see `reconcile`), stores the result and returns it per image.

Who takes part: labeled images that are not excluded and not missing, whose stored verdict the
export could use at least as a repaired copy. It does not depend on the export's "fix" choice, so
switching that option never reshuffles the test set (a flagged image that is not being fixed is left
out of its split's file by the export, and the split keeps its place for it).

When fractions count as changed by the user: the project remembers the test fraction its splits
were last reconciled with; while the current one differs, test images may leave test (that is the
user's change, not "on its own"). Scored images still need confirming: their moves come back as
`blocked`, and until the user confirms them the old test fraction is kept as the applied one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Protocol, Sequence

from studio.core.curation.duplicates import group_duplicates
from studio.core.curation.perceptual_hash import DEFAULT_THRESHOLD, MAX_THRESHOLD
from studio.core.models import NEVER_FIXABLE, ImageFilter
from studio.core.scan.fingerprint import fingerprint
from studio.core.splits.quotas import (
    DEFAULT_TEST_FRACTION,
    DEFAULT_VAL_FRACTION,
    SPLIT_ORDER,
    Split,
    validate_fractions,
)
from studio.core.splits.reconcile import Move, SplitImage, SplitPlan, reconcile
from studio.core.store.evaluations import EvaluationRepository
from studio.core.store.splits import SplitRepository

if TYPE_CHECKING:
    from studio.core.store.project_store import ProjectStore

SETTING_VAL = "split.val_fraction"
SETTING_TEST = "split.test_fraction"
SETTING_SEED = "split.seed"
SETTING_APPLIED_TEST = "split.applied_test_fraction"
SETTING_DUP_THRESHOLD = "duplicates.threshold"

_ROWS_PER_QUERY = 2000


class _Settings(Protocol):
    """Anything that keeps project settings: the store, or the UI's labeling session."""

    def get_setting(self, key: str, default: Any = None) -> Any: ...


@dataclass(frozen=True, slots=True)
class SplitSettings:
    val_fraction: float = DEFAULT_VAL_FRACTION
    test_fraction: float = DEFAULT_TEST_FRACTION
    seed: int = 42


@dataclass(frozen=True, slots=True)
class SplitCandidate:
    image_id: int
    identity: str
    class_name: str
    rel_path: str


@dataclass(slots=True)
class ProjectSplits:
    """Today's splits: per image, per class counts, and what the refresh changed or could not."""

    by_image: dict[int, Split]
    plan: SplitPlan
    settings: SplitSettings
    candidates: list[SplitCandidate] = field(default_factory=list)

    @property
    def blocked(self) -> list[Move]:
        return self.plan.blocked

    def counts(self) -> dict[str, dict[str, int]]:
        """class -> split name -> images, for every class that has candidates."""
        return {c: {s.value: n for s, n in per.items()} for c, per in self.plan.counts.items()}

    def totals(self) -> dict[str, int]:
        out = {s.value: 0 for s in SPLIT_ORDER}
        for split in self.by_image.values():
            out[split.value] += 1
        return out

    def ids_in(self, split: Split) -> list[int]:
        return [i for i, s in self.by_image.items() if s is split]


def split_identity(fingerprint_: str | None, rel_path: str) -> str:
    """The stable identity a split is stored under: the content fingerprint, else the path."""
    return f"fp:{fingerprint_}" if fingerprint_ else f"path:{rel_path}"


def split_settings(store: _Settings) -> SplitSettings:
    return SplitSettings(
        val_fraction=float(store.get_setting(SETTING_VAL, DEFAULT_VAL_FRACTION)),
        test_fraction=float(store.get_setting(SETTING_TEST, DEFAULT_TEST_FRACTION)),
        seed=int(store.get_setting(SETTING_SEED, 42)),
    )


def set_split_fractions(store: "ProjectStore", val_fraction: float | None = None,
                        test_fraction: float | None = None) -> SplitSettings:
    """Store new fractions (None keeps one); the next refresh moves only as many images as needed."""
    current = split_settings(store)
    val = current.val_fraction if val_fraction is None else float(val_fraction)
    test = current.test_fraction if test_fraction is None else float(test_fraction)
    validate_fractions(val, test)
    if val != current.val_fraction:
        store.set_setting(SETTING_VAL, val)
    if test != current.test_fraction:
        store.set_setting(SETTING_TEST, test)
    return split_settings(store)


def duplicate_threshold(store: "ProjectStore") -> int:
    value = int(store.get_setting(SETTING_DUP_THRESHOLD, DEFAULT_THRESHOLD))
    return max(0, min(MAX_THRESHOLD, value))


def set_duplicate_threshold(store: "ProjectStore", threshold: int) -> None:
    if not 0 <= threshold <= MAX_THRESHOLD:
        from studio.core.errors import DatasetError

        raise DatasetError(f"The duplicate threshold must be between 0 and {MAX_THRESHOLD} bits, not {threshold}.")
    store.set_setting(SETTING_DUP_THRESHOLD, int(threshold))


def split_candidates(store: "ProjectStore") -> list[SplitCandidate]:
    """The images that take part in the split (see the module docstring), in path order."""
    names = {c.id: c.name for c in store.classes()}
    ids = store.image_ids(ImageFilter(excluded=False))
    out: list[SplitCandidate] = []
    for start in range(0, len(ids), _ROWS_PER_QUERY):
        for row in store.images(ids[start : start + _ROWS_PER_QUERY]):
            if row.class_id not in names or row.excluded or row.missing:
                continue
            if row.verdict in NEVER_FIXABLE:
                continue
            fp = row.fingerprint or _fingerprint_now(row.abs_path, row.size)
            out.append(SplitCandidate(row.id, split_identity(fp, row.rel_path), names[row.class_id], row.rel_path))
    return out


def _fingerprint_now(path: Path, size: int) -> str | None:
    """The fingerprint the deep check would store, for images it has not reached yet, so that an
    image keeps its split before and after the deep check catches up with it."""
    try:
        return fingerprint(path, size)
    except OSError:
        return None


def duplicate_identity_groups(store: "ProjectStore", candidates: Sequence[SplitCandidate],
                              threshold: int | None = None) -> list[list[str]]:
    """Identities that must share a split: near-duplicate groups among the candidates."""
    t = duplicate_threshold(store) if threshold is None else threshold
    repo = SplitRepository(store)
    ignored = repo.ignored()
    by_id = {c.image_id: c for c in candidates if c.identity not in ignored}
    hashes = repo.hashes(list(by_id))
    groups = group_duplicates(hashes, t)
    return [[by_id[i].identity for i in g.members] for g in groups]


def refresh_splits(
    store: "ProjectStore",
    *,
    settings: SplitSettings | None = None,
    confirmed_image_ids: Iterable[int] = (),
    persist: bool = True,
) -> ProjectSplits:
    """Reconcile the stored splits with today's images, store the result, and return it.

    `settings` overrides the stored fractions for this call only (a preview, e.g. while the user
    turns a spin box); stored only through `set_split_fractions`. `confirmed_image_ids` are scored
    images the user agreed to move back into train or validation.
    """
    stored_settings = split_settings(store)
    s = settings or stored_settings
    candidates = split_candidates(store)
    repo = SplitRepository(store)
    stored = {i: Split(v) for i, v in repo.stored().items()}
    scored = EvaluationRepository(store).scored_image_ids()
    confirmed_ids = set(confirmed_image_ids)
    images = [SplitImage(c.identity, c.class_name, c.image_id in scored) for c in candidates]
    confirmed = {c.identity for c in candidates if c.image_id in confirmed_ids}
    applied = store.get_setting(SETTING_APPLIED_TEST, None)
    allow_test_exit = applied is not None and float(applied) != s.test_fraction
    plan = reconcile(
        images, stored, s.val_fraction, s.test_fraction, seed=s.seed,
        groups=duplicate_identity_groups(store, candidates), allow_test_exit=allow_test_exit,
        confirmed=confirmed,
    )
    if persist and not store.read_only and s == stored_settings:
        repo.save({i: v.value for i, v in plan.assignment.items()}, {i: v.value for i, v in stored.items()})
        if not plan.blocked and applied != s.test_fraction:
            store.set_setting(SETTING_APPLIED_TEST, s.test_fraction)
    by_image = {c.image_id: plan.assignment[c.identity] for c in candidates}
    return ProjectSplits(by_image, plan, s, candidates)


def image_splits(store: "ProjectStore") -> dict[int, Split]:
    """image id -> split for every image that takes part (the evaluation's entry point)."""
    return refresh_splits(store).by_image


__all__ = [
    "ProjectSplits",
    "SplitCandidate",
    "SplitSettings",
    "duplicate_identity_groups",
    "duplicate_threshold",
    "image_splits",
    "refresh_splits",
    "set_duplicate_threshold",
    "set_split_fractions",
    "split_candidates",
    "split_identity",
    "split_settings",
]
