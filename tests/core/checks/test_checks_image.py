"""check_header / check_deep on real generated files, valid and hostile."""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from checks_images import encode, jpeg_bomb, noise, png_bomb, png_chunk, webp_bomb, write
from studio.core.checks import image_check
from studio.core.checks.image_check import check_deep, check_header, looks_like_image, sniff_format
from studio.core.checks.rules import MAX_IMAGE_BYTES
from studio.core.models import Verdict


def both(path: Path):
    header = check_header(path)
    deep, thumb = check_deep(path, thumb_size=32)
    assert header.stage == "header" and deep.stage == "deep"
    return header, deep, thumb


# ------------------------------------------------------------------ valid images and rule breakers


@pytest.mark.parametrize(
    "name, fmt, options, expect_format",
    [
        ("a.jpg", "JPEG", {"quality": 90}, "JPEG"),
        ("a.png", "PNG", {}, "PNG"),
        ("a.webp", "WEBP", {"quality": 80}, "WEBP"),
        ("lossless.webp", "WEBP", {"lossless": True}, "WEBP"),
        ("progressive.jpg", "JPEG", {"progressive": True}, "JPEG"),
        ("png_named.jpg", "PNG", {}, "PNG"),  # the extension lies; the content is allowed
        ("jpeg_no_extension", "JPEG", {}, "JPEG"),
    ],
)
def test_valid_images_pass_both_stages(tmp_path, name, fmt, options, expect_format):
    path = write(tmp_path / name, encode(noise(), fmt, **options))
    header, deep, thumb = both(path)
    for r in (header, deep):
        assert r.verdict is Verdict.OK, r.message
        assert (r.format, r.mode, r.width, r.height, r.frames) == (expect_format, "RGB", 64, 48, 1)
        assert r.bytes == path.stat().st_size
    assert thumb is not None and thumb.mode == "RGB" and max(thumb.size) == 32


def test_rgba_png_is_ok_and_keeps_alpha_in_thumbnail(tmp_path):
    im = noise().convert("RGBA")
    im.putalpha(128)
    header, deep, thumb = both(write(tmp_path / "alpha.png", encode(im, "PNG")))
    assert header.verdict is deep.verdict is Verdict.OK
    assert deep.mode == "RGBA" and thumb.mode == "RGBA"


@pytest.mark.parametrize(
    "name, make, mode, thumb_mode",
    [
        ("grey.png", lambda: encode(noise().convert("L"), "PNG"), "L", "RGB"),
        ("grey_alpha.png", lambda: encode(noise().convert("LA"), "PNG"), "LA", "RGBA"),
        ("bilevel.png", lambda: encode(noise().convert("1"), "PNG"), "1", "RGB"),
        ("palette_transparent.png",
         lambda: encode(noise().convert("P"), "PNG", transparency=0), "P", "RGBA"),
        ("cmyk.jpg", lambda: encode(noise().convert("CMYK"), "JPEG"), "CMYK", "RGB"),
        ("grey.jpg", lambda: encode(noise().convert("L"), "JPEG"), "L", "RGB"),
        ("sixteen.png",
         lambda: encode(Image.linear_gradient("L").resize((64, 48)).convert("I")
                        .point(lambda v: v * 250).convert("I;16"), "PNG"), "I;16", "RGB"),
    ],
)
def test_other_colour_modes_are_flagged_mode(tmp_path, name, make, mode, thumb_mode):
    header, deep, thumb = both(write(tmp_path / name, make()))
    assert header.verdict is deep.verdict is Verdict.MODE
    assert deep.mode == mode
    assert thumb is not None and thumb.mode == thumb_mode  # the UI can still show it
    expected = "RGBA" if thumb_mode == "RGBA" else "RGB"
    assert f"Convert it to {expected}" in deep.message


def test_sixteen_bit_thumbnail_is_scaled_not_clipped(tmp_path):
    gradient = Image.linear_gradient("L").resize((64, 48)).convert("I").point(lambda v: v * 250)
    _, thumb = check_deep(write(tmp_path / "g.png", encode(gradient.convert("I;16"), "PNG")), 64)
    low, high = thumb.convert("L").getextrema()
    assert high - low > 200  # a clipped conversion would be almost all white


