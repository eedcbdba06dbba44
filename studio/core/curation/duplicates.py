"""Group exact and near-duplicate images by the Hamming distance of their perceptual hashes.

Two images are near-duplicates when their hashes differ in at most `threshold` bits; a group is a
connected component of that relation (so a chain of small edits stays one group), and its
`max_distance` is the largest distance between two of its members.

Finding the pairs uses multi-index hashing instead of comparing all pairs: the 64 bits are cut into
m blocks, and two hashes within t bits agree exactly on at least m - t blocks (pigeonhole). One
table per choice of m - t blocks sorts the hashes by those blocks; only hashes that share a key are
compared in full. It all runs as numpy array operations, so 100,000 hashes group in about a second
at the default threshold (benchmarks/duplicate_grouping.py has the measured figure).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from math import comb
from typing import Generic, Hashable, Mapping, Sequence, TypeVar

import numpy as np

from studio.core.curation.perceptual_hash import HASH_BITS

K = TypeVar("K", bound=Hashable)

_MAX_PAIRS_PER_STEP = 4_000_000  # bound the memory of one candidate batch (~100 MB of int64 arrays)


@dataclass(frozen=True, slots=True)
class DuplicateGroup(Generic[K]):
    """Two or more images that are copies of each other within the threshold."""

    members: tuple[K, ...]  # in the order the caller gave them
    max_distance: int  # the largest Hamming distance between two members, in bits


def duplicate_edges(hashes: Sequence[int], threshold: int) -> np.ndarray:
    """Index pairs (i < j) whose connected components are the near-duplicate groups.

    Every edge joins two hashes at most `threshold` bits apart, and every such pair is connected
    through the edges; equal hashes are joined as a star to their first index instead of pairwise,
    so a thousand blank frames cost a thousand edges, not half a million.
    """
    if not 0 <= threshold < HASH_BITS:
        raise ValueError(f"threshold must be between 0 and {HASH_BITS - 1} bits, not {threshold}")
    if len(hashes) < 2:
        return np.empty((0, 2), dtype=np.int64)
    raw = np.array([h & 0xFFFF_FFFF_FFFF_FFFF for h in hashes], dtype=np.uint64)
    values, inverse = np.unique(raw, return_inverse=True)
    inverse = inverse.reshape(-1)
    found = [_same_value_pairs(inverse)]
    if len(values) > 1 and threshold > 0:
        near = [p for p in _near_value_pairs(values, threshold) if len(p)]
        if near:
            vpairs = np.concatenate(near)
            first = _first_index(inverse)
            found.append(np.stack((first[vpairs[:, 0]], first[vpairs[:, 1]]), axis=1))
    pairs = np.concatenate(found)
    if not len(pairs):
        return np.empty((0, 2), dtype=np.int64)
    pairs.sort(axis=1)
    return np.unique(pairs, axis=0)


def group_duplicates(
    hashes: Mapping[K, int], threshold: int, *, exact: Mapping[K, str] | None = None
) -> list[DuplicateGroup[K]]:
    """Groups of two or more keys whose hashes are within `threshold` bits (connected components).

    `exact` (key -> content fingerprint) also joins byte-identical files, even when one of them has no
    hash yet; their distance counts as 0. Groups come largest first, then in the keys' given order.
    """
    keys = list(hashes)
    index = {k: i for i, k in enumerate(keys)}
    all_keys = keys + [k for k in (exact or {}) if k not in index]
    for k in all_keys[len(keys):]:
        index[k] = len(index)
    parent = list(range(len(all_keys)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for i, j in duplicate_edges([hashes[k] for k in keys], threshold).tolist():
        union(i, j)
    if exact:
        first: dict[str, int] = {}
        for k, fp in exact.items():
            if fp:
                union(first.setdefault(fp, index[k]), index[k])

    components: dict[int, list[int]] = {}
    for i in range(len(all_keys)):
        components.setdefault(find(i), []).append(i)
    groups = []
    for members in components.values():
        if len(members) < 2:
            continue
        member_keys = tuple(all_keys[i] for i in members)
        groups.append(DuplicateGroup(member_keys, _max_distance(member_keys, hashes, exact)))
    groups.sort(key=lambda g: (-len(g.members), index[g.members[0]]))
    return groups


def _max_distance(members: Sequence[K], hashes: Mapping[K, int], exact: Mapping[K, str] | None) -> int:
    known = [hashes[k] & 0xFFFF_FFFF_FFFF_FFFF for k in members if k in hashes]
    if len(known) < 2:
        return 0
    if len(known) > 2000:  # a huge group (e.g. thousands of blank frames): bound the work
        known = known[:2000]
    arr = np.array(known, dtype=np.uint64)
    best = 0
    for a in range(len(arr) - 1):
        d = int(np.bitwise_count(arr[a] ^ arr[a + 1:]).max())
        best = max(best, d)
    return best


def _plan(n: int, threshold: int) -> tuple[int, int]:
    """(blocks m, exactly matching blocks e) minimising the expected work for n distinct hashes.

    If two hashes differ in at most t bits, at most t of the m blocks differ, so they agree exactly on
    some e = m - t blocks: one table per choice of e blocks, keyed by those blocks, finds every such
    pair among the hashes that share a key. More blocks mean longer keys (fewer false candidates)
    but more tables; the cost model weighs a sort per table against the candidates it checks.
    """
    best: tuple[float, int, int] | None = None
    for m in range(threshold + 1, min(HASH_BITS, threshold + 8) + 1):
        e = m - threshold
        tables = comb(m, e)
        if tables > 5000:
            break
        key_bits = HASH_BITS * e / m
        candidates = n * n / 2.0 / 2.0**key_bits
        cost = tables * (n * (1.0 if key_bits <= 16 else 6.0) + candidates)  # sort vs candidate checks
        if best is None or cost < best[0]:
            best = (cost, m, e)
    assert best is not None
    return best[1], best[2]


def _near_value_pairs(values: np.ndarray, threshold: int) -> list[np.ndarray]:
    """Pairs of distinct hash values within threshold, found table by table (see `_plan`)."""
    m, e = _plan(len(values), threshold)
    widths = [HASH_BITS // m + (1 if i < HASH_BITS % m else 0) for i in range(m)]
    blocks = []
    shift = HASH_BITS
    for w in widths:
        shift -= w
        blocks.append(((values >> np.uint64(shift)) & np.uint64((1 << w) - 1), w))
    out: list[np.ndarray] = []
    for combo in combinations(range(m), e):
        key_bits = sum(widths[b] for b in combo)
        key = np.zeros(len(values), dtype=np.uint64)
        for b in combo:
            block, w = blocks[b]
            key = (key << np.uint64(w)) | block
        if key_bits <= 16:
            key = key.astype(np.uint16)  # numpy radix-sorts 16-bit keys: ~10x faster than 64-bit
        order = np.argsort(key, kind="stable")
        sk = key[order]
        same = sk[1:] == sk[:-1]
        if same.any():
            out.extend(_run_pairs(order, same, values[order], threshold))
    return out


_SHIFT_LIMIT = 48  # runs longer than this (skewed hashes) fall back to explicit candidate lists


def _run_pairs(order: np.ndarray, same: np.ndarray, sorted_values: np.ndarray,
               threshold: int) -> list[np.ndarray]:
    """Within each run of equal keys (`same[k]`: sorted k+1 equals k), the pairs within threshold.

    Compares each sorted position with the one d places later, d = 1, 2, ..., as whole-array
    operations on neighbouring memory, while some run is longer than d; the few positions of very
    long runs beyond `_SHIFT_LIMIT` get explicit candidate lists. Maps back to value indices only for
    the close pairs.
    """
    n = len(order)
    boundary = np.flatnonzero(~same) + 1  # sorted positions where a new run starts
    run_id = np.zeros(n, dtype=np.int64)
    run_id[boundary] = 1
    run_id = np.cumsum(run_id)
    run_end = np.append(boundary, n)[run_id]  # one past the last position of each position's run
    partners = run_end - np.arange(n) - 1  # later members of the same run
    longest = int(partners.max())
    out: list[np.ndarray] = []
    for d in range(1, min(longest, _SHIFT_LIMIT) + 1):
        hit = (partners[:-d] >= d) & (np.bitwise_count(sorted_values[:-d] ^ sorted_values[d:]) <= threshold)
        if hit.any():
            pos = np.flatnonzero(hit)
            out.append(np.stack((order[pos], order[pos + d]), axis=1))
    if longest <= _SHIFT_LIMIT:
        return out
    has = np.flatnonzero(partners > _SHIFT_LIMIT)
    cnt = partners[has] - _SHIFT_LIMIT
    csum = np.cumsum(cnt)
    start = 0
    while start < len(has):
        base = int(csum[start - 1]) if start else 0
        stop = max(int(np.searchsorted(csum, base + _MAX_PAIRS_PER_STEP, side="right")), start + 1)
        c = cnt[start:stop]
        total = int(c.sum())
        pos = np.repeat(has[start:stop], c)
        step = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(c) - c, c) + 1 + _SHIFT_LIMIT
        other = pos + step
        close = np.bitwise_count(sorted_values[pos] ^ sorted_values[other]) <= threshold
        if close.any():
            out.append(np.stack((order[pos[close]], order[other[close]]), axis=1))
        start = stop
    return out


def _same_value_pairs(inverse: np.ndarray) -> np.ndarray:
    """Edges joining indices with equal hash values: each to the first index of its value (a star)."""
    order = np.argsort(inverse, kind="stable")
    sv = inverse[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = sv[1:] != sv[:-1]
    heads = order[np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))]
    keep = ~first
    return np.stack((heads[keep], order[keep]), axis=1).astype(np.int64)


def _first_index(inverse: np.ndarray) -> np.ndarray:
    """value number -> the first index holding that value."""
    first = np.full(int(inverse.max()) + 1, -1, dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(inverse) - 1, -1, -1)
    return first


__all__ = ["DuplicateGroup", "duplicate_edges", "group_duplicates"]
