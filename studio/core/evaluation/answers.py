"""Strict reading of a model's answer: it names a class, or it is unparseable (and counts as wrong).

Why strict: a lenient reader ("contains the class name", fuzzy matching) would credit a base model
for answers like "not a circle" and make base-vs-tuned comparisons flatter than the truth. The only
forgiveness is what never changes the meaning: letter case, white space (outer, and runs of it
inside) and punctuation at the end ("Circle." is circle).
"""

from __future__ import annotations

import unicodedata
from typing import Sequence


def normalize_answer(text: str) -> str:
    """Case-folded, white space collapsed, trailing punctuation (any Unicode P* character) removed."""
    folded = " ".join(text.split()).casefold()
    end = len(folded)
    while end > 0 and (unicodedata.category(folded[end - 1]).startswith("P") or folded[end - 1].isspace()):
        end -= 1
    return folded[:end]


def parse_answer(raw: str | None, class_names: Sequence[str]) -> str | None:
    """The class `raw` names, or None when it names none (also for no answer at all).

    When two class names normalize to the same text (e.g. "Cat" and "cat."), the first in project
    order wins: the answer cannot tell them apart, and a stable choice keeps metrics reproducible.
    """
    if raw is None:
        return None
    wanted = normalize_answer(raw)
    if not wanted:
        return None
    for name in class_names:
        if normalize_answer(name) == wanted:
            return name
    return None
