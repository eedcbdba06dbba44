from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
from PIL import Image

from studio.core.export.dataset_limits import DatasetLimits
from studio.core.export.jsonl_validator import validate_jsonl


def data_uri(mode="RGB", fmt="JPEG", size=(16, 12), mime=None) -> str:
    buf = io.BytesIO()
    Image.new(mode, size).save(buf, fmt)
    mime = mime or f"image/{fmt.lower()}"
    return f"data:{mime};base64," + base64.b64encode(buf.getvalue()).decode()


def example(images=1, answer="cat", uri=None, **extra) -> dict:
    parts = [{"type": "text", "text": "Which class?"}]
    parts += [{"type": "image_url", "image_url": {"url": uri or data_uri(), "detail": "low"}}] * images
    ex = {"messages": [{"role": "system", "content": "sys"}, {"role": "user", "content": parts},
                       {"role": "assistant", "content": answer}]}
    ex.update(extra)
    return ex


def write(tmp_path, rows, name="t.jsonl", prefix=b"") -> Path:
    p = tmp_path / name
    body = b"".join(
        (r if isinstance(r, bytes) else json.dumps(r, ensure_ascii=False).encode()) + b"\n" for r in rows
    )
    p.write_bytes(prefix + body)
    return p


def errors_of(path, **kw) -> list[str]:
    return [str(e) for e in validate_jsonl(path, **kw).errors]


def test_a_good_file_passes(tmp_path):
    rows = [example(answer=a) for a in ["cat", 'say "hi"', "two\nlines", "猫"] * 3]
    result = validate_jsonl(write(tmp_path, rows, prefix=b"\xef\xbb\xbf"))
    assert result.ok, result.errors
    assert (result.examples, result.examples_with_images, result.images) == (12, 12, 12)


def test_eleven_images_in_one_example_is_refused(tmp_path):
    rows = [example() for _ in range(9)] + [example(images=11)]
    errs = errors_of(write(tmp_path, rows))
    assert errs == ["line 10: 11 images in one example; at most 10 are allowed"]


@pytest.mark.parametrize(
    "bad,expected",
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe bad utf8", "not valid UTF-8"),
        (b"", "empty line"),
        (b"[1, 2]", "must be a JSON object"),
        (json.dumps({"messages": []}).encode(), "non-empty list"),
        (json.dumps({"messages": [{"role": "robot", "content": "x"}, {"role": "assistant", "content": "a"}]}).encode(),
         "role 'robot'"),
        (json.dumps({"messages": [{"role": "user", "content": "x"}]}).encode(), "no assistant message"),
        (json.dumps({"messages": example()["messages"][:2] + [
            {"role": "assistant", "content": "a", "weight": 2}]}).encode(), "weight 2"),
        (json.dumps({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": [
            {"type": "image_url", "image_url": {"url": data_uri()}}]}]}).encode(), "images go in user messages only"),
        (json.dumps(example(uri="data:image/jpeg;base64,@@@not-base64")).encode(), "not valid base64"),
        (json.dumps(example(uri=data_uri(mode="L", fmt="PNG"))).encode(), "mode L"),
        (json.dumps(example(uri=data_uri(fmt="GIF", mime="image/png"))).encode(), "only JPEG, PNG or WEBP"),
        (json.dumps(example(uri=data_uri(fmt="BMP", mime="image/bmp"))).encode(), "not JPEG, PNG or WEBP"),
        (json.dumps(example(uri="file:///etc/passwd")).encode(), "neither a data URI"),
        (b"\xef\xbb\xbf" + json.dumps(example()).encode(), "byte-order mark"),
    ],
    ids=lambda v: v.replace(" ", "_") if isinstance(v, str) else "",
)
def test_each_broken_rule_is_reported_on_its_line(tmp_path, bad, expected):
    rows = [example() for _ in range(10)]
    rows.insert(4, bad)
    errs = errors_of(write(tmp_path, rows))
    assert len(errs) == 1 and errs[0].startswith("line 5") and expected in errs[0], errs


def test_truncated_image_is_caught_only_by_the_deep_check(tmp_path):
    buf = io.BytesIO()
    Image.effect_noise((64, 64), 50).convert("RGB").save(buf, "JPEG")
    cut = "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()[:-200]).decode()
    path = write(tmp_path, [example() for _ in range(10)] + [example(uri=cut)])
    assert validate_jsonl(path, deep=False).ok
    assert "cannot be decoded" in errors_of(path)[0]


def test_count_and_size_limits(tmp_path):
    nine = write(tmp_path, [example() for _ in range(9)])
    assert errors_of(nine) == ["file: the file has 9 examples; at least 10 are required"]
    assert validate_jsonl(nine, training=False).ok  # a validation file has no minimum
    ten = write(tmp_path, [example() for _ in range(10)], name="ten.jsonl")
    small = DatasetLimits(max_file_bytes=ten.stat().st_size, max_examples_with_images=5)
    errs = errors_of(ten, limits=small)
    assert any("under" in e for e in errs) and any("at most 5" in e for e in errs)


def test_image_over_10_mb_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr("studio.core.export.jsonl_validator.MAX_IMAGE_BYTES", 100)
    errs = errors_of(write(tmp_path, [example() for _ in range(10)]))
    assert len(errs) == 10 and "at most 100 are allowed" in errs[0]
