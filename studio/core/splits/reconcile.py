"""Turn the stored splits plus today's images into a new assignment that moves as little as possible.

An image's split is stored against its identity (content fingerprint), so it survives rescans, moves,
renames and re-exports by construction. What can change is the set of images (added, removed,
relabeled) and the fractions; `reconcile` restores the exact per-class quotas (`quotas.class_quotas`)
under these rules, in this order:

1. Duplicate groups are units: every member of a group (near-duplicates at the grouping threshold, and
   byte-identical copies, which share an identity) lands in one split, so no copy of a test image ends
   up in training. A group whose members were stored in different splits joins the most held-out one
   (test, then validation): test images never leave test on their own.
2. Images with no stored split are placed first, largest units first, each where it reduces the
   distance to the quotas most.
3. Only then are existing units moved, one at a time, each move strictly reducing the total distance
   to the quotas; smaller units and training images move first. A test image moves out only when the
   caller allows it (the user changed the test fraction). An image scored by an evaluation never moves
   into train or validation unless the caller lists it as confirmed; such moves are returned as
   `blocked` so the UI can ask.

Stable per-image order comes from a hash of (seed, identity), never from the order rows come back from
SQLite, so the same inputs always give the same result on every machine.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from studio.core.splits.quotas import SPLIT_ORDER, Split, class_quotas, validate_fractions

# Preference when a move or a placement is otherwise a tie: test first for placements (the issue's
# tie rule), training first as the source of a move ("moving as few training images as needed").
_PLACE_ORDER: dict[Split, int] = {Split.TEST: 0, Split.VALIDATION: 1, Split.TRAIN: 2}
_SOURCE_ORDER: dict[Split, int] = {Split.TRAIN: 0, Split.VALIDATION: 1, Split.TEST: 2}
_HELD_OUT_RANK: dict[Split, int] = {Split.TEST: 2, Split.VALIDATION: 1, Split.TRAIN: 0}


@dataclass(frozen=True, slots=True)
class SplitImage:
    """One image that takes part in the split: labeled, included and accepted by the checks."""

    identity: str
    class_name: str
    scored: bool = False  # an evaluation stored an answer for it


@dataclass(frozen=True, slots=True)
class Move:
    """An identity that changes (or, when blocked, would change) split."""

    identity: str
    source: Split
    target: Split


@dataclass(slots=True)
class SplitPlan:
    """The outcome: every identity's split, and what changed on the way."""

    assignment: dict[str, Split]
    placed: list[str] = field(default_factory=list)  # identities that had no stored split
    moves: list[Move] = field(default_factory=list)  # identities that had a stored split and changed
    blocked: list[Move] = field(default_factory=list)  # scored images that would move: ask the user
    quotas: dict[str, dict[Split, int]] = field(default_factory=dict)
    counts: dict[str, dict[Split, int]] = field(default_factory=dict)

    @property
    def exact(self) -> bool:
        """True when every class holds exactly its quota in every split."""
        return self.counts == self.quotas

    def deviations(self) -> dict[str, dict[Split, int]]:
        """class -> split -> count minus quota, only where they differ (for the UI's explanation)."""
        out: dict[str, dict[Split, int]] = {}
        for c, quota in self.quotas.items():
            diff = {s: self.counts[c][s] - quota[s] for s in SPLIT_ORDER if self.counts[c][s] != quota[s]}
            if diff:
                out[c] = diff
        return out


