"""A tiny real chat-format training file (one 8x8 PNG per example) for CLI tests that need a job."""

from __future__ import annotations

import base64
import io
import json

from PIL import Image


def train_jsonl(n: int = 10) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (40, 160, 90)).save(buf, "PNG")
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    lines = [json.dumps({"messages": [
        {"role": "system", "content": "Answer cat or dog."},
        {"role": "user", "content": [{"type": "text", "text": "Which?"}, {"type": "image_url", "image_url": {"url": url}}]},
        {"role": "assistant", "content": "cat" if i % 2 else "dog"}]}) for i in range(n)]
    return ("\n".join(lines) + "\n").encode()