@pytest.mark.parametrize(
    "name, fmt, options",
    [
        ("a.gif", "GIF", {}),
        ("a.bmp", "BMP", {}),
        ("a.tiff", "TIFF", {}),
        ("gif_named.png", "GIF", {}),  # judged by content, not by name
        ("bmp_named.webp", "BMP", {}),
    ],
)
def test_other_formats_are_flagged_format(tmp_path, name, fmt, options):
    header, deep, thumb = both(write(tmp_path / name, encode(noise(), fmt, **options)))
    assert header.verdict is deep.verdict is Verdict.FORMAT
    assert deep.format == fmt
    assert "Re-encode it as JPEG or PNG" in deep.message
    assert thumb is not None


def test_heif_is_a_format_problem_even_though_pillow_cannot_open_it(tmp_path):
    data = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(200)
    header, deep, _ = both(write(tmp_path / "phone.heic", data))
    assert header.verdict is deep.verdict is Verdict.FORMAT
    assert deep.format == "HEIF"


@pytest.mark.parametrize("fmt, name", [("WEBP", "anim.webp"), ("PNG", "anim.png")])
def test_animated_webp_and_apng_are_flagged_animated(tmp_path, fmt, name):
    frames = [noise(seed=i) for i in range(3)]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:])
    header, deep, thumb = both(write(tmp_path / name, data))
    assert header.verdict is deep.verdict is Verdict.ANIMATED
    assert deep.frames == 3 and "3 frames" in deep.message
    assert thumb is not None


def test_single_frame_apng_is_not_animated(tmp_path):
    data = encode(noise(), "PNG", save_all=True, append_images=[])
    assert check_header(write(tmp_path / "one.png", data)).verdict is Verdict.OK


