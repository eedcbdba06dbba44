"""Generators of real image files (valid and hostile) for the check, walk and scan tests.

Everything is generated small (64x48) unless size is the point, so the area's tests stay fast.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from PIL import Image

W, H = 64, 48


def noise(size: tuple[int, int] = (W, H), seed: int = 0) -> Image.Image:
    """An RGB image with real texture (so truncating its file really cuts image data)."""
    base = Image.effect_noise(size, 40 + seed % 50).convert("L")
    grad = Image.linear_gradient("L").resize(size)
    return Image.merge("RGB", (base, grad, base.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))


def encode(im: Image.Image, fmt: str, **options) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **options)
    return buf.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def png_chunk(cid: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + cid + data + struct.pack(">I", zlib.crc32(cid + data))


def png_bomb(width: int, height: int) -> bytes:
    """A small, well-formed PNG whose header declares `width` x `height` RGB pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = b"\x00" + b"\x00" * 3 * 16
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(row * 16))
        + png_chunk(b"IEND", b"")
    )


def jpeg_bomb(width: int, height: int) -> bytes:
    """A valid small JPEG with its SOF frame header rewritten to declare huge dimensions."""
    data = bytearray(encode(noise(), "JPEG"))
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def webp_bomb(width: int, height: int) -> bytes:
    """An extended-format WEBP whose canvas size (VP8X) declares huge dimensions."""
    data = bytearray(encode(noise(), "WEBP", exif=b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x00\x00"))
    assert data[12:16] == b"VP8X"
    data[24:27] = (width - 1).to_bytes(3, "little")
    data[27:30] = (height - 1).to_bytes(3, "little")
    return bytes(data)
