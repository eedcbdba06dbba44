"""The packaging reads the app's identity from studio/__init__.py and ships matching icon/desktop files.

Fast checks for the default run; the slow smoke test (test_packaging_smoke.py) builds the real app.
"""

from __future__ import annotations

import configparser
import sys
from pathlib import Path

import pytest
from PIL import Image

import studio

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "packaging"))
from app_metadata import AppMetadata, read_metadata  # noqa: E402

APP_DIR = REPO / "resources" / "app"


def test_packaging_metadata_is_the_package_metadata() -> None:
    meta = read_metadata()
    assert (meta.name, meta.app_id, meta.org, meta.version) == (
        studio.APP_NAME, studio.APP_ID, studio.ORG_NAME, studio.__version__)


def test_packaging_metadata_refuses_an_init_without_version(tmp_path: Path) -> None:
    init = tmp_path / "__init__.py"
    init.write_text('APP_NAME = "X"\nAPP_ID = "x"\nORG_NAME = "O"\n', encoding="utf-8")
    with pytest.raises(SystemExit, match="__version__|version"):
        read_metadata(init)


@pytest.mark.parametrize(
    ("version", "numbers"),
    [("0.1.0", (0, 1, 0, 0)), ("1.2.3rc1", (1, 2, 3, 0)), ("2.0", (2, 0, 0, 0)), ("1.0.dev3", (1, 0, 0, 0)),
     ("1.2.3.4.5", (1, 2, 3, 4))],
)
def test_packaging_windows_version_numbers(version: str, numbers: tuple[int, ...]) -> None:
    assert AppMetadata("n", "i", "o", version).version_tuple == numbers


def test_packaging_icons_exist_in_every_size_and_format() -> None:
    app_id = studio.APP_ID
    for size in (16, 32, 48, 64, 128, 256, 512):
        with Image.open(APP_DIR / f"{app_id}-{size}.png") as png:
            assert png.size == (size, size) and png.mode == "RGBA"
    with Image.open(APP_DIR / f"{app_id}.ico") as ico:
        assert {(16, 16), (32, 32), (256, 256)} <= set(ico.info["sizes"])
    with Image.open(APP_DIR / f"{app_id}.icns") as icns:
        assert icns.format == "ICNS"
    assert "<svg" in (APP_DIR / f"{app_id}.svg").read_text(encoding="utf-8")


def test_packaging_desktop_entry_names_the_app_and_its_icon() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # keys are case-sensitive in desktop files
    entry.read(APP_DIR / f"{studio.APP_ID}.desktop", encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Name"] == studio.APP_NAME
    assert section["Icon"] == studio.APP_ID
    assert section["StartupWMClass"] == studio.APP_ID
    assert section["Exec"].split()[0] == "studio"  # rewritten to an absolute path by install-desktop-entry.sh
    mime = (APP_DIR / f"{studio.APP_ID}-mime.xml").read_text(encoding="utf-8")
    assert section["MimeType"].rstrip(";") in mime and '"*.studio"' in mime
