"""Check one file against the service's image rules, in two stages.

`check_header` reads only the file's header (format, mode, dimensions, frames): it is what a scan runs
on every new file, so it must stay close to the cost of a bare `Image.open`. `check_deep` decodes the
pixels to catch what a header cannot show (truncation, bad checksums, broken compressed data) and,
because decoding is the expensive part, makes the thumbnail and the perceptual hash (for duplicate
finding, `studio.core.curation.perceptual_hash`) from the same decode pass.

Both must survive any input: every failure becomes a verdict, never an exception. Decompression bombs
are recognised from the declared dimensions and never decoded. Pillow's globals
(`LOAD_TRUNCATED_IMAGES`, `MAX_IMAGE_PIXELS`, warning filters) are read but never changed, because
the app and its tests share one interpreter with other code that uses Pillow.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from dataclasses import replace
from pathlib import Path
from typing import IO, cast

from PIL import Image, ImageFile, ImageOps

from studio.core.curation.perceptual_hash import hash_of_decoded
from studio.core.checks.rules import is_bomb, judge, verdict_message
from studio.core.models import CheckResult, Verdict

# Names that say "image". Deliberately hand-picked rather than Pillow's registry, which also lists
# documents and video (.pdf, .eps, .mpg, .h5) that nobody puts in an image dataset.
IMAGE_EXTENSIONS: frozenset[str] = frozenset(
    "." + e
    for e in (
        "jpg jpeg jpe jfif jif pjpeg pjp mpo png apng webp gif bmp dib tif tiff heic heif hif avif "
        "avifs jxl jp2 j2k jpx jpf ico cur icns psd tga qoi pcx ppm pgm pbm pnm pfm sgi ras dds "
        "xbm xpm svg dng cr2 cr3 nef nrw arw orf rw2 raf srw pef"
    ).split()
)

# Names that say "not an image": never opened by a scan. Files whose extension is in neither set
# (or that have none) are recognised by their first bytes instead.
NON_IMAGE_EXTENSIONS: frozenset[str] = frozenset(
    "." + e
    for e in (
        "txt md rst json jsonl csv tsv xml html htm css js ts py pyc ipynb yaml yml toml ini cfg "
        "conf log db sqlite sqlite3 studio studio-wal studio-shm wal shm lock tmp bak part pdf doc "
        "docx xls xlsx ppt pptx odt ods zip gz tgz bz2 xz zst 7z rar tar mp4 mov avi mkv webm m4v "
        "mp3 wav flac ogg m4a aac exe dll so dylib bin dat pkl pt pth onnx npy npz h5 parquet "
        "url lnk sh bat ps1 rtf"
    ).split()
)

SNIFF_BYTES = 512  # enough for every signature below, including an SVG's root element

# Formats Pillow may be able to open; a file sniffed as one of these that Pillow then refuses is
# damaged. Anything else we recognise (HEIC, JPEG XL, SVG, camera raw) is a real image in a format
# the service does not take, even though we cannot look inside it.
_PILLOW_SNIFFED = frozenset({"JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF", "ICO", "PSD", "QOI", "DDS",
                             "JPEG2000", "AVIF"})

def sniff_format(head: bytes) -> str | None:
    """The image format that a file's first bytes announce, or None when they announce none."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "TIFF"
    if head[:2] == b"BM" and len(head) >= 18 and head[6:10] == b"\x00\x00\x00\x00" and (
        int.from_bytes(head[14:18], "little") in (12, 40, 52, 56, 64, 108, 124)
    ):
        return "BMP"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return "AVIF"
        if brand in (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"):
            return "HEIF"
        if brand == b"crx ":
            return "CR3"
        return None
    if head.startswith(b"\x00\x00\x00\x0cJXL \r\n\x87\n") or head.startswith(b"\xff\x0a"):
        return "JPEG XL"
    if head.startswith(b"\x00\x00\x00\x0cjP  \r\n\x87\n") or head.startswith(b"\xff\x4f\xff\x51"):
        return "JPEG2000"
    if head[:4] == b"8BPS":
        return "PSD"
    if head[:4] == b"qoif":
        return "QOI"
    if head[:4] == b"DDS ":
        return "DDS"
    if head[:4] == b"\x00\x00\x01\x00" and len(head) >= 6 and 0 < int.from_bytes(head[4:6], "little") < 256:
        return "ICO"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] == b"<" and b"<svg" in head:
        return "SVG"
    return None


