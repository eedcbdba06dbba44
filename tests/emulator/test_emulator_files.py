"""Files API through the real SDK: upload, processing states, list/pagination, content, delete."""

from __future__ import annotations

import openai
import pytest
from emulator_test_data import example, jsonl

from studio.emulator import EmulatorServer


def test_upload_is_uploaded_then_processed_and_content_round_trips(server, openai_client, ten_examples):
    file = openai_client.files.create(file=("train.jsonl", ten_examples), purpose="fine-tune")
    assert (file.object, file.status, file.purpose, file.filename) == ("file", "uploaded", "fine-tune", "train.jsonl")
    assert file.bytes == len(ten_examples) and file.id.startswith("file-")

    server.advance(server.timing.file_processing_seconds)
    processed = openai_client.files.wait_for_processing(file.id, poll_interval=0.01, max_wait_seconds=5)
    assert processed.status == "processed" and processed.status_details is None
    assert openai_client.files.content(file.id).read() == ten_examples


def test_filenames_with_quotes_and_unicode_survive(openai_client):
    name = 'tränïng "v2";final.jsonl'
    file = openai_client.files.create(file=(name, b"{}\n"), purpose="fine-tune")
    assert file.filename == name == openai_client.files.retrieve(file.id).filename


def test_wait_for_processing_against_the_wall_clock(ten_examples):
    with EmulatorServer(step_seconds=0.01) as srv:
        client = openai.OpenAI(base_url=srv.base_url, api_key="test", max_retries=0)
        file = client.files.create(file=("train.jsonl", ten_examples), purpose="fine-tune")
        assert client.files.wait_for_processing(file.id, poll_interval=0.01, max_wait_seconds=5).status == "processed"


def test_azure_file_goes_pending_then_processed(server, azure_client, ten_examples):
    file = azure_client.files.create(file=("train.jsonl", ten_examples), purpose="fine-tune")
    assert file.status == "pending" and len(file.id) == len("file-") + 32
    server.advance(server.timing.file_processing_seconds)
    assert azure_client.files.retrieve(file.id).status == "processed"


def test_utf8_bom_is_accepted(server, openai_client, upload_processed):
    data = jsonl([example() for _ in range(10)], bom=True)
    assert upload_processed(openai_client, data).status == "processed"


def test_malformed_lines_put_the_file_in_error_naming_the_lines(server, openai_client, upload_processed):
    lines = [example() for _ in range(12)]
    lines[2] = "{not json"
    lines[6] = {"messages": "not a list"}
    lines[9] = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": [
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}]}
    file = upload_processed(openai_client, jsonl(lines))
    assert file.status == "error"
    details = file.status_details
    assert "3 line(s)" in details and "line numbers: 3, 7, 10" in details
    assert "Line 3: not valid JSON" in details
    assert "images are only allowed in user messages" in details


def test_not_utf8_is_an_error(server, openai_client, upload_processed):
    file = upload_processed(openai_client, b'{"messages": "\xff\xfe"}\n')
    assert file.status == "error" and "not UTF-8" in file.status_details


def test_fine_tune_files_must_be_jsonl_and_purpose_must_be_known(openai_client, ten_examples):
    with pytest.raises(openai.BadRequestError) as err:
        openai_client.files.create(file=("train.csv", ten_examples), purpose="fine-tune")
    assert err.value.body["code"] == "invalid_file_format" and err.value.body["param"] == "file"
    with pytest.raises(openai.BadRequestError) as err:
        openai_client.files.create(file=("train.jsonl", ten_examples), purpose="training")  # type: ignore[arg-type]
    assert err.value.body["param"] == "purpose"


def test_list_pages_with_has_more_order_and_purpose(server, openai_client, ten_examples):
    ids = []
    for i in range(5):
        ids.append(openai_client.files.create(file=(f"t{i}.jsonl", ten_examples), purpose="fine-tune").id)
        server.advance(1)
    other = openai_client.files.create(file=("notes.txt", b"hello"), purpose="user_data")

    first = openai_client.files.list(limit=2, purpose="fine-tune")
    assert [f.id for f in first.data] == ids[::-1][:2] and first.has_more is True
    assert [f.id for f in openai_client.files.list(limit=2, purpose="fine-tune")] == ids[::-1]  # SDK follows has_more
    assert [f.id for f in openai_client.files.list(limit=4, order="asc", purpose="fine-tune")] == ids
    last = openai_client.files.list(limit=2, after=ids[1], order="asc", purpose="fine-tune")
    assert [f.id for f in last.data] == ids[2:4] and last.has_more is True
    everything = [f.id for f in openai_client.files.list()]
    assert everything[0] == other.id and set(everything) == set(ids) | {other.id}


def test_list_always_sends_has_more(server, openai_client):
    """[facts §5 list files] OAI: object, data, first_id, last_id, has_more."""
    response = openai_client.files.with_raw_response.list()
    assert response.http_response.json() == {"object": "list", "data": [], "has_more": False, "first_id": None, "last_id": None}


def test_delete_then_retrieve_is_not_found(openai_client, ten_examples):
    file = openai_client.files.create(file=("train.jsonl", ten_examples), purpose="fine-tune")
    deleted = openai_client.files.delete(file.id)
    assert (deleted.id, deleted.deleted) == (file.id, True)
    with pytest.raises(openai.NotFoundError) as err:
        openai_client.files.retrieve(file.id)
    assert err.value.body["message"] == f"No such File object: {file.id}"
    with pytest.raises(openai.NotFoundError):
        openai_client.files.content(file.id)
