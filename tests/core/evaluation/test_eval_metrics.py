"""Answer parsing, run metrics and run comparison on hand-checked answer sets."""

from __future__ import annotations

import pytest

from studio.core.evaluation.answers import parse_answer
from studio.core.evaluation.compare import compare_runs, mcnemar_exact
from studio.core.evaluation.metrics import ScoredItem, compute_metrics, wilson_interval

CLASSES = ["cat", "dog", "bird"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("cat", "cat"),
        ("  Cat.\n", "cat"),
        ("DOG!", "dog"),
        ("bird?!", "bird"),
        ("Cat", "cat"),
        ("a cat", None),
        ("cat, probably", None),
        ("cats", None),
        ('"cat"', None),  # leading punctuation is not trimmed: strict
        ("", None),
        (None, None),
    ],
)
def test_parse_answer_is_strict(raw, expected):
    assert parse_answer(raw, CLASSES) == expected


def test_parse_answer_folds_inner_white_space_and_keeps_punctuated_names():
    assert parse_answer("Golden   retriever", ["golden retriever"]) == "golden retriever"
    assert parse_answer("grade a+", ["Grade A+"]) == "Grade A+"
    assert parse_answer("Grade A", ["Grade A+"]) is None  # '+' is a symbol, not punctuation: it matters
    assert parse_answer("Grade A+", ["Grade A", "Grade A+"]) == "Grade A+"

def _items(pairs):
    return [ScoredItem(i, label, predicted) for i, (label, predicted) in enumerate(pairs)]


# 10 answers: cat 4 (3 right, 1 said dog), dog 4 (2 right, 1 cat, 1 unparseable), bird 2 (0 right: dog, unparseable)
KNOWN = _items(
    [("cat", "cat"), ("cat", "cat"), ("cat", "cat"), ("cat", "dog"),
     ("dog", "dog"), ("dog", "dog"), ("dog", "cat"), ("dog", None),
     ("bird", "dog"), ("bird", None)]
)


def test_metrics_on_a_known_answer_set():
    m = compute_metrics(CLASSES, KNOWN)
    assert (m.n, m.correct, m.unparseable) == (10, 5, 2)
    assert m.accuracy == pytest.approx(0.5)
    lo, hi = m.accuracy_ci95
    assert (lo, hi) == pytest.approx((0.2366, 0.7634), abs=1e-4)  # Wilson, z = 1.96
    assert m.confusion.labels == CLASSES
    assert m.confusion.matrix == [[3, 1, 0, 0], [1, 2, 0, 1], [0, 1, 0, 1]]
    cat, dog, bird = (m.per_class[c] for c in CLASSES)
    assert (cat.precision, cat.recall, cat.support) == (0.75, 0.75, 4)
    assert cat.f1 == pytest.approx(0.75)
    assert (dog.precision, dog.recall, dog.support) == (0.5, 0.5, 4)
    assert (bird.precision, bird.recall, bird.f1, bird.support) == (0.0, 0.0, 0.0, 2)  # never predicted: precision 0
    assert m.macro_f1 == pytest.approx((0.75 + 0.5 + 0.0) / 3)
    as_json = m.as_dict()
    assert as_json["confusion"]["matrix"][2] == [0, 1, 0, 1]
    assert as_json["per_class"]["cat"] == {"precision": 0.75, "recall": 0.75, "f1": 0.75, "support": 4}


def test_macro_f1_counts_classes_without_test_images():
    m = compute_metrics(["a", "b", "c"], _items([("a", "a"), ("b", "b")]))
    assert m.accuracy == 1.0
    assert m.per_class["c"].support == 0
    assert m.macro_f1 == pytest.approx(2 / 3)


def test_prediction_of_an_unknown_class_is_unparseable_and_unknown_labels_drop_out():
    m = compute_metrics(["a", "b"], _items([("a", "zzz"), ("gone", "a"), ("b", "b")]))
    assert (m.n, m.correct, m.unparseable) == (2, 1, 1)


def test_empty_run_has_no_accuracy():
    m = compute_metrics(CLASSES, [])
    assert m.n == 0 and m.accuracy is None and m.accuracy_ci95 is None and m.macro_f1 is None
    assert m.confusion.matrix == [[0, 0, 0, 0]] * 3


def test_wilson_interval_edges():
    assert wilson_interval(0, 0) is None
    lo, hi = wilson_interval(10, 10)
    assert hi == pytest.approx(1.0) and lo == pytest.approx(0.7225, abs=1e-4)
    lo, hi = wilson_interval(0, 10)
    assert lo == pytest.approx(0.0, abs=1e-12) and hi == pytest.approx(0.2775, abs=1e-4)


def test_mcnemar_exact_p_values():
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(0, 6) == pytest.approx(2 / 64)  # 2 * 0.5**6
    assert mcnemar_exact(1, 9) == pytest.approx(22 / 1024)  # 2 * (1 + 10) / 2**10
    assert mcnemar_exact(5, 5) == pytest.approx(1.0)


def test_compare_clear_improvement_says_so_with_the_interval():
    # 60 images: A right on 30, B right on those 30 and 15 more.
    a = [True] * 30 + [False] * 30
    b = [True] * 45 + [False] * 15
    c = compare_runs(a, b, name_a="the base model", name_b="the tuned model")
    assert c.n_paired == 60 and (c.only_a_right, c.only_b_right) == (0, 15)
    assert c.diff == pytest.approx(0.25)
    assert c.mcnemar_p == pytest.approx(2 * 0.5**15)
    lo, hi = c.diff_ci95
    assert 0.1 < lo < 0.25 < hi < 0.4
    assert c.significant
    assert c.verdict.startswith("The tuned model is better than the base model by 25 points (95 % interval ")
    assert c.verdict.endswith("chance is an unlikely explanation.")
    assert compare_runs(a, b) == compare_runs(a, b)  # fixed seed: the same interval every time


def test_compare_small_difference_is_within_chance():
    a = [True] * 20 + [False] * 20
    b = [True] * 19 + [False] + [True] * 3 + [False] * 17  # B: 1 lost, 3 gained
    c = compare_runs(a, b, name_a="the base model", name_b="the tuned model")
    assert c.diff == pytest.approx(0.05)
    assert not c.significant
    assert c.verdict.startswith("The tuned model scores 5 points higher than the base model (95 % interval ")
    assert "within what chance gives on 40 test images; label more test images before deciding." in c.verdict


def test_compare_worse_and_degenerate_cases():
    a = [True] * 40
    b = [False] * 40
    c = compare_runs(a, b, name_a="the base model", name_b="the tuned model")
    assert c.diff_ci95 == (-1.0, -1.0) and c.significant
    assert c.verdict == ("The tuned model is worse than the base model by 100 points (95 % interval 100 to 100); "
                         "chance is an unlikely explanation.")
    same = compare_runs([True, False], [True, False])
    assert same.mcnemar_p == 1.0 and same.diff_ci95 == (0.0, 0.0) and not same.significant
    assert "score the same" in same.verdict
    empty = compare_runs([], [])
    assert empty.n_paired == 0 and empty.diff is None and "no answered images in common" in empty.verdict
    with pytest.raises(ValueError):
        compare_runs([True], [])
    assert set(c.as_dict()) == {"n_paired", "accuracy_a", "accuracy_b", "diff", "diff_ci95", "mcnemar_p", "verdict"}
