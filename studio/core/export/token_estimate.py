"""Token and cost estimate of a dataset, before anything is uploaded.

Billing rule (Azure cost-management doc): tokens in the training file x epochs x price per token.
Validation tokens are shown but not counted as billed.

Image tokens follow the published GPT-4o / GPT-4.1 rule: `low` is a flat 85; `high` fits the image in
2048x2048, then scales it so the shortest side is at most 768 px (never up), and charges 170 per
512-px tile plus 85. `auto` is estimated as `high` (an upper bound: the service may pick low).

Text tokens are an ESTIMATE: the real tokenizer (o200k_base via tiktoken) needs files we cannot
download here, so `text_tokens` approximates it: ASCII text ~4 characters per token (never fewer
tokens than words and punctuation marks), every other character (accents, CJK, emoji) one token.
On English prompts this lands within ~15% of o200k_base; for classification datasets text is a
small share next to images, so the error on the total is smaller still. Chat framing adds ~4
tokens per message and 3 per example (the common chat-format accounting).

n_epochs "auto": the service chooses. The likely value follows OpenAI's published cookbook heuristic
(3 epochs, more for tiny sets so that epochs x examples reaches ~100, fewer for huge sets so that it
stays under ~25,000); the range shown is [min(likely, 2), max(likely, 4)], covering the 2 seen in
Azure's example and the usual 3-4. It is a heuristic, not a promise.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

LOW_DETAIL_TOKENS = 85
TILE_TOKENS = 170
BASE_TOKENS = 85
TILE_PX = 512
HIGH_FIT_PX = 2048
HIGH_SHORT_SIDE_PX = 768
TOKENS_PER_MESSAGE = 4
TOKENS_PER_EXAMPLE = 3
CHARS_PER_TOKEN = 4
DETAILS = ("low", "high", "auto")

_PIECES = re.compile(r"\w+|[^\w\s]", re.ASCII)


def high_detail_size(width: int, height: int) -> tuple[int, int]:
    """The size the service scales an image to for `high` detail (fit 2048 box, shortest side 768)."""
    scale = min(1.0, HIGH_FIT_PX / max(width, height))
    w, h = width * scale, height * scale
    scale = min(1.0, HIGH_SHORT_SIDE_PX / min(w, h))
    return max(1, round(w * scale)), max(1, round(h * scale))


def _max_high_tokens() -> int:
    # Worst case after scaling: shortest side 768 (2 tiles), longest 2048 (4 tiles).
    return TILE_TOKENS * math.ceil(HIGH_SHORT_SIDE_PX / TILE_PX) * math.ceil(HIGH_FIT_PX / TILE_PX) + BASE_TOKENS


MAX_HIGH_TOKENS = _max_high_tokens()


def image_tokens(width: int | None, height: int | None, detail: str) -> int:
    """Tokens one image costs. Unknown size under high/auto counts as the worst case."""
    if detail not in DETAILS:
        raise ValueError(f"detail must be one of {DETAILS}, not {detail!r}")
    if detail == "low":
        return LOW_DETAIL_TOKENS
    if not width or not height:
        return MAX_HIGH_TOKENS
    w, h = high_detail_size(width, height)
    return TILE_TOKENS * math.ceil(w / TILE_PX) * math.ceil(h / TILE_PX) + BASE_TOKENS


def text_tokens(text: str) -> int:
    """Approximate o200k_base token count of `text` (see module docstring for the rule and error)."""
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    ascii_text = text if not non_ascii else "".join(ch for ch in text if ord(ch) <= 127)
    by_chars = math.ceil(len(ascii_text) / CHARS_PER_TOKEN)
    by_pieces = len(_PIECES.findall(ascii_text))
    return max(by_chars, by_pieces) + non_ascii


def example_text_tokens(system: str, instruction: str, answer: str) -> int:
    """Text tokens of one system + user + assistant example, framing included."""
    return (
        TOKENS_PER_EXAMPLE
        + 3 * TOKENS_PER_MESSAGE
        + text_tokens(system)
        + text_tokens(instruction)
        + text_tokens(answer)
    )


def likely_auto_epochs(n_train: int) -> int:
    """OpenAI cookbook heuristic for n_epochs="auto" (see module docstring)."""
    if n_train <= 0:
        return 3
    if n_train * 3 < 100:
        return min(25, 100 // n_train)
    if n_train * 3 > 25_000:
        return max(1, 25_000 // n_train)
    return 3


@dataclass(slots=True)
class SplitTokens:
    examples: int = 0
    images: int = 0
    text_tokens: int = 0
    image_tokens: int = 0

    @property
    def total(self) -> int:
        return self.text_tokens + self.image_tokens


@dataclass(slots=True)
class Estimate:
    """Tokens per split and the billed range. Costs are None when no price is known."""

    detail: str
    splits: dict[str, SplitTokens]
    epochs: int | None  # None = "auto"
    epochs_likely: int
    epochs_low: int
    epochs_high: int
    price_per_1m: float | None
    notes: list[str] = field(default_factory=list)

    @property
    def training_tokens_per_epoch(self) -> int:
        return self.splits["train"].total if "train" in self.splits else 0

    @property
    def billed_tokens(self) -> tuple[int, int, int]:
        """(low, likely, high) billed tokens; all three equal when epochs are fixed."""
        per_epoch = self.training_tokens_per_epoch
        return per_epoch * self.epochs_low, per_epoch * self.epochs_likely, per_epoch * self.epochs_high

    @property
    def cost(self) -> tuple[float, float, float] | None:
        if self.price_per_1m is None:
            return None
        low, likely, high = self.billed_tokens
        p = self.price_per_1m / 1_000_000
        return low * p, likely * p, high * p

    def as_dict(self) -> dict:
        return {
            "detail": self.detail,
            "splits": {
                name: {
                    "examples": s.examples,
                    "images": s.images,
                    "text_tokens": s.text_tokens,
                    "image_tokens": s.image_tokens,
                    "total_tokens": s.total,
                }
                for name, s in self.splits.items()
            },
            "epochs": self.epochs if self.epochs is not None else "auto",
            "epochs_range": [self.epochs_low, self.epochs_likely, self.epochs_high],
            "training_tokens_per_epoch": self.training_tokens_per_epoch,
            "billed_tokens": list(self.billed_tokens),
            "price_per_1m": self.price_per_1m,
            "cost": list(self.cost) if self.cost is not None else None,
            "notes": list(self.notes),
        }


class TokenTally:
    """Accumulates examples one at a time (so an export can count while it streams)."""

    def __init__(self, detail: str) -> None:
        if detail not in DETAILS:
            raise ValueError(f"detail must be one of {DETAILS}, not {detail!r}")
        self.detail = detail
        self.splits: dict[str, SplitTokens] = {}

    def add(self, split: str, text_tokens_: int, image_sizes: list[tuple[int | None, int | None]]) -> None:
        s = self.splits.setdefault(split, SplitTokens())
        s.examples += 1
        s.images += len(image_sizes)
        s.text_tokens += text_tokens_
        s.image_tokens += sum(image_tokens(w, h, self.detail) for w, h in image_sizes)

    def finish(self, epochs: int | None = None, price_per_1m: float | None = None) -> Estimate:
        n_train = self.splits.get("train", SplitTokens()).examples
        notes = ["Text tokens are approximated offline (about 4 characters per token)."]
        if self.detail == "auto":
            notes.append("detail 'auto' is estimated as 'high' (upper bound).")
        if epochs is None:
            likely = likely_auto_epochs(n_train)
            low, high = min(likely, 2), max(likely, 4)
            notes.append(f"n_epochs 'auto': the service chooses; {likely} is likely, shown range {low}-{high}.")
        else:
            if epochs < 1:
                raise ValueError("epochs must be at least 1")
            likely = low = high = epochs
        if price_per_1m is None:
            notes.append("No training price set: cost not estimated.")
        return Estimate(
            detail=self.detail,
            splits=self.splits,
            epochs=epochs,
            epochs_likely=likely,
            epochs_low=low,
            epochs_high=high,
            price_per_1m=price_per_1m,
            notes=notes,
        )
