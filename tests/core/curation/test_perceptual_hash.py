"""The perceptual hash: imagehash's dHash bit for bit, computed in the deep check's one decode, stored."""

from __future__ import annotations

import io
import random
from pathlib import Path

import imagehash
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageOps

from studio.core.checks.pool import CheckPool, DeepTask
from studio.core.curation.perceptual_hash import hamming, hash_of_decoded, perceptual_hash
from studio.core.scan.project_scan import scan_project
from studio.core.store.project_store import ProjectStore
from studio.core.store.splits import SplitRepository


@settings(max_examples=40, deadline=None)
@given(w=st.integers(9, 300), h=st.integers(8, 300), sigma=st.integers(1, 120),
       mode=st.sampled_from(["RGB", "L", "RGBA"]))
def test_the_hash_is_imagehash_dhash_bit_for_bit(w: int, h: int, sigma: int, mode: str) -> None:
    im = Image.effect_noise((w, h), sigma).convert(mode)
    assert perceptual_hash(im) == int(str(imagehash.dhash(im)), 16)


def _photo(seed: int, size=(640, 480)) -> Image.Image:
    rng = random.Random(seed)
    im = Image.linear_gradient("L").resize(size).rotate(rng.randrange(360)).convert("RGB")
    for _ in range(8):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        im.paste(tuple(rng.randrange(256) for _ in range(3)), (x, y, x + 120, y + 90))
    return im


def test_an_exif_rotated_copy_hashes_like_the_upright_image() -> None:
    upright = _photo(1)
    exif = Image.Exif()
    exif[0x0112] = 6  # stored rotated: viewers turn it 90 degrees clockwise
    buf = io.BytesIO()
    upright.rotate(90, expand=True).save(buf, "JPEG", quality=90, exif=exif.tobytes())
    stored = Image.open(io.BytesIO(buf.getvalue()))
    stored.load()
    shown = ImageOps.exif_transpose(stored)
    assert hamming(hash_of_decoded(stored), perceptual_hash(shown)) <= 4
    assert hamming(hash_of_decoded(stored), hash_of_decoded(upright)) <= 8


def test_the_deep_check_returns_the_hash_and_the_scan_stores_it(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    _photo(2).save(folder / "a.jpg", quality=92)
    _photo(2).resize((512, 384)).save(folder / "a-small.png")
    _photo(3).save(folder / "b.jpg", quality=92)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a jpeg")
    with CheckPool(workers=1) as pool:
        outcomes = {Path(o.path).name: o for o in pool.deep([DeepTask(p.name, p) for p in folder.iterdir()])}
    assert outcomes["broken.jpg"].phash is None
    assert hamming(outcomes["a.jpg"].phash, outcomes["a-small.png"].phash) <= 4
    assert hamming(outcomes["a.jpg"].phash, outcomes["b.jpg"].phash) > 12

    with ProjectStore.create(tmp_path / "p.studio", [folder]) as store:
        scan_project(store)
        hashes = SplitRepository(store).hashes()
        by_name = {store.image(i).rel_path: h for i, h in hashes.items()}
    assert by_name.keys() == {"a.jpg", "a-small.png", "b.jpg"}
    assert by_name["a.jpg"] == outcomes["a.jpg"].phash


def test_images_checked_before_hashes_existed_get_one_once(tmp_path: Path) -> None:
    from studio.core.curation.hash_backfill import hash_missing, images_without_hash

    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(3):
        _photo(10 + i).save(folder / f"{i}.jpg", quality=90)
    with ProjectStore.create(tmp_path / "p.studio", [folder]) as store:
        scan_project(store)
        before = SplitRepository(store).hashes()
        with store._tx():
            store.conn.execute("UPDATE images SET phash = NULL")  # as a project from before schema 7
        assert len(images_without_hash(store)) == 3
        seen: list[tuple[int, int | None]] = []
        assert hash_missing(store, lambda done, total, message="": seen.append((done, total))) == 3
        assert SplitRepository(store).hashes() == before
        assert seen[-1] == (3, 3)
        assert hash_missing(store) == 0  # nothing decoded twice
