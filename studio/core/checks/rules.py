"""The fine-tuning service's image rules, and what to tell the user when an image breaks one.

Every module that needs one of these rules (the checker, the export's "fix" path, the UI's filters)
imports it from here, so a rule changes in exactly one place. The rules come from the service's
documentation: JPEG, PNG or WEBP; RGB or RGBA; at most 10 MB; the file must decode; one frame only.
"""

from __future__ import annotations

from PIL import Image

from studio.core.models import Verdict

ALLOWED_FORMATS: frozenset[str] = frozenset({"JPEG", "PNG", "WEBP"})
ALLOWED_MODES: frozenset[str] = frozenset({"RGB", "RGBA"})
MAX_IMAGE_BYTES: int = 10 * 1024 * 1024

# Pillow's own default, used when an application disabled Pillow's limit (MAX_IMAGE_PIXELS = None):
# the service still refuses such images, so the rule must not disappear with Pillow's setting.
_PILLOW_DEFAULT_MAX_PIXELS = 89_478_485

# When an image breaks several rules, the one reported is the first here: problems that no
# conversion can fix come first, then the ones a re-encode fixes, then size.
VERDICT_PRIORITY: tuple[Verdict, ...] = (
    Verdict.UNREADABLE,
    Verdict.CORRUPT,
    Verdict.BOMB,
    Verdict.FORMAT,
    Verdict.ANIMATED,
    Verdict.MODE,
    Verdict.TOO_LARGE,
)


def bomb_pixel_threshold() -> int:
    """Pixel count above which an image is a decompression bomb and must never be decoded.

    Read at call time so it follows an application's `Image.MAX_IMAGE_PIXELS` setting (as Pillow
    itself does) without this module ever changing Pillow's globals.
    """
    max_pixels = Image.MAX_IMAGE_PIXELS or _PILLOW_DEFAULT_MAX_PIXELS
    return 2 * int(max_pixels)


def is_bomb(width: int, height: int) -> bool:
    return max(1, width) * max(1, height) > bomb_pixel_threshold()


def judge(
    *,
    format: str | None,
    mode: str | None,
    width: int | None,
    height: int | None,
    frames: int | None,
    bytes: int,
) -> list[Verdict]:
    """Every rule a readable image breaks, most serious first (empty list: the image is fine)."""
    problems: list[Verdict] = []
    if width is not None and height is not None and is_bomb(width, height):
        problems.append(Verdict.BOMB)
    if format not in ALLOWED_FORMATS:
        problems.append(Verdict.FORMAT)
    if frames is not None and frames > 1:
        problems.append(Verdict.ANIMATED)
    if mode not in ALLOWED_MODES:
        problems.append(Verdict.MODE)
    if bytes > MAX_IMAGE_BYTES:
        problems.append(Verdict.TOO_LARGE)
    problems.sort(key=VERDICT_PRIORITY.index)
    return problems


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def verdict_message(verdict: Verdict, **details: object) -> str:
    """A one-line message for `verdict` that says what is wrong and what to do about it.

    Known details (all optional): format, mode, bytes, width, height, frames, error (a short
    technical reason), alpha (the image has transparency), also (further Verdicts of the same image).
    """
    fmt = details.get("format") or "an unknown format"
    mode = details.get("mode")
    size = details.get("bytes")
    width, height, frames = details.get("width"), details.get("height"), details.get("frames")
    error = details.get("error")
    dims = f"{width}x{height}" if width and height else None

    if verdict is Verdict.OK:
        text = "OK: the service accepts this image."
    elif verdict is Verdict.PENDING:
        text = "Not checked yet."
    elif verdict is Verdict.FORMAT:
        text = f"The file is {fmt}, which the service does not accept. Re-encode it as JPEG or PNG."
    elif verdict is Verdict.MODE:
        alpha = details.get("alpha") or _mode_has_alpha(str(details.get("mode") or ""))
        target = "RGBA" if alpha else "RGB"
        text = (
            f"The image is in {f'colour mode {mode}' if mode else 'an unsupported colour mode'}; "
            "the service accepts only RGB or RGBA. "
            f"Convert it to {target} and save it again."
        )
    elif verdict is Verdict.TOO_LARGE:
        have = f" ({_mb(size)})" if isinstance(size, int) else ""
        text = (
            f"The file is larger than 10 MB{have}. Shrink it below 10 MB: "
            "re-save as JPEG at a lower quality or reduce its dimensions."
        )
    elif verdict is Verdict.CORRUPT:
        why = f" ({error})" if error else ""
        text = (
            f"The file is damaged or not a complete image{why}. "
            "Replace it with an intact copy or exclude it."
        )
    elif verdict is Verdict.BOMB:
        what = f" {dims} pixels," if dims else ""
        text = (
            f"The image declares{what} more than {bomb_pixel_threshold():,} pixels and was not "
            "opened (possible decompression bomb). Resize it with a trusted tool or exclude it."
        )
    elif verdict is Verdict.ANIMATED:
        count = f" ({frames} frames)" if isinstance(frames, int) and frames > 1 else ""
        text = (
            f"The image is animated{count}; the service uses only one frame. "
            "Save the frame you want as a still JPEG or PNG."
        )
    elif verdict is Verdict.UNREADABLE:
        why = f" ({error})" if error else ""
        text = (
            f"The file could not be read{why}. Check that it exists and that you have "
            "permission to read it, then scan again."
        )
    else:  # pragma: no cover - a new Verdict without a message is a bug caught by the tests
        raise ValueError(f"no message for verdict {verdict!r}")

    listed = details.get("also")
    also = [v for v in (listed if isinstance(listed, (list, tuple, set, frozenset)) else ()) if v is not verdict]
    if also:
        text += " Also: " + ", ".join(_SHORT[v] for v in also) + "."
    return text


_SHORT: dict[Verdict, str] = {
    Verdict.FORMAT: "not JPEG/PNG/WEBP",
    Verdict.MODE: "not RGB/RGBA",
    Verdict.TOO_LARGE: "larger than 10 MB",
    Verdict.ANIMATED: "animated",
    Verdict.BOMB: "too many pixels",
    Verdict.CORRUPT: "damaged",
    Verdict.UNREADABLE: "unreadable",
}


def _mode_has_alpha(mode: str) -> bool:
    return mode in {"LA", "La", "PA", "RGBa", "RGBA"} or mode.endswith("A")
