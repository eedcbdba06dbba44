"""Helpers for export tests: small real image files and ExportItems pointing at them."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PIL import Image

from studio.core.export.records import ExportItem
from studio.core.models import Verdict


def write_image(path: Path, size=(64, 48), mode="RGB", fmt="JPEG", color=None, **save) -> Path:
    """A small real image; `color` defaults to one derived from the name so files differ."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if color is None:
        h = hashlib.sha1(path.name.encode()).digest()
        color = {"RGB": tuple(h[:3]), "RGBA": (*h[:3], 255), "L": h[0], "P": h[0], "CMYK": tuple(h[:4])}.get(mode, 0)
    Image.new(mode, size, color).save(path, fmt, **save)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def item_for(path: Path, image_id: int, class_name: str, root: Path, verdict: Verdict = Verdict.OK,
             fingerprint: str | None = "auto") -> ExportItem:
    with Image.open(path) as im:
        fmt, mode, (w, h) = im.format, im.mode, im.size
    fp = sha256(path)[:16] if fingerprint == "auto" else fingerprint
    return ExportItem(
        image_id=image_id,
        abs_path=path,
        rel_path=path.relative_to(root).as_posix(),
        fingerprint=fp,
        class_name=class_name,
        verdict=verdict,
        format=fmt,
        mode=mode,
        width=w,
        height=h,
        bytes=path.stat().st_size,
    )