def test_animated_gif_is_a_format_problem_that_also_mentions_animation(tmp_path):
    frames = [noise(seed=i) for i in range(4)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    header, deep, _ = both(write(tmp_path / "anim.gif", data))
    assert header.verdict is deep.verdict is Verdict.FORMAT
    assert deep.frames == 4 and "animated" in deep.message


def test_file_over_ten_megabytes_is_too_large(tmp_path):
    data = encode(noise(), "JPEG")
    path = write(tmp_path / "big.jpg", data + bytes(MAX_IMAGE_BYTES + 1 - len(data)))
    header, deep, thumb = both(path)
    assert header.verdict is deep.verdict is Verdict.TOO_LARGE
    assert "Shrink it below 10 MB" in deep.message
    assert thumb is not None  # the picture itself is fine
    exactly = write(tmp_path / "limit.jpg", data + bytes(MAX_IMAGE_BYTES - len(data)))
    assert check_header(exactly).verdict is Verdict.OK


def test_exif_orientation_is_applied_to_the_thumbnail(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    path = write(tmp_path / "rotated.jpg", encode(noise((80, 40)), "JPEG", exif=exif.tobytes()))
    result, thumb = check_deep(path, thumb_size=40)
    assert (result.width, result.height) == (80, 40)  # the stored dimensions
    assert thumb.size == (20, 40)  # shown upright


# ------------------------------------------------------------------ damaged files


def _truncations(data: bytes) -> list[int]:
    n = len(data)
    return sorted({n - 1, n - 2, n - 17, int(n * 0.9), n // 2, n // 4, 400})


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_truncated_files_are_corrupt_after_the_deep_check(tmp_path, fmt):
    options = {"progressive": True} if fmt == "JPEG" else {}
    data = encode(noise((160, 120)), fmt, **options)
    for cut in _truncations(data):
        path = write(tmp_path / f"cut{cut}.{fmt.lower()}", data[:cut])
        result, thumb = check_deep(path, thumb_size=32)
        assert result.verdict is Verdict.CORRUPT, (fmt, cut, result)
        assert thumb is None
        assert "damaged" in result.message


def test_truncated_jpeg_is_caught_by_the_reduced_size_decode(tmp_path):
    """Deep checks decode JPEG with draft(); that must still read (and miss) every byte."""
    data = encode(noise((1024, 768)), "JPEG", quality=95)
    path = write(tmp_path / "cut.jpg", data[: len(data) - 100])
    with Image.open(path) as im:
        im.draft("RGB", (128, 128))
        assert im.size[0] <= 256  # really reduced
    assert check_deep(path)[0].verdict is Verdict.CORRUPT
    assert check_deep(path, thumb_size=64)[0].verdict is Verdict.CORRUPT


def test_truncation_is_caught_even_when_other_code_tolerates_truncated_images(tmp_path, monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    jpeg = encode(noise((160, 120)), "JPEG")
    png = encode(noise((160, 120)), "PNG")
    for name, data in (("t.jpg", jpeg[:-200]), ("t.png", png[:-200]), ("e.png", png[:-1])):
        assert check_deep(write(tmp_path / name, data))[0].verdict is Verdict.CORRUPT, name


def test_checks_never_change_pillow_globals(tmp_path):
    before = (ImageFile.LOAD_TRUNCATED_IMAGES, Image.MAX_IMAGE_PIXELS)
    for name, data in (("b.png", png_bomb(20000, 20000)), ("t.jpg", encode(noise(), "JPEG")[:-50])):
        path = write(tmp_path / name, data)
        check_header(path)
        check_deep(path, 16)
    assert (ImageFile.LOAD_TRUNCATED_IMAGES, Image.MAX_IMAGE_PIXELS) == before


def _flip_png_crc(data: bytes, cid: bytes) -> bytes:
    out = bytearray(data)
    at = out.find(cid)
    length = struct.unpack(">I", out[at - 4 : at])[0]
    out[at + 4 + length] ^= 0xFF
    return bytes(out)


def test_png_with_bad_image_data_checksum_is_corrupt_though_pillow_load_accepts_it(tmp_path):
    bad = _flip_png_crc(encode(noise(), "PNG"), b"IDAT")
    with Image.open(io.BytesIO(bad)) as im:
        im.load()  # Pillow's lenient load does not notice
    path = write(tmp_path / "crc.png", bad)
    assert check_header(path).verdict is Verdict.OK  # the header is intact
    result, thumb = check_deep(path)
    assert result.verdict is Verdict.CORRUPT and "checksum" in result.message and thumb is None


def test_png_with_bad_checksum_in_an_ancillary_chunk_is_corrupt(tmp_path):
    data = encode(noise(), "PNG")
    iend = data.rfind(b"IEND") - 4
    with_text = data[:iend] + png_chunk(b"tEXt", b"Comment\x00hello") + data[iend:]
    path = write(tmp_path / "text.png", _flip_png_crc(with_text, b"tEXt"))
    assert check_deep(path)[0].verdict is Verdict.CORRUPT


def test_png_with_broken_compressed_data_is_corrupt(tmp_path):
    data = bytearray(encode(noise(), "PNG"))
    at = data.find(b"IDAT")
    length = struct.unpack(">I", data[at - 4 : at])[0]
    for i in range(at + 20, at + 60):
        data[i] ^= 0x5A
    # Keep the checksum right so only the decoder can notice.
    import zlib

    crc = zlib.crc32(bytes(data[at : at + 4 + length]))
    data[at + 4 + length : at + 8 + length] = struct.pack(">I", crc)
    assert check_deep(write(tmp_path / "z.png", bytes(data)))[0].verdict is Verdict.CORRUPT


@pytest.mark.parametrize(
    "name, data",
    [
        ("empty.jpg", b""),
        ("junk.jpg", bytes(range(256)) * 20),
        ("junk.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 7),
        ("text_named.webp", b"this is not an image at all\n" * 10),
        ("riff.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8),
        ("gif_header_only.gif", b"GIF89a"),
    ],
)
def test_zero_bytes_and_junk_with_image_names_are_corrupt(tmp_path, name, data):
    path = write(tmp_path / name, data)
    header, deep, thumb = both(path)
    assert header.verdict is deep.verdict is Verdict.CORRUPT
    assert thumb is None
    assert header.bytes == len(data)


def test_junk_is_never_mistaken_for_a_signature_less_format(tmp_path):
    """TGA and friends have no magic bytes; random bytes named .jpg must not become 'TGA'."""
    import random

    rng = random.Random(7)
    for i in range(30):
        data = bytes(rng.randrange(256) for _ in range(600))
        result = check_header(write(tmp_path / f"r{i}.jpg", data))
        assert result.verdict is Verdict.CORRUPT, result


def test_missing_and_unreadable_files_are_unreadable(tmp_path, monkeypatch):
    gone = tmp_path / "gone.jpg"
    assert check_header(gone).verdict is Verdict.UNREADABLE
    assert check_deep(gone)[0].verdict is Verdict.UNREADABLE

    path = write(tmp_path / "locked.jpg", encode(noise(), "JPEG"))

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(image_check, "open", denied, raising=False)
    header, deep = check_header(path), check_deep(path)[0]
    assert header.verdict is deep.verdict is Verdict.UNREADABLE
    assert "Permission denied" in header.message and header.bytes == path.stat().st_size


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root ignores file permissions")
def test_file_without_read_permission_is_unreadable(tmp_path):
    path = write(tmp_path / "locked.jpg", encode(noise(), "JPEG"))
    path.chmod(0)
    try:
        assert check_header(path).verdict is Verdict.UNREADABLE
        assert check_deep(path)[0].verdict is Verdict.UNREADABLE
    finally:
        path.chmod(0o644)


# ------------------------------------------------------------------ decompression bombs


@pytest.mark.parametrize(
    "name, make",
    [
        ("bomb.png", lambda: png_bomb(20000, 20000)),
        ("bomb.jpg", lambda: jpeg_bomb(60000, 60000)),
        ("bomb.webp", lambda: webp_bomb(16000, 16000)),
    ],
)
def test_bombs_are_recognised_from_the_header_and_never_decoded(tmp_path, name, make):
    path = write(tmp_path / name, make())
    start = time.perf_counter()
    header, deep, thumb = both(path)
    assert time.perf_counter() - start < 1.0
    assert header.verdict is deep.verdict is Verdict.BOMB
    assert deep.width * deep.height > 2 * Image.MAX_IMAGE_PIXELS
    assert thumb is None
    assert "not opened" in deep.message


def test_bomb_threshold_follows_pillow_setting_at_call_time(tmp_path, monkeypatch):
    path = write(tmp_path / "medium.png", png_bomb(3000, 3000))  # 9 MP
    assert check_header(path).verdict is Verdict.OK
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 4_000_000)  # threshold 8 MP
    assert check_header(path).verdict is Verdict.BOMB
    assert check_deep(path)[0].verdict is Verdict.BOMB


def test_checking_bombs_keeps_memory_low(tmp_path):
    """In a fresh interpreter, so the peak RSS measured is the check's own. Linux keeps ru_maxrss across
    exec (a child of a big pytest process reports the parent's peak), so VmHWM of /proc is read there."""
    paths = [
        write(tmp_path / "b.png", png_bomb(30000, 30000)),
        write(tmp_path / "b.jpg", jpeg_bomb(65000, 65000)),
        write(tmp_path / "b.webp", webp_bomb(16383, 16383)),
    ]
    script = (
        "import json, resource, sys\n"
        "from pathlib import Path\n"
        "from studio.core.checks.image_check import check_header, check_deep\n"
        "out = [(check_header(Path(p)).verdict.value, check_deep(Path(p), 64)[0].verdict.value)"
        " for p in sys.argv[1:]]\n"
        "status = Path('/proc/self/status')\n"
        "hwm = [l for l in status.read_text().splitlines() if l.startswith('VmHWM:')] if status.exists() else []\n"
        "peak = int(hwm[0].split()[1]) if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(json.dumps({'verdicts': out, 'peak_kb': peak}))\n"
    )
    root = Path(__file__).resolve().parents[3]
    proc = subprocess.run(
        [sys.executable, "-c", script, *map(str, paths)],
        capture_output=True, text=True, timeout=60, cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["verdicts"] == [["bomb", "bomb"]] * 3
    assert report["peak_kb"] < 200 * 1024, report  # decoding any of them would take gigabytes


# ------------------------------------------------------------------ recognising images


def test_looks_like_image_by_name_or_by_content(tmp_path):
    png = encode(noise(), "PNG")
    assert looks_like_image(write(tmp_path / "photo.JPG", b"junk"))  # the name says image
    assert looks_like_image(write(tmp_path / "no_extension", png))  # the bytes say image
    assert looks_like_image(write(tmp_path / "odd.bin2", encode(noise(), "JPEG")))
    assert not looks_like_image(write(tmp_path / "notes.txt", png))  # a text name is trusted
    assert not looks_like_image(write(tmp_path / ".DS_Store", b"\x00\x00\x00\x01Bud1" + bytes(64)))
    assert not looks_like_image(write(tmp_path / "README", b"hello, world\n"))
    assert not looks_like_image(tmp_path / "does_not_exist")


def test_sniff_format_signatures():
    assert sniff_format(encode(noise(), "WEBP")) == "WEBP"
    assert sniff_format(encode(noise(), "GIF")) == "GIF"
    assert sniff_format(encode(noise(), "TIFF")) == "TIFF"
    assert sniff_format(encode(noise(), "BMP")) == "BMP"
    assert sniff_format(b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>') == "SVG"
    assert sniff_format(b"BM this is just text that starts with BM") is None
    assert sniff_format(b"") is None
