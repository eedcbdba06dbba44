"""Train / validation / test assignment that survives re-exports.

Each image gets a number u in [0, 1) from a hash of (seed, image identity) and goes to `test` if
u < test_fraction, to `validation` if u < test_fraction + val_fraction, else to `train`. Because u
depends only on the image itself, re-exporting puts every image where it was before, and adding or
removing other images never moves it: no shuffle-then-cut whose cut point shifts with the count.

The identity is the file's fingerprint when known (content-based: a renamed or moved file keeps its
split, and byte-identical duplicates land in the same split, so a duplicate cannot leak from training
into validation), else its root-relative path.

Trade-off, stated honestly: a threshold on a hash gives each class *about* the requested fraction,
not exactly it (the count is binomial: a class of 20 at 10% gets 0-4 validation images). Exact
per-class quotas would need ranking the class, and then one added image shifts the cut for others.
We keep stability and repair only the cases that break training or evaluation, per class:
  1. at least one training image (the held-out image with the largest u goes back to train);
  2. at least one validation image when n * val_fraction >= 0.5 (e.g. 5 images at 10%), taking
     the training image with the smallest u, the one closest to the threshold, while >= 1 stays;
  3. the same for test.
These repairs are the only place where adding images can move an existing one (a promoted image
returns to train once a new image of its class lands in that split by itself).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from enum import Enum
from typing import Hashable, Iterable

from studio.core.errors import DatasetError


class Split(str, Enum):
    TRAIN = "train"
    VALIDATION = "validation"
    TEST = "test"


@dataclass(frozen=True, slots=True)
class SplitMember:
    """One image to place: `key` is whatever the caller uses to find it again (e.g. image id)."""

    key: Hashable
    identity: str
    class_name: str


def split_identity(fingerprint: str | None, rel_path: str) -> str:
    """The stable identity of an image for splitting; see the module docstring for why."""
    return f"fp:{fingerprint}" if fingerprint else f"path:{rel_path}"


def stable_unit(seed: int, identity: str) -> float:
    """A uniform number in [0, 1) that depends only on (seed, identity), identical on every platform."""
    digest = hashlib.blake2b(f"{seed}\x00{identity}".encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def validate_fractions(val_fraction: float, test_fraction: float) -> None:
    """Reject fractions that leave (almost) nothing to train on, before any work is done."""
    if not (0.0 <= val_fraction < 1.0 and 0.0 <= test_fraction < 1.0):
        raise DatasetError(
            f"Validation ({val_fraction}) and test ({test_fraction}) fractions must each be at least 0 and "
            "below 1, e.g. 0.1 for 10%."
        )
    if val_fraction + test_fraction >= 0.9:
        raise DatasetError(
            "Validation and test together take 90% or more of the images, leaving too few to train on. "
            "Lower them (0.1 each is usual)."
        )


def assign_splits(
    members: Iterable[SplitMember], val_fraction: float, test_fraction: float, seed: int
) -> dict[Hashable, Split]:
    """Place every member; returns key -> Split."""
    validate_fractions(val_fraction, test_fraction)
    by_class: dict[str, list[tuple[float, Hashable]]] = defaultdict(list)
    for m in members:
        by_class[m.class_name].append((stable_unit(seed, m.identity), m.key))

    result: dict[Hashable, Split] = {}
    for entries in by_class.values():
        result.update(_assign_class(entries, val_fraction, test_fraction))
    return result


def _assign_class(
    entries: list[tuple[float, Hashable]], val_fraction: float, test_fraction: float
) -> dict[Hashable, Split]:
    groups: dict[Split, list[tuple[float, Hashable]]] = {s: [] for s in Split}
    for u, key in entries:
        if u < test_fraction:
            groups[Split.TEST].append((u, key))
        elif u < test_fraction + val_fraction:
            groups[Split.VALIDATION].append((u, key))
        else:
            groups[Split.TRAIN].append((u, key))

    n = len(entries)
    if n and not groups[Split.TRAIN]:
        held_out = groups[Split.VALIDATION] + groups[Split.TEST]
        back = max(held_out, key=lambda e: e[0])
        for s in (Split.VALIDATION, Split.TEST):
            if back in groups[s]:
                groups[s].remove(back)
        groups[Split.TRAIN].append(back)

    for split, fraction in ((Split.VALIDATION, val_fraction), (Split.TEST, test_fraction)):
        wanted = fraction > 0 and n * fraction >= 0.5
        if wanted and not groups[split] and len(groups[Split.TRAIN]) >= 2:
            moved = min(groups[Split.TRAIN], key=lambda e: e[0])
            groups[Split.TRAIN].remove(moved)
            groups[split].append(moved)

    return {key: split for split, group in groups.items() for _, key in group}
