"""Comparing two runs on the same images, in numbers and in one sentence a non-statistician can read.

Why these tests: both runs answered the *same* images, so the right question is about the images
where they disagree. The exact McNemar test asks whether "A right, B wrong" and "A wrong, B right"
are as lopsided as chance would make them (an exact binomial test on the discordant pairs, so it
is valid for the small test sets experts actually have). The interval of the accuracy difference
comes from a paired bootstrap (resampling images, keeping each image's two answers together), which
needs no normal approximation. Both come from scipy, a well-kept library, not from our own code.

The bootstrap uses a fixed seed: the same two runs always print the same interval, which a user
comparing screenshots or a script comparing JSON expects.

The verdict calls a difference real only when both agree (McNemar p < 0.05 and the interval
excludes 0); otherwise it says the difference is within chance and what to do about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

BOOTSTRAP_RESAMPLES = 10_000
BOOTSTRAP_SEED = 20240806
ALPHA = 0.05


@dataclass(frozen=True, slots=True)
class Comparison:
    n_paired: int
    accuracy_a: float | None
    accuracy_b: float | None
    diff: float | None  # accuracy_b - accuracy_a
    diff_ci95: tuple[float, float] | None
    mcnemar_p: float | None
    only_a_right: int  # discordant pairs: A right, B wrong
    only_b_right: int  # A wrong, B right
    significant: bool
    verdict: str

    def as_dict(self) -> dict:
        """`studio-cli compare --json` (plus the discordant counts, which explain the p-value)."""
        return {
            "n_paired": self.n_paired,
            "accuracy_a": self.accuracy_a,
            "accuracy_b": self.accuracy_b,
            "diff": self.diff,
            "diff_ci95": list(self.diff_ci95) if self.diff_ci95 is not None else None,
            "mcnemar_p": self.mcnemar_p,
            "verdict": self.verdict,
        }


def mcnemar_exact(only_a_right: int, only_b_right: int) -> float:
    """Two-sided exact McNemar p-value; 1.0 when the runs never disagree."""
    discordant = only_a_right + only_b_right
    if discordant == 0:
        return 1.0
    from scipy.stats import binomtest  # deferred: scipy.stats is slow to import

    return float(binomtest(only_b_right, discordant, 0.5).pvalue)


def paired_bootstrap_ci(correct_a: Sequence[bool], correct_b: Sequence[bool]) -> tuple[float, float]:
    """95 % percentile interval of mean(b) - mean(a), resampling images with their two answers."""
    import numpy as np
    from scipy.stats import bootstrap

    diffs = np.asarray(correct_b, dtype=np.int8) - np.asarray(correct_a, dtype=np.int8)
    if np.all(diffs == diffs[0]):  # every resample gives the same mean: the interval is that point
        value = float(diffs[0])
        return value, value
    result = bootstrap(
        (diffs.astype(np.float64),),
        np.mean,
        n_resamples=BOOTSTRAP_RESAMPLES,
        batch=max(1, 2_000_000 // len(diffs)),  # bounded memory on large test sets
        method="percentile",
        confidence_level=0.95,
        rng=np.random.default_rng(BOOTSTRAP_SEED),
    )
    ci = result.confidence_interval
    return float(ci.low), float(ci.high)


def compare_runs(
    correct_a: Sequence[bool],
    correct_b: Sequence[bool],
    *,
    name_a: str = "run A",
    name_b: str = "run B",
    split: str = "test",
) -> Comparison:
    """Compare two runs answered on the same images; element i of both lists is the same image."""
    if len(correct_a) != len(correct_b):
        raise ValueError("the two runs must be paired image by image (lists of equal length)")
    n = len(correct_a)
    if n == 0:
        return Comparison(0, None, None, None, None, None, 0, 0, False, (
            f"{_cap(name_a)} and {name_b} have no answered images in common; evaluate both on the same "
            "images to compare them."
        ))
    only_a = sum(1 for a, b in zip(correct_a, correct_b) if a and not b)
    only_b = sum(1 for a, b in zip(correct_a, correct_b) if b and not a)
    acc_a = sum(map(bool, correct_a)) / n
    acc_b = sum(map(bool, correct_b)) / n
    diff = acc_b - acc_a
    lo, hi = paired_bootstrap_ci(correct_a, correct_b)
    p = mcnemar_exact(only_a, only_b)
    significant = p < ALPHA and (lo > 0 or hi < 0)
    return Comparison(n, acc_a, acc_b, diff, (lo, hi), p, only_a, only_b, significant,
                      verdict_sentence(name_a, name_b, n, diff, (lo, hi), significant, split))


def verdict_sentence(name_a: str, name_b: str, n: int, diff: float, ci: tuple[float, float],
                     significant: bool, split: str = "test") -> str:
    """One plain sentence: who is better, by how many points, and whether chance could explain it."""
    points = _points(diff)
    lo, hi = _points(ci[0]), _points(ci[1])
    images = f"{n} {split} image{'s' if n != 1 else ''}"
    if significant:
        if diff > 0:
            return (f"{_cap(name_b)} is better than {name_a} by {points} points (95 % interval {lo} to {hi}); "
                    "chance is an unlikely explanation.")
        return (f"{_cap(name_b)} is worse than {name_a} by {-points} points (95 % interval {-hi} to {-lo}); "
                "chance is an unlikely explanation.")
    if points == 0:
        where = f"{_cap(name_a)} and {name_b} score the same"
    elif points > 0:
        where = f"{_cap(name_b)} scores {points} points higher than {name_a}"
    else:
        where = f"{_cap(name_b)} scores {-points} points lower than {name_a}"
    return (f"{where} (95 % interval {lo} to {hi}), which is within what chance gives on {images}; "
            f"label more {split} images before deciding.")


def _points(fraction: float) -> int:
    """Percentage points, rounded half away from zero (so +0.5 and -0.5 read symmetrically)."""
    value = abs(fraction) * 100
    whole = int(value + 0.5)
    return whole if fraction >= 0 else -whole


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]
