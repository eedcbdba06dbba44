"""Decide whether the service could train on one image, and if not, the reason it would give.

Images the service cannot use are skipped (the example is dropped, training goes on) rather than
failing the file. Besides the documented technical reasons, the real service's content moderation
drops images with people, faces, children or CAPTCHAs. The emulator simulates moderation with a
pixel marker that tests can draw:

    top-left 8x8 pixels pure magenta (255, 0, 255)  ->  "contains people or faces"
    top-left 8x8 pixels pure cyan    (0, 255, 255)  ->  "contains CAPTCHAs"

Each channel may be off by up to `MARKER_TOLERANCE`, so the marker survives JPEG compression.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import dataclass

from PIL import Image

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 64_000_000
ACCEPTED_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP"}
ACCEPTED_MODES = {"RGB", "RGBA"}

REASON_INACCESSIBLE_URL = "inaccessible URL"
REASON_INVALID_FORMAT = "invalid image format"
REASON_TOO_LARGE = "image too large"
REASON_BAD_MODE = "image is not RGB or RGBA"
REASON_TOO_MANY_IMAGES = "too many images in example"
REASON_PEOPLE = "contains people or faces"
REASON_CAPTCHA = "contains CAPTCHAs"

MARKER_SIZE = 8
MARKER_TOLERANCE = 24
MODERATION_MARKERS: dict[tuple[int, int, int], str] = {
    (255, 0, 255): REASON_PEOPLE,
    (0, 255, 255): REASON_CAPTCHA,
}

_DATA_URI_RE = re.compile(r"^data:(?P<mime>[^;,]*)(?P<params>(;[^;,]*)*),(?P<payload>.*)$", re.DOTALL)


@dataclass(frozen=True)
class ImageVerdict:
    skip_reason: str | None
    width: int = 0
    height: int = 0


def screen_image_url(url: str) -> ImageVerdict:
    """Screen an `image_url.url`. Only data URIs can be read: the emulator is offline."""
    match = _DATA_URI_RE.match(url)
    if match is None:
        return ImageVerdict(REASON_INACCESSIBLE_URL)
    if ";base64" not in match.group("params").lower():
        return ImageVerdict(REASON_INVALID_FORMAT)
    payload = match.group("payload")
    if len(payload) * 3 // 4 > MAX_IMAGE_BYTES + 3:
        return ImageVerdict(REASON_TOO_LARGE)
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return ImageVerdict(REASON_INVALID_FORMAT)
    if len(data) > MAX_IMAGE_BYTES:
        return ImageVerdict(REASON_TOO_LARGE)
    return screen_image_bytes(data)


def screen_image_bytes(data: bytes) -> ImageVerdict:
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if ACCEPTED_FORMATS.get(image.format or "") is None:
                return ImageVerdict(REASON_INVALID_FORMAT, width, height)
            if image.mode not in ACCEPTED_MODES:
                return ImageVerdict(REASON_BAD_MODE, width, height)
            if width * height > MAX_IMAGE_PIXELS:
                return ImageVerdict(REASON_TOO_LARGE, width, height)
            image.load()
            reason = _moderation_reason(image)
            return ImageVerdict(reason, width, height)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return ImageVerdict(REASON_INVALID_FORMAT)


def _moderation_reason(image: Image.Image) -> str | None:
    if image.width < MARKER_SIZE or image.height < MARKER_SIZE:
        return None
    corner = image.crop((0, 0, MARKER_SIZE, MARKER_SIZE)).convert("RGB")
    raw = corner.tobytes()
    pixels = [raw[i : i + 3] for i in range(0, len(raw), 3)]
    for color, reason in MODERATION_MARKERS.items():
        if all(all(abs(p[i] - color[i]) <= MARKER_TOLERANCE for i in range(3)) for p in pixels):
            return reason
    return None
