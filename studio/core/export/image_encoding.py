"""One image file -> the bytes that go into a data URI, as is or as a repaired in-memory copy.

An image goes byte-for-byte as it is when the service accepts it (rechecked here from the file's
header, so a stale verdict or an unchecked image cannot slip through) and it is not larger than
what the service looks at for the chosen detail. Otherwise, if allowed, it is re-encoded in memory:
EXIF orientation applied, colour mode converted to RGB (or RGBA when it has real transparency),
shrunk to the detail's size (JPEG decoded at reduced scale with `draft()`, which halves the work on
camera images), saved as JPEG (PNG when there is alpha), and shrunk further until under 10 MB.
Metadata other than the colour profile is dropped, so GPS positions in EXIF do not get uploaded.

The original file is only ever opened for reading; nothing is written anywhere.

Memory: JPEGs are decoded at reduced scale, but other formats are decoded at full size, so one
worker can briefly hold the largest non-JPEG image (width x height x 4 bytes) that is below the bomb
threshold. Camera-sized images stay well under 100 MB.
"""

from __future__ import annotations

import base64
import io
import math
import os
import warnings
from dataclasses import dataclass
from typing import cast

from PIL import Image, ImageOps

from studio.core.export.token_estimate import DETAILS, high_detail_size
from studio.core.checks.rules import MAX_IMAGE_BYTES, judge, verdict_message
from studio.core.models import NEVER_FIXABLE, Verdict

LOW_DETAIL_PX = 512
MIME_BY_FORMAT = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_HIGH_BIT_MODES = frozenset({"I", "F", "I;16", "I;16B", "I;16L", "I;16N"})
_ALPHA_MODES = frozenset({"RGBA", "LA", "La", "PA", "RGBa"})
_MAX_SHRINK_ROUNDS = 8


class Unusable(Exception):
    """The image cannot go into the dataset; `str()` is the user-facing reason."""


@dataclass(frozen=True, slots=True)
class EncodeRequest:
    """Picklable description of one image to encode (sent to worker processes)."""

    path: str
    verdict: str  # Verdict value as stored
    detail: str
    fix: bool
    downscale: bool = True
    jpeg_quality: int = 90


@dataclass(frozen=True, slots=True)
class EncodedImage:
    mime: str
    b64: bytes  # ASCII base64 of the image bytes
    width: int
    height: int
    raw_bytes: int
    reencoded: bool

    @property
    def data_uri(self) -> str:
        return f"data:{self.mime};base64,{self.b64.decode('ascii')}"


@dataclass(frozen=True, slots=True)
class EncodeResult:
    """Either an image or the reason it was left out; what a worker sends back (never raises)."""

    image: EncodedImage | None
    reason: str | None = None


def target_size(width: int, height: int, detail: str) -> tuple[int, int]:
    """The largest size the service uses for `detail`; images above it gain nothing from being bigger."""
    if detail not in DETAILS:
        raise ValueError(f"detail must be one of {DETAILS}, not {detail!r}")
    if detail == "low":
        scale = min(1.0, LOW_DETAIL_PX / max(width, height))
        return max(1, round(width * scale)), max(1, round(height * scale))
    return high_detail_size(width, height)


def encode_for_export(request: EncodeRequest) -> EncodeResult:
    """Process-pool entry point: `encode_image` with every failure turned into a reason."""
    try:
        return EncodeResult(encode_image(request))
    except Unusable as exc:
        return EncodeResult(None, str(exc))


def verdict_skip_reason(verdict: Verdict, fix: bool) -> str | None:
    """Why an image with this stored verdict is left out without even opening it; None if it may go."""
    if verdict in NEVER_FIXABLE:
        return verdict_message(verdict)
    if verdict.flagged and not fix:
        return _not_fixing(verdict_message(verdict))
    return None


def encode_image(request: EncodeRequest) -> EncodedImage:
    verdict = Verdict(request.verdict)
    reason = verdict_skip_reason(verdict, request.fix)
    if reason:
        raise Unusable(reason)
    try:
        with warnings.catch_warnings():
            # Our own bomb rule (image_rules) decides; Pillow's softer warning is noise here.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return _encode(request, verdict)
    except Unusable:
        raise
    except FileNotFoundError:
        raise Unusable("The file no longer exists. Scan the project again.") from None
    except PermissionError:
        raise Unusable(verdict_message(Verdict.UNREADABLE, error="permission denied")) from None
    except Image.DecompressionBombError:
        raise Unusable(verdict_message(Verdict.BOMB)) from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
        raise Unusable(verdict_message(Verdict.CORRUPT, error=_short(exc))) from None


