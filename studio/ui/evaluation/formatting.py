"""How evaluation numbers read on screen: points, intervals, p-values, money, in one place so the
run view and the comparison never disagree about rounding.

Accuracy is shown in percent with no decimals below 1000 images (a decimal there suggests a precision
the test set does not have); intervals always come with it, because "80 %" on 20 images means little.
"""

from __future__ import annotations

from typing import Sequence

from studio.core.money import usd, usd_price

DASH = "\u2014"


def pct(value: float | None, n: int | None = None) -> str:
    if value is None:
        return DASH
    decimals = 1 if n is not None and n >= 1000 else 0
    return f"{value * 100:.{decimals}f} %"


def interval(ci: Sequence[float] | None, n: int | None = None) -> str:
    """'71 – 88 %' for a (lo, hi) pair of shares."""
    if not ci or len(ci) != 2 or ci[0] is None or ci[1] is None:
        return DASH
    decimals = 1 if n is not None and n >= 1000 else 0
    return f"{ci[0] * 100:.{decimals}f} \u2013 {ci[1] * 100:.{decimals}f} %"


def with_interval(value: float | None, ci: Sequence[float] | None, n: int | None = None) -> str:
    if value is None:
        return DASH
    if not ci:
        return pct(value, n)
    return f"{pct(value, n)}  (95 % interval {interval(ci, n)})"


def points(diff: float | None) -> str:
    """A difference of shares in percentage points, signed: '+12 points'."""
    if diff is None:
        return DASH
    value = diff * 100
    if abs(value) < 0.5:
        return "0 points"
    return f"{value:+.0f} points"


def points_interval(ci: Sequence[float] | None) -> str:
    if not ci or len(ci) != 2 or ci[0] is None or ci[1] is None:
        return DASH
    return f"{ci[0] * 100:+.0f} to {ci[1] * 100:+.0f} points"


def p_value(p: float | None) -> str:
    if p is None:
        return DASH
    if p < 0.001:
        return "< 0.001"
    return f"{p:.3f}"


def f1(value: float | None) -> str:
    return DASH if value is None else f"{value:.2f}"


def money(amount: float | None) -> str:
    """A cost (plain text: escape it for rich text); None means no price is known for the run."""
    return "no price known" if amount is None else usd(amount)


def price_pair(price_in: float | None, price_out: float | None) -> str:
    """'$2.50 in / $10.00 out per 1M tokens' (prices a run is costed at)."""
    if price_in is None or price_out is None:
        return "no price known"
    return f"{usd_price(price_in)} in / {usd_price(price_out)} out per 1M tokens"


def tokens(n: int | None) -> str:
    return DASH if n is None else f"{n:,}"
