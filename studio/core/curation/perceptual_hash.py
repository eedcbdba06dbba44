"""A 64-bit perceptual hash of an image that is already decoded.

The hash is imagehash's difference hash (dHash): the image reduced to 9 x 8 grey pixels, one bit per
pair of horizontal neighbours. We use the library rather than our own code, and dHash rather than
its DCT-based pHash, because on real photos with the copies users make (resized to 80 %, JPEG q70,
cropped 2 %, brightened 5 %) dHash matched pHash's precision and recall at the default threshold
while costing a quarter of the time and needing only numpy (pHash imports scipy on first use, which
the deep pass's start-up cannot afford). See benchmarks/duplicate_accuracy.py for the figures.

It is computed from the thumbnail the deep check makes from its one decode (EXIF orientation applied),
so a rotated-by-EXIF copy hashes like the original and no file is decoded twice.
"""

from __future__ import annotations

import imagehash
import numpy
from PIL import Image

HASH_BITS = 64
DEFAULT_THRESHOLD = 8  # Hamming distance in bits; the measured precision / recall is in the README
MAX_THRESHOLD = 20  # beyond this unrelated photos start to group (precision falls below 0.8)


def perceptual_hash(image: Image.Image) -> int:
    """The image's 64-bit dHash as an unsigned integer (SQLite stores it as a signed 64-bit value)."""
    bits = imagehash.dhash(image, hash_size=8).hash
    return int.from_bytes(numpy.packbits(bits).tobytes(), "big")


def hamming(a: int, b: int) -> int:
    """Bits in which two hashes differ."""
    return (a ^ b).bit_count()


__all__ = ["DEFAULT_THRESHOLD", "HASH_BITS", "MAX_THRESHOLD", "hamming", "perceptual_hash"]
