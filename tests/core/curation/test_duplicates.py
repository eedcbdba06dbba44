"""Duplicate grouping equals the brute-force connected components, on clustered and skewed hashes."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import studio.core.curation.duplicates as duplicates
from studio.core.curation.duplicates import duplicate_edges, group_duplicates
from studio.core.curation.perceptual_hash import hamming


def brute_components(hashes: list[int], threshold: int) -> set[frozenset[int]]:
    parent = list(range(len(hashes)))

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for i in range(len(hashes)):
        for j in range(i + 1, len(hashes)):
            if hamming(hashes[i], hashes[j]) <= threshold:
                parent[find(j)] = find(i)
    comps: dict[int, set[int]] = {}
    for i in range(len(hashes)):
        comps.setdefault(find(i), set()).add(i)
    return {frozenset(c) for c in comps.values() if len(c) > 1}


def clustered(seed: int, n_centres: int, per_centre: int, max_flips: int) -> list[int]:
    rng = random.Random(seed)
    out = []
    for _ in range(n_centres):
        centre = rng.getrandbits(64)
        for _ in range(rng.randint(1, per_centre)):
            h = centre
            for b in rng.sample(range(64), rng.randint(0, max_flips)):
                h ^= 1 << b
            out.append(h)
    rng.shuffle(out)
    return out


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10**6), threshold=st.integers(0, 14), max_flips=st.integers(0, 16))
def test_groups_are_the_connected_components(seed: int, threshold: int, max_flips: int) -> None:
    hashes = clustered(seed, n_centres=25, per_centre=6, max_flips=max_flips)
    groups = group_duplicates(dict(enumerate(hashes)), threshold)
    assert {frozenset(g.members) for g in groups} == brute_components(hashes, threshold)
    for g in groups:
        assert g.max_distance == max(hamming(hashes[a], hashes[b]) for a in g.members for b in g.members)


def test_every_edge_is_within_the_threshold() -> None:
    hashes = clustered(7, n_centres=40, per_centre=5, max_flips=10)
    for i, j in duplicate_edges(hashes, 8).tolist():
        assert i < j and hamming(hashes[i], hashes[j]) <= 8


def test_long_runs_of_one_key_take_the_fallback_path_with_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    # Many hashes sharing their leading bits make key runs far longer than the shift loop handles.
    rng = random.Random(3)
    hashes = [(0xABCD_EF01 << 32) | rng.getrandbits(12) for _ in range(300)] + clustered(5, 30, 4, 6)
    expected = brute_components(hashes, 6)
    monkeypatch.setattr(duplicates, "_SHIFT_LIMIT", 3)
    assert {frozenset(g.members) for g in group_duplicates(dict(enumerate(hashes)), 6)} == expected


def test_identical_hashes_and_byte_identical_files_group_at_distance_zero() -> None:
    hashes = {"a.jpg": 0x1234, "b.jpg": 0x1234, "c.jpg": 0xFFFF_0000_FFFF_0000, "d.png": 0x1}
    exact = {"c.jpg": "fp1", "e.jpg": "fp1"}  # e.jpg has no hash yet (not deep-checked)
    groups = group_duplicates(hashes, 0, exact=exact)
    assert [(set(g.members), g.max_distance) for g in groups] == [({"a.jpg", "b.jpg"}, 0), ({"c.jpg", "e.jpg"}, 0)]


def test_hashes_above_63_bits_and_negative_sqlite_values_are_one_and_the_same() -> None:
    from studio.core.store.splits import from_signed, to_signed

    h = 0xF000_0000_0000_0001
    assert from_signed(to_signed(h)) == h and to_signed(h) < 0
    assert len(group_duplicates({1: h, 2: h ^ 0b11}, 2)) == 1


def test_a_threshold_outside_the_hash_is_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 63"):
        duplicate_edges([1, 2], 64)
