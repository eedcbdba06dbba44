from __future__ import annotations

import pytest

from studio.core.export.pricing import default_training_price
from studio.core.export.token_estimate import (
    MAX_HIGH_TOKENS,
    TokenTally,
    example_text_tokens,
    image_tokens,
    likely_auto_epochs,
    text_tokens,
)


@pytest.mark.parametrize(
    "w,h,detail,tokens",
    [
        (1024, 1024, "high", 765),  # -> 768x768, 4 tiles (the documented example)
        (1024, 1024, "low", 85),
        (4000, 3000, "low", 85),
        (4000, 3000, "high", 765),  # -> 2048x1536 -> 1024x768, 2x2 tiles
        (2048, 4096, "high", 1105),  # -> 1024x2048 -> 768x1536, 2x3 tiles
        (512, 512, "high", 255),  # no upscaling: 1 tile
        (300, 200, "auto", 255),  # auto counted as high
        (None, None, "high", MAX_HIGH_TOKENS),
    ],
)
def test_image_tokens(w, h, detail, tokens):
    assert image_tokens(w, h, detail) == tokens


def test_unknown_detail_is_refused():
    with pytest.raises(ValueError):
        image_tokens(10, 10, "medium")


def test_text_tokens_are_plausible_approximations():
    assert text_tokens("") == 0
    assert text_tokens("cat") == 1
    # "Which class is this?" is 5 tokens in o200k_base; the estimate must be in that neighbourhood.
    assert 4 <= text_tokens("Which class is this?") <= 7
    assert text_tokens("猫犬") == 2  # non-Latin: one token per character (conservative)
    assert example_text_tokens("", "", "") == 3 + 3 * 4


def test_tally_totals_epochs_and_cost():
    tally = TokenTally("low")
    for _ in range(90):
        tally.add("train", 40, [(640, 480)])
    for _ in range(10):
        tally.add("validation", 40, [(640, 480)])
    est = tally.finish(epochs=3, price_per_1m=25.0)
    assert est.splits["train"].total == 90 * (40 + 85)
    assert est.splits["validation"].examples == 10
    assert est.billed_tokens == (3 * 11250, 3 * 11250, 3 * 11250)
    assert est.cost == pytest.approx((0.84375, 0.84375, 0.84375))


def test_auto_epochs_gives_a_range_around_the_likely_value():
    tally = TokenTally("high")
    for _ in range(1000):
        tally.add("train", 10, [(1024, 1024)])
    est = tally.finish()
    assert (est.epochs_low, est.epochs_likely, est.epochs_high) == (2, 3, 4)
    low, likely, high = est.billed_tokens
    assert low < likely < high == 4 * 1000 * (10 + 765)
    assert est.cost is None
    assert likely_auto_epochs(10) == 10 and likely_auto_epochs(20_000) == 1


def test_price_table_knows_base_and_fine_tuned_models():
    assert default_training_price("gpt-4o-2024-08-06") == 25.0
    assert default_training_price("ft:gpt-4o-2024-08-06:org:suffix:abc") == 25.0
    assert default_training_price("gpt-4.1-2025-04-14.ft-0123456789abcdef") == 25.0
    assert default_training_price("some-other-model") is None