def _encode(request: EncodeRequest, verdict: Verdict) -> EncodedImage:
    size = os.stat(request.path).st_size
    with Image.open(request.path) as im:  # read-only; the file is never written
        width, height = im.size
        problems = judge(
            format=im.format,
            mode=im.mode,
            width=width,
            height=height,
            frames=getattr(im, "n_frames", 1),
            bytes=size,
        )
        if Verdict.BOMB in problems:
            raise Unusable(verdict_message(Verdict.BOMB, width=width, height=height))
        if problems and not request.fix:
            raise Unusable(_not_fixing(verdict_message(problems[0], format=im.format, mode=im.mode, bytes=size)))
        target = target_size(width, height, request.detail)
        resize = (request.downscale or bool(problems)) and target != (width, height)
        if not problems and not resize:
            if verdict is Verdict.PENDING:
                im.load()  # never deep-checked: make sure it decodes before sending it as is
            with open(request.path, "rb") as fh:
                data = fh.read()
            return EncodedImage(MIME_BY_FORMAT[str(im.format)], base64.b64encode(data), width, height, len(data), False)
        return _reencode(im, target if resize else None, request.jpeg_quality)


def _reencode(im: Image.Image, target: tuple[int, int] | None, quality: int) -> EncodedImage:
    raw_w, raw_h = im.size
    icc = im.info.get("icc_profile") if im.mode in ("RGB", "RGBA") else None
    if target and im.format == "JPEG":
        im.draft(None, target)  # decode at 1/2, 1/4 or 1/8 scale, still >= target
    im.load()
    ImageOps.exif_transpose(im, in_place=True)
    out = _to_service_mode(im)
    if target:
        if (out.width > out.height) != (raw_w > raw_h):  # orientation swapped the axes
            target = (target[1], target[0])
        if out.size != target:
            out = out.resize(target, Image.Resampling.BICUBIC, reducing_gap=2.0)
    for _ in range(_MAX_SHRINK_ROUNDS):
        buf = io.BytesIO()
        if out.mode == "RGBA":
            out.save(buf, "PNG", icc_profile=icc)
            mime = "image/png"
        else:
            out.save(buf, "JPEG", quality=quality, icc_profile=icc)
            mime = "image/jpeg"
        data = buf.getvalue()
        if len(data) <= MAX_IMAGE_BYTES:
            return EncodedImage(mime, base64.b64encode(data), out.width, out.height, len(data), True)
        scale = math.sqrt(MAX_IMAGE_BYTES / len(data)) * 0.9
        out = out.resize((max(1, int(out.width * scale)), max(1, int(out.height * scale))), Image.Resampling.BICUBIC)
    raise Unusable("The image could not be shrunk below 10 MB. Resize it with an image editor or exclude it.")


def _to_service_mode(im: Image.Image) -> Image.Image:
    """RGB, or RGBA when the image has transparency that is actually used."""
    if im.mode in _HIGH_BIT_MODES:
        # 16/32-bit grey: stretch its own range to 8 bits; a plain convert would clip to white.
        lo, hi = cast("tuple[float, float]", im.getextrema())  # one band: a single (min, max) pair
        scale = 255.0 / (hi - lo) if hi > lo else 0.0
        out = im.convert("F").point(lambda v: (v - lo) * scale).convert("L").convert("RGB")
    elif im.mode in _ALPHA_MODES or "transparency" in im.info:
        out = im if im.mode == "RGBA" else im.convert("RGBA")
        if out.getchannel("A").getextrema()[0] == 255:
            out = out.convert("RGB")  # fully opaque: JPEG is far smaller than PNG
    else:
        out = im if im.mode == "RGB" else im.convert("RGB")
    return out


def _not_fixing(message: str) -> str:
    return f"{message} Left out of the export; turn on Fix to include a repaired copy."


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."