def image_by_name(name: str) -> bool | None:
    """What a file name says: True (an image), False (not an image), None (it does not say)."""
    dot = name.rfind(".")
    ext = name[dot:].lower() if dot > 0 else ""
    if ext in IMAGE_EXTENSIONS:
        return True
    if ext in NON_IMAGE_EXTENSIONS:
        return False
    return None


def looks_like_image(path: Path | str, head: bytes | None = None) -> bool:
    """True when a file's name or first bytes say it is an image.

    Only files whose extension is neither a known image nor a known non-image extension are opened,
    so a scan of a photo folder reads no bytes here. `head` skips the read when the caller has it.
    """
    by_name = image_by_name(os.path.basename(os.fspath(path)))
    if by_name is not None:
        return by_name
    if head is None:
        try:
            with open(path, "rb") as f:
                head = f.read(SNIFF_BYTES)
        except OSError:
            return False
    return sniff_format(head) is not None


# --------------------------------------------------------------------------------------------------
# Header stage


def check_header(path: Path) -> CheckResult:
    """Verdict from the header only: no pixel is decoded, and only the first bytes are read."""
    size = 0
    try:
        size = os.stat(path).st_size
        if size == 0:
            return _corrupt(0, None, "empty file")
        f = open(path, "rb")
    except OSError as e:
        return _unreadable(e, size)
    try:
        with f:
            result, im = _probe(f, size, _ext(path))
            if im is not None:
                im.close()
            return result
    except OSError as e:  # the disk failed under us after the open succeeded
        return _unreadable(e, size)


def _probe(fp: IO[bytes], size: int, ext: str) -> tuple[CheckResult, ImageFile.ImageFile | None]:
    """Identify the image in `fp` and judge its header; also return the opened image, unloaded.

    The image is returned only when the verdict leaves something to decode (not for bombs and not for
    files that could not be opened), so a caller can never decode a bomb by accident.
    """
    head = fp.read(SNIFF_BYTES)
    if not head:
        return _corrupt(size, None, "empty file"), None
    sniffed = sniff_format(head)
    try:
        im, error = _open_without_bomb_check(fp, head, ext)
    except Exception as e:  # noqa: BLE001 - any input must become a verdict
        im, error = None, e
    if im is None:
        return _unidentified(size, sniffed, head, error), None
    try:
        fmt = "JPEG" if im.format == "MPO" else im.format
        mode = im.mode
        width, height = im.size
        alpha = _has_alpha(im)
        if is_bomb(width, height):
            im.close()
            return _result(Verdict.BOMB, size, fmt, mode, width, height, None, alpha=alpha), None
        frames = _frame_count(im, fmt)
    except Exception as e:  # noqa: BLE001
        im.close()
        return _corrupt(size, im.format, _short(e)), None
    problems = judge(format=fmt, mode=mode, width=width, height=height, frames=frames, bytes=size)
    verdict = problems[0] if problems else Verdict.OK
    result = _result(verdict, size, fmt, mode, width, height, frames, also=problems[1:], alpha=alpha)
    return result, im


def _open_without_bomb_check(
    fp: IO[bytes], head: bytes, ext: str
) -> tuple[ImageFile.ImageFile | None, Exception | None]:
    """`Image.open` minus its decompression-bomb check, so a bomb's dimensions can be read.

    `Image.open` raises for bombs before returning the image, and turning its check off would mean
    changing `Image.MAX_IMAGE_PIXELS` for the whole process. Plugins without a signature test (TGA
    and a few others accept almost anything) are tried only when the extension names them, so
    random bytes are never "identified" as an obscure format.
    """
    _init_pillow()
    prefix = head[:16]
    last_error: Exception | None = None
    for fmt in _FORMAT_ORDER:
        factory, accept = Image.OPEN[fmt]
        if accept is None:
            if Image.EXTENSION.get(ext) != fmt:
                continue
        else:
            accepted = accept(prefix)
            if not accepted or isinstance(accepted, str):
                continue
        fp.seek(0)
        try:
            return factory(fp, ""), None
        except (SyntaxError, IndexError, TypeError, struct.error, EOFError, ValueError) as e:
            last_error = e  # like Image.open: this plugin does not want it, try the next one
        except Image.DecompressionBombError as e:  # a plugin that checks for bombs itself
            return None, e
        except Exception as e:  # noqa: BLE001 - e.g. OSError from a plugin's header parser
            last_error = e
    return None, last_error


_FORMAT_ORDER: list[str] = []


def _init_pillow() -> None:
    """Load every Pillow plugin once, most common formats first so they are tried first."""
    if _FORMAT_ORDER:
        return
    Image.init()
    common = ["JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"]
    order = [f for f in common if f in Image.OPEN] + [f for f in Image.ID if f not in common]
    _FORMAT_ORDER.extend(f for f in order if f in Image.OPEN)


