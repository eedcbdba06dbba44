"""Billable-token estimate for `trained_tokens`, by the service's documented image rule.

Text tokens are approximated as one per 4 characters (tiktoken cannot download its encodings here and
the emulator only needs plausible, deterministic numbers). Images: `low` detail is a fixed 85 tokens;
`high` (and `auto`, counted as high) is 170 per 512-px tile after fitting in 2048x2048 and scaling the
short side down to 768, plus 85.
"""

from __future__ import annotations

import math

LOW_DETAIL_IMAGE_TOKENS = 85
TILE_TOKENS = 170
TILE_SIZE = 512
TOKENS_PER_MESSAGE = 3
TOKENS_PER_EXAMPLE = 3


def text_tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


def image_tokens(width: int, height: int, detail: str) -> int:
    if detail == "low" or width <= 0 or height <= 0:
        return LOW_DETAIL_IMAGE_TOKENS
    scale = min(1.0, 2048 / max(width, height))
    w, h = width * scale, height * scale
    scale = min(1.0, 768 / min(w, h))
    w, h = w * scale, h * scale
    tiles = math.ceil(w / TILE_SIZE) * math.ceil(h / TILE_SIZE)
    return TILE_TOKENS * tiles + LOW_DETAIL_IMAGE_TOKENS
