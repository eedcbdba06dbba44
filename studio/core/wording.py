"""Counted nouns in messages: "1 image", "4 images" — never "4 image(s)".

One function so every message the user reads counts things the same way (thousands separators
included); the irregular plurals the studio needs are given by the caller.
"""

from __future__ import annotations


def plural(n: int, singular: str, plural: str | None = None) -> str:
    """`n` with the noun in the right number, e.g. plural(1, "image") -> "1 image", plural(1200, "image")
    -> "1,200 images". A noun phrase works too: plural(2, "unlabeled image")."""
    noun = singular if n == 1 else (plural or singular + "s")
    return f"{n:,} {noun}"
