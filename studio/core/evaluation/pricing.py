"""Default chat (inference) prices, used only to pre-fill the evaluation's price setting.

CHECK LIVE PRICING. USD per 1M tokens, OpenAI's list prices for standard (non-batch) requests as
published for these models; fine-tuned models are billed at their own, higher, rate. Azure prices
differ by region and deployment type, and Azure also bills hosting for a deployed fine-tuned model
by the hour (not included here). The user's setting always wins over this table.
"""

from __future__ import annotations

# (input, output) per 1M tokens
BASE_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-2024-08-06": (2.50, 10.00),
    "gpt-4.1-2025-04-14": (2.00, 8.00),
}
FINE_TUNED_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-2024-08-06": (3.75, 15.00),
    "gpt-4.1-2025-04-14": (3.00, 12.00),
}


def default_chat_price(model: str) -> tuple[float, float] | None:
    """(input, output) USD per 1M tokens for a base model, or a model tuned from one (OpenAI
    `ft:<base>:...`, Azure `<base>.ft-...`, checkpoints included); None when unknown (e.g. an Azure
    deployment name that does not say which model it serves)."""
    if model in BASE_PRICES:
        return BASE_PRICES[model]
    name = model.removeprefix("ft:")
    for base, price in FINE_TUNED_PRICES.items():
        if name.startswith(base + ":") or name.startswith(base + ".ft-"):
            return price
    return None


def cost_usd(prompt_tokens: int, completion_tokens: int, price_in: float | None, price_out: float | None) -> float | None:
    """Cost of the tokens at the given prices; None when either price is not set."""
    if price_in is None or price_out is None:
        return None
    return (prompt_tokens * price_in + completion_tokens * price_out) / 1_000_000
