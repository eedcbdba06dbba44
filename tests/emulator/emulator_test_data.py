"""Builders of real chat-format JSONL training files with tiny real images, for the emulator tests.

A separate, uniquely named module (not conftest) so that `import` finds it whichever other test
areas' conftest modules are loaded.
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any

from PIL import Image

PLAIN = (40, 160, 90)
MAGENTA = (255, 0, 255)  # simulated "contains people or faces"
CYAN = (0, 255, 255)  # simulated "contains CAPTCHAs"
AZURE_VERSION = "2025-04-01-preview"


def image_data_uri(color: tuple[int, int, int] = PLAIN, *, fmt: str = "PNG", mode: str = "RGB", size: tuple[int, int] = (8, 8)) -> str:
    image = Image.new("RGB", size, color)
    if mode != "RGB":
        image = image.convert(mode)
    buf = io.BytesIO()
    image.save(buf, fmt)
    mime = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}[fmt]
    return f"data:{mime};base64,{base64.b64encode(buf.getvalue()).decode()}"


def example(image_urls: list[str] | None = None, *, label: str = "cat", detail: str = "low") -> dict[str, Any]:
    urls = [image_data_uri()] if image_urls is None else image_urls
    parts: list[dict[str, Any]] = [{"type": "text", "text": "Which class is this?"}]
    parts += [{"type": "image_url", "image_url": {"url": url, "detail": detail}} for url in urls]
    return {
        "messages": [
            {"role": "system", "content": "Classify the image. Answer with one label: cat, dog."},
            {"role": "user", "content": parts},
            {"role": "assistant", "content": label},
        ]
    }


def jsonl(examples: list[dict[str, Any] | str], *, bom: bool = False) -> bytes:
    """Lines may be examples (dicts) or raw text (to write malformed lines)."""
    lines = [e if isinstance(e, str) else json.dumps(e) for e in examples]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    return b"\xef\xbb\xbf" + data if bom else data
