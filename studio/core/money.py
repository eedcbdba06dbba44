"""How an amount of US dollars reads, everywhere the studio shows one (estimates, results,
deployments, the CLI): one function, so the wizard, the Evaluate dialog and the results never round
the same cost differently.

Why "< $0.01": a small evaluation can cost a fraction of a cent, and "$0.00" would read as free.
These are plain texts; a caller putting one into Qt rich text must escape it (the '<').
"""

from __future__ import annotations


def usd(amount: float) -> str:
    """'$1,234.56'; '< $0.01' for a positive amount that rounds to zero cents; '$0.00' for nothing."""
    if 0 < amount < 0.005:
        return "< $0.01"
    return f"${amount:,.2f}"


def usd_range(low: float, likely: float, high: float) -> str:
    """'$0.68' when the bounds agree, else '$0.68 (between $0.45 and $0.91)'."""
    if usd(low) == usd(high):
        return usd(likely)
    return f"{usd(likely)} (between {usd(low)} and {usd(high)})"


def usd_price(per_unit: float) -> str:
    """A unit price ('$2.50', '$0.075'): shown with as many decimals as it has, never rounded away."""
    return f"${per_unit:,.2f}" if round(per_unit, 2) == per_unit else f"${per_unit:,.6g}"