def stable_unit(seed: int, identity: str) -> float:
    """A uniform number in [0, 1) that depends only on (seed, identity), identical on every platform."""
    digest = hashlib.blake2b(f"{seed}\x00{identity}".encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


@dataclass(slots=True, eq=False)
class _Unit:
    identities: list[str]
    classes: Counter[str]
    size: int
    order: float
    scored: set[str]
    split: Split | None
    fresh: bool  # placed by this call: free to go anywhere


class _Counts:
    """Per-class counts and quotas with the distance to the quotas, updated as units move."""

    def __init__(self, quotas: dict[str, dict[Split, int]]) -> None:
        self.quotas = quotas
        self.counts: dict[str, dict[Split, int]] = {c: dict.fromkeys(SPLIT_ORDER, 0) for c in quotas}

    def need(self, c: str, s: Split) -> int:
        return self.quotas[c][s] - self.counts[c][s]

    def add(self, unit: _Unit, s: Split, sign: int = 1) -> None:
        for c, k in unit.classes.items():
            self.counts[c][s] += sign * k

    def gain(self, unit: _Unit, source: Split | None, target: Split) -> int:
        """How much the total |count - quota| falls if `unit` goes from `source` to `target`."""
        total = 0
        for c, k in unit.classes.items():
            nt = self.need(c, target)
            total += abs(nt) - abs(nt - k)
            if source is not None:
                ns = self.need(c, source)
                total += abs(ns) - abs(ns + k)
        return total

    def need_sum(self, unit: _Unit, target: Split) -> int:
        return sum(self.need(c, target) * k for c, k in unit.classes.items())


def reconcile(
    images: Sequence[SplitImage],
    stored: Mapping[str, Split],
    val_fraction: float,
    test_fraction: float,
    *,
    seed: int = 42,
    groups: Iterable[Iterable[str]] = (),
    allow_test_exit: bool = False,
    confirmed: Iterable[str] = (),
) -> SplitPlan:
    """The new assignment for `images` given the `stored` splits (identity -> split); see the module doc.

    `groups` lists identities that must share a split (duplicate groups); identities not among
    `images` are ignored. `confirmed` lists scored identities the user agreed to move.
    """
    validate_fractions(val_fraction, test_fraction)
    confirmed_set = set(confirmed)
    units = _build_units(images, stored, groups, seed, confirmed_set)

    class_sizes: Counter[str] = Counter(img.class_name for img in images)
    quotas = {c: class_quotas(n, val_fraction, test_fraction) for c, n in class_sizes.items()}
    counts = _Counts(quotas)
    plan = SplitPlan(assignment={}, quotas=quotas)

    for u in units:
        if u.split is not None:
            counts.add(u, u.split)

    # 2. New units first, largest first so that they still fit.
    for u in sorted((u for u in units if u.split is None), key=lambda u: (-u.size, u.order)):
        best = max(SPLIT_ORDER, key=lambda s: (counts.gain(u, None, s), counts.need_sum(u, s), -_PLACE_ORDER[s]))
        u.split = best
        counts.add(u, best)
        plan.placed.extend(u.identities)

    # 3. Then the fewest moves of existing units.
    blocked: dict[str, Move] = {}
    _move_until_exact(units, counts, allow_test_exit, blocked)

    for u in units:
        assert u.split is not None
        for ident in u.identities:
            plan.assignment[ident] = u.split
            before = stored.get(ident)
            if before is not None and before is not u.split:
                plan.moves.append(Move(ident, before, u.split))
    plan.blocked = [m for m in blocked.values() if plan.assignment[m.identity] is m.source]
    plan.counts = {c: dict(v) for c, v in counts.counts.items()}
    return plan


def _build_units(
    images: Sequence[SplitImage],
    stored: Mapping[str, Split],
    groups: Iterable[Iterable[str]],
    seed: int,
    confirmed: set[str],
) -> list[_Unit]:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for img in images:
        parent.setdefault(img.identity, img.identity)
    for group in groups:
        members = [m for m in group if m in parent]
        for other in members[1:]:
            a, b = find(members[0]), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)

    by_root: dict[str, list[SplitImage]] = {}
    for img in images:
        by_root.setdefault(find(img.identity), []).append(img)

    units: list[_Unit] = []
    for group_images in by_root.values():
        identities = sorted({m.identity for m in group_images})
        known = [stored[i] for i in identities if i in stored]
        split = max(known, key=lambda s: _HELD_OUT_RANK[s]) if known else None
        units.append(_Unit(
            identities=identities,
            classes=Counter(m.class_name for m in group_images),
            size=len(group_images),
            order=stable_unit(seed, identities[0]),
            scored={m.identity for m in group_images if m.scored and m.identity not in confirmed},
            split=split,
            fresh=not known,
        ))
    return units


def _move_until_exact(
    units: list[_Unit], counts: _Counts, allow_test_exit: bool, blocked: dict[str, Move]
) -> None:
    """Greedy moves, each strictly reducing the distance to the quotas, until none helps.

    The best move gains most per image moved, then moves the smallest unit, training images first.
    Candidates wait in one heap per (class, split) ordered by (size, order), so a move among single
    images costs a look at the heap's top instead of a pass over every unit: a single image that
    gains 2 (one off a surplus, one onto a deficit) is as good as any move can be, and the search
    stops there.
    """
    heaps: dict[tuple[str, Split], list[tuple[int, float, int]]] = {}
    for i, u in enumerate(units):
        assert u.split is not None
        for c in u.classes:
            heaps.setdefault((c, u.split), []).append((u.size, u.order, i))
    for h in heaps.values():
        heapq.heapify(h)
    classes = sorted(counts.quotas)

    def movable(u: _Unit, source: Split, target: Split) -> bool:
        if source is Split.TEST and not (allow_test_exit or u.fresh):
            return False
        if u.scored and target is not Split.TEST and not u.fresh:
            for ident in sorted(u.scored):
                blocked.setdefault(ident, Move(ident, source, target))
            return False
        return True

    def best_in(c: str, source: Split, target: Split) -> tuple[tuple[float, int, int, float], int] | None:
        heap = heaps.get((c, source))
        if not heap:
            return None
        found: tuple[tuple[float, int, int, float], int] | None = None
        kept: list[tuple[int, float, int]] = []
        while heap:
            entry = heapq.heappop(heap)
            u = units[entry[2]]
            if u.split is not source:
                continue  # moved away since it was pushed: drop the stale entry
            kept.append(entry)
            if not movable(u, source, target):
                continue
            gain = counts.gain(u, source, target)
            if gain <= 0:
                continue
            rank = (-gain / u.size, u.size, _SOURCE_ORDER[source], u.order)
            if found is None or rank < found[0]:
                found = (rank, entry[2])
            if gain >= 2 * u.size:
                break  # the best gain per image there is, at the smallest size left in this heap
        for entry in kept:
            heapq.heappush(heap, entry)
        return found

    while True:
        best: tuple[tuple[float, int, int, float], int, Split] | None = None
        for c in classes:
            deficits = [s for s in SPLIT_ORDER if counts.need(c, s) > 0]
            surpluses = [s for s in SPLIT_ORDER if counts.need(c, s) < 0]
            for target in deficits:
                for source in surpluses:
                    found = best_in(c, source, target)
                    if found is not None and (best is None or found[0] < best[0]):
                        best = (found[0], found[1], target)
            if best is not None and best[0][:2] == (-2.0, 1):
                break  # a single image gaining 2: no move can do better
        if best is None:
            return
        _rank, i, target = best
        u = units[i]
        origin = u.split
        assert origin is not None
        counts.add(u, origin, -1)
        counts.add(u, target)
        u.split = target
        for c in u.classes:
            heapq.heappush(heaps.setdefault((c, target), []), (u.size, u.order, i))


__all__ = ["Move", "SplitImage", "SplitPlan", "reconcile", "stable_unit"]
