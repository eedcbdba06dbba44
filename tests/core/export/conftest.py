"""Fixtures for export tests."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable

import pytest

from export_helpers import item_for, write_image
from studio.core.export.records import ExportItem


@pytest.fixture
def image_dir(tmp_path) -> Path:
    d = tmp_path / "images"
    d.mkdir()
    return d


@pytest.fixture
def make_items(image_dir) -> Callable[..., list[ExportItem]]:
    """make_items({"cat": 10, "dog": 12}, start_id=1) -> items of small distinct JPEGs."""

    def make(per_class: dict[str, int], start_id: int = 1, size=(64, 48)) -> list[ExportItem]:
        items = []
        next_id = start_id
        for class_name, n in per_class.items():
            safe = hashlib.sha1(class_name.encode()).hexdigest()[:8]
            for _ in range(n):
                p = write_image(image_dir / safe / f"img_{next_id:05d}.jpg", size=size)
                items.append(item_for(p, next_id, class_name, image_dir))
                next_id += 1
        return items

    return make
