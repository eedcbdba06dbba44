"""Default training prices, the one place they live.

CHECK LIVE PRICING. These figures are NOT read from an authoritative price page: OpenAI's list price
for gpt-4o-2024-08-06 training ($25 / 1M tokens) as quoted by third parties, and the same figure
assumed for gpt-4.1-2025-04-14. Azure prices differ by region and training tier (Global is ~10-30%
cheaper than Standard, Developer ~50% cheaper than Global). The price is a user setting; this table
only pre-fills it.
"""

from __future__ import annotations

TRAINING_PRICE_PER_1M_USD: dict[str, float] = {
    "gpt-4o-2024-08-06": 25.00,
    "gpt-4.1-2025-04-14": 25.00,
}


def default_training_price(model: str) -> float | None:
    """Known price for a base model or a model fine-tuned from it (OpenAI `ft:<base>:...`,
    Azure `<base>.ft-<id>`); None when unknown."""
    name = model.removeprefix("ft:")
    for base, price in TRAINING_PRICE_PER_1M_USD.items():
        if name == base or name.startswith(base + ":") or name.startswith(base + ".ft-"):
            return price
    return None
