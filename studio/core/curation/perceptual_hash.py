"""A 64-bit perceptual hash of an image that is already decoded.

The hash is the difference hash (dHash) exactly as the imagehash library computes it
(`imagehash.dhash(image)`: grey, resized to 9 x 8 with Lanczos, one bit per pair of horizontal
neighbours, row by row, first bit highest); tests check it bit for bit against imagehash. It is
written out here in Pillow alone because it runs inside every deep-check worker process, where
importing numpy (which imagehash needs) costs 0.1-0.4 s per worker start, more than hashing
thousands of images. dHash rather than imagehash's DCT pHash: on real photos with the copies users
make (resized to 80 %, JPEG q70, cropped 2 %, brightened 5 %) it matched pHash's precision and recall
at the default threshold at a quarter of the cost (benchmarks/bench_duplicates.py has the figures).

`hash_of_decoded` is what the deep check calls on the image it has just decoded for the check and
the thumbnail: the decode is first box-reduced to 64-127 px (Lanczos straight to 9 x 8 from a big
image costs ~0.5 ms, the reduce ~0.02 ms), and the EXIF orientation is
applied, so a copy rotated by EXIF hashes like the original and no file is decoded twice.
"""

from __future__ import annotations

from typing import cast

from PIL import Image, ImageOps

HASH_BITS = 64
DEFAULT_THRESHOLD = 8  # Hamming distance in bits; the measured precision / recall is in the README
MAX_THRESHOLD = 20  # beyond this, unrelated photos start to group
_WORK_SIZE = 64  # long side (64-127 px) a decode is box-reduced to before the 9 x 8 Lanczos resize
_WIDE_MODES = ("I", "F", "I;16", "I;16B", "I;16L", "I;16N")


def perceptual_hash(image: Image.Image) -> int:
    """The image's 64-bit dHash as an unsigned integer (see the module docstring)."""
    small = image.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    px = small.tobytes()
    value = 0
    for row in range(0, 72, 9):
        for col in range(row, row + 8):
            value = (value << 1) | (px[col + 1] > px[col])
    return value


def hash_of_decoded(image: Image.Image) -> int | None:
    """The hash of a freshly decoded image of any size and mode; None if it cannot be computed."""
    try:
        im = image
        factor = max(im.size) // _WORK_SIZE
        if factor >= 2:
            im = im.reduce(factor)
        if im.mode in _WIDE_MODES:
            low, high = cast("tuple[float, float]", im.getextrema())  # one band: (min, max)
            span = (high - low) or 1.0
            im = im.convert("F").point(lambda v: (v - low) * 255.0 / span)
        orientation = image.getexif().get(0x0112, 1)
        if orientation != 1:
            transpose = ImageOps.exif_transpose  # applies the tag of `image` to the reduced copy
            im.info["exif"] = image.info.get("exif", b"")
            im = transpose(im) or im
        return perceptual_hash(im)
    except Exception:  # noqa: BLE001 - a hash must never cost the image its check
        return None


def hamming(a: int, b: int) -> int:
    """Bits in which two hashes differ."""
    return (a ^ b).bit_count()


__all__ = ["DEFAULT_THRESHOLD", "HASH_BITS", "MAX_THRESHOLD", "hamming", "hash_of_decoded", "perceptual_hash"]
