from __future__ import annotations

import base64
import io
import os
import struct
import zlib

import pytest
from PIL import Image

from studio.core.export import image_encoding
from studio.core.export.image_encoding import EncodeRequest, Unusable, encode_for_export, encode_image, target_size
from studio.core.models import Verdict

from export_helpers import sha256, write_image


def decode(img) -> Image.Image:
    im = Image.open(io.BytesIO(base64.b64decode(img.b64)))
    im.load()
    return im


def req(path, verdict=Verdict.OK, detail="low", fix=False, **kw) -> EncodeRequest:
    return EncodeRequest(str(path), verdict.value, detail, fix, **kw)


def test_acceptable_small_image_goes_byte_for_byte(image_dir):
    p = write_image(image_dir / "a.png", fmt="PNG", size=(300, 200))
    img = encode_image(req(p))
    assert not img.reencoded and img.mime == "image/png"
    assert base64.b64decode(img.b64) == p.read_bytes()
    assert img.data_uri.startswith("data:image/png;base64,")


def test_large_image_is_downscaled_for_low_detail_but_kept_when_asked(image_dir):
    p = write_image(image_dir / "big.jpg", size=(1600, 1200))
    img = encode_image(req(p))
    assert img.reencoded and (img.width, img.height) == (512, 384)
    assert decode(img).size == (512, 384)
    kept = encode_image(req(p, downscale=False))
    assert not kept.reencoded and base64.b64decode(kept.b64) == p.read_bytes()


def test_high_detail_downscales_to_the_service_geometry(image_dir):
    p = write_image(image_dir / "cam.jpg", size=(4000, 3000))
    img = encode_image(req(p, detail="high"))
    assert (img.width, img.height) == (1024, 768) == target_size(4000, 3000, "high")


def test_exif_orientation_is_applied_when_reencoding(image_dir):
    im = Image.new("RGB", (1024, 512), (255, 0, 0))
    im.paste((0, 0, 255), (512, 0, 1024, 512))  # left red, right blue
    exif = Image.Exif()
    exif[0x0112] = 6  # display rotated 90 degrees clockwise
    p = image_dir / "rot.jpg"
    im.save(p, "JPEG", exif=exif.tobytes())
    out = decode(encode_image(req(p)))
    assert out.size == (256, 512)
    r, g, b = out.getpixel((128, 20))
    assert r > 200 and b < 60  # the left (red) half is now on top
    r, g, b = out.getpixel((128, 490))
    assert b > 200 and r < 60


@pytest.mark.parametrize(
    "mode,fmt,expect_mime,expect_mode",
    [
        ("L", "PNG", "image/jpeg", "RGB"),
        ("CMYK", "TIFF", "image/jpeg", "RGB"),
        ("RGB", "BMP", "image/jpeg", "RGB"),
        ("I;16", "PNG", "image/jpeg", "RGB"),
    ],
)
def test_fix_converts_mode_and_format(image_dir, mode, fmt, expect_mime, expect_mode):
    p = image_dir / f"x.{fmt.lower()}"
    if mode == "I;16":
        im = Image.new("I;16", (40, 30))
        im.putdata([i * 50 for i in range(40 * 30)])
        im.save(p, fmt)
    else:
        write_image(p, mode=mode, fmt=fmt, size=(40, 30))
    verdict = Verdict.MODE if mode != "RGB" else Verdict.FORMAT
    with pytest.raises(Unusable, match="turn on Fix"):
        encode_image(req(p, verdict))
    img = encode_image(req(p, verdict, fix=True))
    out = decode(img)
    assert img.mime == expect_mime and out.mode == expect_mode and out.size == (40, 30)
    if mode == "I;16":
        assert out.getextrema()[0][1] > 200  # 16-bit range stretched, not clipped to black/white


def test_transparency_becomes_rgba_png_and_opaque_alpha_becomes_jpeg(image_dir):
    pal = Image.new("P", (20, 20), 0)
    pal.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    pal.info["transparency"] = 0
    p = image_dir / "pal.png"
    pal.save(p, transparency=0)
    img = encode_image(req(p, Verdict.MODE, fix=True))
    assert img.mime == "image/png" and decode(img).mode == "RGBA"

    opaque = write_image(image_dir / "opaque.png", mode="RGBA", fmt="PNG", size=(600, 600), color=(1, 2, 3, 255))
    img = encode_image(req(opaque))  # re-encoded because it is larger than 512 px
    assert img.mime == "image/jpeg" and decode(img).mode == "RGB"


def test_too_large_is_shrunk_under_the_limit(image_dir, monkeypatch):
    limit = 40_000
    monkeypatch.setattr(image_encoding, "MAX_IMAGE_BYTES", limit)
    monkeypatch.setattr("studio.core.checks.rules.MAX_IMAGE_BYTES", limit)
    p = image_dir / "noise.png"
    Image.frombytes("RGB", (300, 300), os.urandom(300 * 300 * 3)).save(p)
    assert p.stat().st_size > limit
    with pytest.raises(Unusable):
        encode_image(req(p, Verdict.PENDING, detail="high"))
    img = encode_image(req(p, Verdict.TOO_LARGE, detail="high", fix=True))
    assert img.raw_bytes <= limit and len(base64.b64decode(img.b64)) == img.raw_bytes


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


def test_bombs_and_corrupt_files_are_never_included_even_with_fix(image_dir):
    bomb = image_dir / "bomb.png"
    bomb.write_bytes(_png_header_only(30_000, 30_000))
    r = encode_for_export(req(bomb, Verdict.PENDING, fix=True))
    assert r.image is None and "bomb" in r.reason
    r = encode_for_export(req(bomb, Verdict.BOMB, fix=True))
    assert r.image is None

    good = write_image(image_dir / "t.jpg", size=(200, 100))
    broken = image_dir / "broken.jpg"
    broken.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    r = encode_for_export(req(broken, Verdict.PENDING, fix=True))
    assert r.image is None and "damaged" in r.reason
    assert encode_for_export(req(broken, Verdict.CORRUPT, fix=True)).image is None
    missing = encode_for_export(req(image_dir / "gone.jpg", Verdict.OK))
    assert missing.image is None and "no longer exists" in missing.reason


def test_originals_untouched_and_nothing_written_next_to_them(image_dir):
    files = [
        write_image(image_dir / "a.jpg", size=(900, 700)),
        write_image(image_dir / "b.png", mode="L", fmt="PNG", size=(50, 50)),
        write_image(image_dir / "c.bmp", fmt="BMP", size=(700, 50)),
    ]
    before = {p: (sha256(p), p.stat().st_mtime_ns) for p in files}
    listing = sorted(os.listdir(image_dir))
    for p in files:
        encode_image(req(p, Verdict.PENDING, fix=True))
    assert {p: (sha256(p), p.stat().st_mtime_ns) for p in files} == before
    assert sorted(os.listdir(image_dir)) == listing