def _unidentified(size: int, sniffed: str | None, head: bytes, error: Exception | None) -> CheckResult:
    if isinstance(error, Image.DecompressionBombError):
        width, height = _declared_size(head)
        return _result(Verdict.BOMB, size, sniffed, None, width, height, None)
    if sniffed is not None and sniffed not in _PILLOW_SNIFFED:
        return _result(Verdict.FORMAT, size, sniffed, None, None, None, None)
    if sniffed is None:
        return _corrupt(size, None, "not a recognisable image")
    return _corrupt(size, sniffed, _short(error) if error else "unreadable header")


def _declared_size(head: bytes) -> tuple[int | None, int | None]:
    """Dimensions from a WEBP header, for the one plugin that refuses bombs inside its own open."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP" and len(head) >= 30:
        chunk = head[12:16]
        if chunk == b"VP8X":
            return 1 + int.from_bytes(head[24:27], "little"), 1 + int.from_bytes(head[27:30], "little")
        if chunk == b"VP8 ":
            return (int.from_bytes(head[26:28], "little") & 0x3FFF,
                    int.from_bytes(head[28:30], "little") & 0x3FFF)
        if chunk == b"VP8L":
            bits = int.from_bytes(head[21:25], "little")
            return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    return None, None


def _frame_count(im: ImageFile.ImageFile, fmt: str | None) -> int:
    """Frames the service would have to choose between. A camera JPEG's MPO preview is not one."""
    if fmt == "JPEG":
        return 1
    if not getattr(im, "is_animated", False):
        return 1
    return int(getattr(im, "n_frames", 2))


def _has_alpha(im: Image.Image) -> bool:
    return im.mode in ("RGBA", "LA", "La", "PA", "RGBa") or "transparency" in im.info


# --------------------------------------------------------------------------------------------------
# Deep stage

_IN_MEMORY_LIMIT = 64 * 1024 * 1024  # read smaller files in one go; stream bigger ones from disk
_REDUCE_TARGET = 256  # the decode size used for JPEG when no thumbnail was asked for


def check_deep(path: Path, thumb_size: int | None = None) -> tuple[CheckResult, Image.Image | None]:
    """Decode the whole image to prove it is intact; optionally return a thumbnail from that decode.

    JPEG is decoded at reduced size (`draft`): libjpeg still entropy-decodes every byte of the
    stream, so truncation and broken data are caught exactly as by a full decode, at a fraction of
    the cost. PNG is also walked chunk by chunk with every CRC checked, because Pillow's `load()`
    ignores the checksums of image data. The thumbnail is RGB or RGBA, its long side at most
    `thumb_size`, with the EXIF orientation applied. It is None when the image did not decode.
    """
    result, thumb, _data, _phash = _deep(path, thumb_size)
    return result, thumb


def _deep(
    path: Path, thumb_size: int | None
) -> tuple[CheckResult, Image.Image | None, bytes | None, int | None]:
    """`check_deep`, also returning the file's bytes (when read into memory) for fingerprinting and
    the perceptual hash of the decoded image (None when it did not decode)."""
    size = 0
    try:
        size = os.stat(path).st_size
        if size == 0:
            return _deep_stage(_corrupt(0, None, "empty file")), None, b"", None
        if size <= _IN_MEMORY_LIMIT:
            with open(path, "rb") as f:
                data = f.read()
            result, thumb, phash = _deep_from(io.BytesIO(data), len(data), _ext(path), thumb_size)
            return result, thumb, data, phash
        with open(path, "rb") as f:
            result, thumb, phash = _deep_from(f, size, _ext(path), thumb_size)
            return result, thumb, None, phash
    except MemoryError:
        return _deep_stage(_corrupt(size, None, "not enough memory to read it")), None, None, None
    except OSError as e:
        return _deep_stage(_unreadable(e, size)), None, None, None


