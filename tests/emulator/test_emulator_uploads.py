"""Uploads API (large files in parts) through the real SDK, on OpenAI and Azure URLs."""

from __future__ import annotations

import hashlib

import openai
import pytest
from emulator_test_data import example, jsonl


@pytest.fixture
def data() -> bytes:
    return jsonl([example() for _ in range(12)])


def test_chunked_upload_in_small_parts_yields_the_same_file(server, openai_client, data, tmp_path):
    path = tmp_path / "train.jsonl"
    path.write_bytes(data)
    upload = openai_client.uploads.upload_file_chunked(
        file=path, mime_type="application/jsonl", purpose="fine-tune", part_size=1000, md5=hashlib.md5(data).hexdigest()
    )
    assert upload.status == "completed" and upload.file is not None
    assert (upload.filename, upload.bytes, upload.file.bytes) == ("train.jsonl", len(data), len(data))
    parts = server.state.requests_matching("POST", r"/uploads/[^/]+/parts$")
    assert len(parts) == -(-len(data) // 1000) > 3
    server.advance(server.timing.file_processing_seconds)
    assert openai_client.files.retrieve(upload.file.id).status == "processed"
    assert openai_client.files.content(upload.file.id).read() == data


def test_azure_chunked_upload_from_memory(server, azure_client, data):
    upload = azure_client.uploads.upload_file_chunked(
        file=data, filename="t.jsonl", bytes=len(data), mime_type="application/json", purpose="fine-tune", part_size=4096
    )
    assert upload.status == "completed" and upload.file.status == "pending"
    assert azure_client.files.content(upload.file.id).read() == data


def test_complete_joins_parts_in_the_order_given(openai_client):
    upload = openai_client.uploads.create(bytes=6, filename="x.jsonl", mime_type="application/jsonl", purpose="fine-tune")
    assert upload.status == "pending" and upload.file is None
    first = openai_client.uploads.parts.create(upload.id, data=b"abc")
    second = openai_client.uploads.parts.create(upload.id, data=b"def")
    assert (first.object, first.upload_id) == ("upload.part", upload.id)
    done = openai_client.uploads.complete(upload.id, part_ids=[second.id, first.id])
    assert openai_client.files.content(done.file.id).read() == b"defabc"


def test_wrong_md5_or_size_is_refused_and_the_upload_stays_pending(openai_client):
    upload = openai_client.uploads.create(bytes=6, filename="x.jsonl", mime_type="application/jsonl", purpose="fine-tune")
    part = openai_client.uploads.parts.create(upload.id, data=b"abc")
    with pytest.raises(openai.BadRequestError) as err:
        openai_client.uploads.complete(upload.id, part_ids=[part.id])
    assert "add up to 3 bytes" in err.value.message
    other = openai_client.uploads.parts.create(upload.id, data=b"def")
    with pytest.raises(openai.BadRequestError) as err:
        openai_client.uploads.complete(upload.id, part_ids=[part.id, other.id], md5="0" * 32)
    assert err.value.body["code"] == "md5_mismatch"
    assert openai_client.uploads.complete(upload.id, part_ids=[part.id, other.id]).status == "completed"


def test_cancelled_upload_takes_no_more_parts(openai_client):
    upload = openai_client.uploads.create(bytes=3, filename="x.jsonl", mime_type="application/jsonl", purpose="fine-tune")
    assert openai_client.uploads.cancel(upload.id).status == "cancelled"
    with pytest.raises(openai.BadRequestError) as err:
        openai_client.uploads.parts.create(upload.id, data=b"abc")
    assert "cancelled" in err.value.message
    with pytest.raises(openai.NotFoundError):
        openai_client.uploads.cancel("upload_missing")


def test_upload_expires_after_an_hour(server, openai_client):
    upload = openai_client.uploads.create(bytes=3, filename="x.jsonl", mime_type="application/jsonl", purpose="fine-tune")
    server.advance(3601)
    with pytest.raises(openai.BadRequestError) as err:
        openai_client.uploads.parts.create(upload.id, data=b"abc")
    assert "expired" in err.value.message


def test_fine_tune_upload_needs_a_jsonl_mime_type(openai_client):
    with pytest.raises(openai.BadRequestError) as err:
        openai_client.uploads.create(bytes=3, filename="x.jsonl", mime_type="image/png", purpose="fine-tune")
    assert err.value.body["param"] == "mime_type"
