"""Counted nouns read as English in every message."""

from studio.core.wording import plural


def test_one_is_singular_and_others_plural_with_thousands_separators() -> None:
    assert plural(1, "image") == "1 image"
    assert plural(0, "image") == "0 images"
    assert plural(1200, "unlabeled image") == "1,200 unlabeled images"


def test_irregular_plural_is_the_callers() -> None:
    assert plural(2, "series", "series") == "2 series"
    assert plural(1, "series", "series") == "1 series"