def _deep_from(
    fp: IO[bytes], size: int, ext: str, thumb_size: int | None
) -> tuple[CheckResult, Image.Image | None, int | None]:
    header, im = _probe(fp, size, ext)
    if im is None:
        return _deep_stage(header), None, None
    try:
        if header.format == "PNG":
            fp.seek(0)
            _verify_png_chunks(fp)
        if header.format == "JPEG":
            target = thumb_size or _REDUCE_TARGET
            im.draft(None, (target, target))
        im.load()
        if getattr(im, "_ended", False):
            # Pillow's JPEG reader invents an end marker at a premature end of file when some other
            # code set LOAD_TRUNCATED_IMAGES; the file is still truncated.
            raise OSError("image file is truncated")
    except Exception as e:  # noqa: BLE001 - MemoryError, DecompressionBombWarning, OSError, ...
        im.close()
        return _deep_stage(_corrupt(size, header.format, _short(e), header)), None, None
    phash = hash_of_decoded(im)  # before the thumbnail, which shrinks `im` in place
    thumb = _thumbnail(im, thumb_size) if thumb_size else None
    im.close()
    return _deep_stage(header), thumb, phash


def _verify_png_chunks(fp: IO[bytes]) -> None:
    """Walk every PNG chunk up to IEND and check its CRC, whatever `LOAD_TRUNCATED_IMAGES` says."""
    fp.seek(8)
    while True:
        header = fp.read(8)
        if len(header) < 8:
            raise OSError("truncated PNG: no IEND chunk")
        length, cid = int.from_bytes(header[:4], "big"), header[4:]
        if length > 0x7FFFFFFF:
            raise OSError(f"broken PNG chunk length in {cid!r}")
        crc = zlib.crc32(cid)
        remaining = length
        while remaining:
            block = fp.read(min(remaining, 1 << 20))
            if not block:
                raise OSError(f"truncated PNG in chunk {cid!r}")
            crc = zlib.crc32(block, crc)
            remaining -= len(block)
        stored = fp.read(4)
        if len(stored) < 4:
            raise OSError(f"truncated PNG in the checksum of {cid!r}")
        if int.from_bytes(stored, "big") != crc:
            raise OSError(f"bad PNG checksum in chunk {cid.decode('latin-1')!r}")
        if cid == b"IEND":
            return


def _thumbnail(im: Image.Image, thumb_size: int) -> Image.Image | None:
    """RGB/RGBA thumbnail of an already decoded image; None if only the thumbnail step fails."""
    try:
        im.thumbnail((thumb_size, thumb_size))
        try:
            im = ImageOps.exif_transpose(im)
        except Exception:  # noqa: BLE001 - a broken EXIF block must not cost the thumbnail
            pass
        return _display_mode(im)
    except Exception:  # noqa: BLE001
        return None


def _display_mode(im: Image.Image) -> Image.Image:
    if im.mode in ("RGB", "RGBA"):
        return im
    if im.mode.startswith("I;16") or im.mode in ("I", "F"):
        # Wide greyscale: scale to 8 bits instead of letting convert() clip everything above 255.
        low, high = cast("tuple[float, float]", im.getextrema())  # one band: a single (min, max) pair
        span = (high - low) or 1
        im = im.convert("F").point(lambda v: (v - low) * 255.0 / span).convert("L")
    return im.convert("RGBA" if _has_alpha(im) else "RGB")


# --------------------------------------------------------------------------------------------------
# Shared helpers


def _result(
    verdict: Verdict,
    size: int,
    fmt: str | None,
    mode: str | None,
    width: int | None,
    height: int | None,
    frames: int | None,
    *,
    error: str | None = None,
    also: list[Verdict] | None = None,
    alpha: bool = False,
) -> CheckResult:
    message = verdict_message(
        verdict, format=fmt, mode=mode, bytes=size, width=width, height=height, frames=frames,
        error=error, also=also, alpha=alpha,
    )
    return CheckResult(verdict, message, size, fmt, mode, width, height, frames)


def _corrupt(size: int, fmt: str | None, error: str, header: CheckResult | None = None) -> CheckResult:
    if header is None:
        return _result(Verdict.CORRUPT, size, fmt, None, None, None, None, error=error)
    return _result(Verdict.CORRUPT, size, fmt, header.mode, header.width, header.height,
                   header.frames, error=error)


def _unreadable(error: OSError, size: int) -> CheckResult:
    reason = error.strerror or type(error).__name__
    return _result(Verdict.UNREADABLE, size, None, None, None, None, None, error=reason)


def _deep_stage(result: CheckResult) -> CheckResult:
    return replace(result, stage="deep")


def _short(error: BaseException) -> str:
    text = str(error).split("\n", 1)[0].strip()
    return (text[:120] if text else type(error).__name__)


def _ext(path: Path | str) -> str:
    return os.path.splitext(os.fspath(path))[1].lower()


__all__ = [
    "IMAGE_EXTENSIONS",
    "NON_IMAGE_EXTENSIONS",
    "check_deep",
    "check_header",
    "image_by_name",
    "looks_like_image",
    "sniff_format",
]
