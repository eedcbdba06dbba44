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
        file=path, mime_type="text/jsonl", purpose="fine-tune", part_size=1000, md5=hashlib.md5(data).hexdigest()
    )
    assert upload.status == "completed" and upload.file is not None
    assert (upload.filename, upload.bytes, upload.file.bytes) == ("train.jsonl", len(data), len(data))
    parts = server.state.requests_matching("POST", r"/uploads/[^/]+/parts$")
    assert len(parts) == -(-len(data) // 1000) > 3
    server.advance(server.timing.file_processing_seconds)
    assert openai_client.files.retrieve(upload.file.id).status == "processed"
    assert openai_client.files.content(upload.file.id).read() == data


def test_azure_dated_upload_in_parts_completes_by_block_ids(server, azure_client, data):
    """[facts §5 /uploads] dated: parts carry azure_block_id and complete takes them as part_ids."""
    upload = azure_client.uploads.create(bytes=len(data), filename="t.jsonl", mime_type="application/json", purpose="fine-tune")
    assert upload.http_status == 200 and upload.status == "pending"
    assert upload.expires_at - upload.created_at == 7200  # [facts §5] dated uploads expire after 2 h
    parts = [azure_client.uploads.parts.create(upload.id, data=data[i:i + 4096]) for i in range(0, len(data), 4096)]
    assert all(p.azure_block_id for p in parts)
    done = azure_client.uploads.complete(upload.id, part_ids=[p.azure_block_id for p in parts])
    assert done.status == "completed" and done.file.status == "pending"  # [facts §5] Azure file status
    assert azure_client.sdk.files.content(done.file.id).read() == data


def test_azure_v1_has_no_uploads_api(azure_v1_client):
    """[facts §5 /uploads] neither v1 spec version has /uploads: 404 with the v1 error body."""
    with pytest.raises(openai.NotFoundError) as err:
        azure_v1_client.uploads.create(bytes=3, filename="x.jsonl", mime_type="text/jsonl", purpose="fine-tune")
    assert err.value.body["type"] == "error" and set(err.value.body) == {"code", "message", "param", "type"}


def test_openai_uploads_refuse_keys_the_schema_does_not_define(openai_client):
    """[facts §5] CreateUploadRequest: additionalProperties false."""
    with pytest.raises(openai.BadRequestError) as err:
        openai_client.uploads.create(bytes=3, filename="x.jsonl", mime_type="text/jsonl", purpose="fine-tune",
                                     extra_body={"metadata": {"a": "b"}})
    assert err.value.body["param"] == "metadata"


def test_complete_joins_parts_in_the_order_given(openai_client):
    upload = openai_client.uploads.create(bytes=6, filename="x.jsonl", mime_type="text/jsonl", purpose="fine-tune")
    assert upload.status == "pending" and upload.file is None
    first = openai_client.uploads.parts.create(upload.id, data=b"abc")
    second = openai_client.uploads.parts.create(upload.id, data=b"def")
    assert (first.object, first.upload_id) == ("upload.part", upload.id)
    done = openai_client.uploads.complete(upload.id, part_ids=[second.id, first.id])
    assert openai_client.files.content(done.file.id).read() == b"defabc"


def test_wrong_md5_or_size_is_refused_and_the_upload_stays_pending(openai_client):
    upload = openai_client.uploads.create(bytes=6, filename="x.jsonl", mime_type="text/jsonl", purpose="fine-tune")
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
    upload = openai_client.uploads.create(bytes=3, filename="x.jsonl", mime_type="text/jsonl", purpose="fine-tune")
    assert openai_client.uploads.cancel(upload.id).status == "cancelled"
    with pytest.raises(openai.BadRequestError) as err:
        openai_client.uploads.parts.create(upload.id, data=b"abc")
    assert "cancelled" in err.value.message
    with pytest.raises(openai.NotFoundError):
        openai_client.uploads.cancel("upload_missing")


def test_upload_expires_after_an_hour(server, openai_client):
    upload = openai_client.uploads.create(bytes=3, filename="x.jsonl", mime_type="text/jsonl", purpose="fine-tune")
    server.advance(3601)
    with pytest.raises(openai.BadRequestError) as err:
        openai_client.uploads.parts.create(upload.id, data=b"abc")
    assert "expired" in err.value.message


@pytest.mark.parametrize("mime_type", ["image/png", "application/jsonl"])
def test_fine_tune_upload_needs_the_documented_jsonl_mime_type(openai_client, mime_type):
    """[facts §5 mime_type] the OpenAI reference's fine-tune example sends text/jsonl."""
    with pytest.raises(openai.BadRequestError) as err:
        openai_client.uploads.create(bytes=3, filename="x.jsonl", mime_type=mime_type, purpose="fine-tune")
    assert err.value.body["param"] == "mime_type" and "text/jsonl" in err.value.message
