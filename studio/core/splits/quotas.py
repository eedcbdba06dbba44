"""How many images of one class each split should hold.

Within a class of n images each split gets n x fraction rounded by largest remainder over the three
splits, ties going to test, then validation, then train: 15 images at 20 % validation and 20 % test
give 9 / 3 / 3, 16 at 20 % validation give 13 / 3. Then per-class minimums: at least one training
image, and at least one validation (or test) image when that fraction asks for at least half an image,
taken from the largest split that can spare one. Exact quotas are what make a small class's held-out
score mean something: a hash threshold gives a class of 15 at 20 % anywhere from 1 to 5 images.
"""

from __future__ import annotations

from enum import Enum
from fractions import Fraction

from studio.core.errors import DatasetError


class Split(str, Enum):
    TRAIN = "train"
    VALIDATION = "validation"
    TEST = "test"


SPLIT_ORDER: tuple[Split, ...] = (Split.TRAIN, Split.VALIDATION, Split.TEST)
# Largest-remainder ties go to test first, then validation (the rule).
_TIE_ORDER: dict[Split, int] = {Split.TEST: 0, Split.VALIDATION: 1, Split.TRAIN: 2}

DEFAULT_VAL_FRACTION = 0.1
DEFAULT_TEST_FRACTION = 0.1


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


def class_quotas(n: int, val_fraction: float, test_fraction: float) -> dict[Split, int]:
    """The exact count per split for a class of `n` images (see the module docstring)."""
    validate_fractions(val_fraction, test_fraction)
    if n <= 0:
        return dict.fromkeys(SPLIT_ORDER, 0)
    # Fractions from the decimal text so that 0.2 is exactly 1/5 and 15 x 0.2 is exactly 3.
    val = Fraction(str(val_fraction))
    test = Fraction(str(test_fraction))
    shares = {Split.TRAIN: n * (1 - val - test), Split.VALIDATION: n * val, Split.TEST: n * test}
    counts = {s: int(share) for s, share in shares.items()}  # floor: all shares are >= 0
    left = n - sum(counts.values())
    by_remainder = sorted(SPLIT_ORDER, key=lambda s: (-(shares[s] - counts[s]), _TIE_ORDER[s]))
    for s in by_remainder[:left]:
        counts[s] += 1

    wanted = {
        Split.TRAIN: True,
        Split.VALIDATION: val > 0 and shares[Split.VALIDATION] >= Fraction(1, 2),
        Split.TEST: test > 0 and shares[Split.TEST] >= Fraction(1, 2),
    }
    for s in SPLIT_ORDER:  # train first, then validation, then test
        if counts[s] or not wanted[s]:
            continue
        donors = [d for d in SPLIT_ORDER if d is not s and counts[d] > (1 if wanted[d] else 0)]
        if donors:
            donor = max(donors, key=lambda d: (counts[d], -_TIE_ORDER[d]))
            counts[donor] -= 1
            counts[s] += 1
    return counts


__all__ = [
    "DEFAULT_TEST_FRACTION",
    "DEFAULT_VAL_FRACTION",
    "SPLIT_ORDER",
    "Split",
    "class_quotas",
    "validate_fractions",
]
