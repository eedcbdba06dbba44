from __future__ import annotations

from collections import Counter

import pytest

from studio.core.errors import DatasetError
from studio.core.export.split import Split, SplitMember, assign_splits, split_identity, stable_unit


def members(per_class: dict[str, int], prefix: str = "img") -> list[SplitMember]:
    out = []
    for c, n in per_class.items():
        for i in range(n):
            ident = split_identity(f"{prefix}-{c}-{i}", f"{c}/{i}.jpg")
            out.append(SplitMember(key=ident, identity=ident, class_name=c))
    return out


def test_same_input_same_split_every_time_and_input_order_does_not_matter():
    ms = members({"a": 200, "b": 150})
    first = assign_splits(ms, 0.2, 0.1, seed=7)
    again = assign_splits(list(reversed(ms)), 0.2, 0.1, seed=7)
    assert first == again
    assert set(first.values()) == {Split.TRAIN, Split.VALIDATION, Split.TEST}


def test_seed_changes_the_split():
    ms = members({"a": 200})
    assert assign_splits(ms, 0.2, 0.0, seed=1) != assign_splits(ms, 0.2, 0.0, seed=2)


def test_adding_images_does_not_move_existing_ones():
    old = members({"a": 300, "b": 300})
    new = old + members({"a": 100, "b": 50, "c": 40}, prefix="new")
    before = assign_splits(old, 0.1, 0.1, seed=42)
    after = assign_splits(new, 0.1, 0.1, seed=42)
    moved = [k for k in before if before[k] != after[k]]
    assert moved == []


def test_each_class_gets_roughly_the_requested_fraction():
    ms = members({"a": 2000, "b": 1000, "c": 500})
    result = assign_splits(ms, 0.2, 0.1, seed=3)
    for c, n in (("a", 2000), ("b", 1000), ("c", 500)):
        counts = Counter(result[m.key] for m in ms if m.class_name == c)
        assert abs(counts[Split.VALIDATION] / n - 0.2) < 0.05
        assert abs(counts[Split.TEST] / n - 0.1) < 0.05


@pytest.mark.parametrize("seed", range(25))
def test_small_classes_keep_training_and_get_one_validation_image(seed):
    ms = members({"tiny": 2, "small": 5, "ten": 10, "one": 1})
    result = assign_splits(ms, 0.1, 0.0, seed=seed)
    by_class: dict[str, Counter] = {}
    for m in ms:
        by_class.setdefault(m.class_name, Counter())[result[m.key]] += 1
    for c, counts in by_class.items():
        assert counts[Split.TRAIN] >= 1, c
    # n * 0.1 >= 0.5 from n = 5: those classes must have a validation image
    assert by_class["small"][Split.VALIDATION] >= 1
    assert by_class["ten"][Split.VALIDATION] >= 1
    assert by_class["one"][Split.TRAIN] == 1


def test_no_validation_requested_means_none():
    result = assign_splits(members({"a": 50}), 0.0, 0.0, seed=1)
    assert set(result.values()) == {Split.TRAIN}


def test_duplicates_by_fingerprint_land_together():
    a = SplitMember("x1", split_identity("same-fp", "one/x.jpg"), "a")
    b = SplitMember("x2", split_identity("same-fp", "two/x_copy.jpg"), "a")
    for seed in range(30):
        r = assign_splits([a, b] + members({"a": 40}), 0.3, 0.0, seed)
        assert r["x1"] == r["x2"]


def test_path_used_when_no_fingerprint_and_unit_is_stable():
    assert split_identity(None, "a/b.jpg") == "path:a/b.jpg"
    # A fixed value guards against an accidental change of the hash (it would reshuffle every project).
    assert stable_unit(42, "fp:abc") == pytest.approx(stable_unit(42, "fp:abc"))
    assert 0.0 <= stable_unit(42, "fp:abc") < 1.0
    assert round(stable_unit(42, "fp:abc"), 12) == round(_expected_unit(), 12)


def _expected_unit() -> float:
    import hashlib

    return int.from_bytes(hashlib.blake2b(b"42\x00fp:abc", digest_size=8).digest(), "big") / 2.0**64


@pytest.mark.parametrize("val,test", [(-0.1, 0.0), (1.0, 0.0), (0.5, 0.45)])
def test_bad_fractions_are_refused(val, test):
    with pytest.raises(DatasetError, match="fraction|too few"):
        assign_splits(members({"a": 10}), val, test, seed=1)
