"""The service's rules and the message for every verdict."""

from __future__ import annotations

import pytest
from PIL import Image

from studio.core.checks.rules import (
    ALLOWED_FORMATS,
    ALLOWED_MODES,
    MAX_IMAGE_BYTES,
    bomb_pixel_threshold,
    judge,
    verdict_message,
)
from studio.core.models import Verdict


def test_rule_constants_match_the_service_documentation():
    assert ALLOWED_FORMATS == {"JPEG", "PNG", "WEBP"}
    assert ALLOWED_MODES == {"RGB", "RGBA"}
    assert MAX_IMAGE_BYTES == 10 * 1024 * 1024


def test_bomb_threshold_is_read_at_call_time(monkeypatch):
    assert bomb_pixel_threshold() == 2 * Image.MAX_IMAGE_PIXELS
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    assert bomb_pixel_threshold() == 2000
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # Pillow's limit off: ours stays on
    assert bomb_pixel_threshold() == 2 * 89_478_485


@pytest.mark.parametrize("verdict", list(Verdict))
def test_every_verdict_has_a_message_that_says_what_to_do(verdict):
    text = verdict_message(verdict, format="GIF", mode="CMYK", bytes=12 * 1024 * 1024,
                           width=20000, height=20000, frames=5, error="truncated")
    assert text and text[-1] == "."
    if verdict.flagged:
        action_words = ("Convert", "Re-encode", "Shrink", "Replace", "Resize", "Save", "Check")
        assert any(word in text for word in action_words), text


def test_messages_carry_the_details():
    assert "GIF" in verdict_message(Verdict.FORMAT, format="GIF")
    assert "12.0 MB" in verdict_message(Verdict.TOO_LARGE, bytes=12 * 1024 * 1024)
    assert "Convert it to RGB " in verdict_message(Verdict.MODE, mode="CMYK")
    assert "Convert it to RGBA" in verdict_message(Verdict.MODE, mode="P", alpha=True)
    assert "20000x20000" in verdict_message(Verdict.BOMB, width=20000, height=20000)
    assert "(7 frames)" in verdict_message(Verdict.ANIMATED, frames=7)
    assert "(bad checksum)" in verdict_message(Verdict.CORRUPT, error="bad checksum")
    assert verdict_message(Verdict.FORMAT, format="GIF", also=[Verdict.ANIMATED]).endswith(
        "Also: animated."
    )


def test_judge_orders_problems_by_severity():
    assert judge(format="JPEG", mode="RGB", width=10, height=10, frames=1, bytes=100) == []
    problems = judge(format="GIF", mode="P", width=10, height=10, frames=3, bytes=MAX_IMAGE_BYTES + 1)
    assert problems == [Verdict.FORMAT, Verdict.ANIMATED, Verdict.MODE, Verdict.TOO_LARGE]
    assert judge(format="PNG", mode="RGB", width=100_000, height=100_000, frames=1, bytes=1) == [
        Verdict.BOMB
    ]
    assert judge(format="WEBP", mode="RGBA", width=1, height=1, frames=1, bytes=MAX_IMAGE_BYTES) == []
