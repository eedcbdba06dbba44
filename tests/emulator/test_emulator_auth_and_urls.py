"""Auth headers per URL style, Azure's api-version rule, unknown URLs, and the error envelope."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import openai
import pytest

from studio.emulator import EmulatorServer


def raw(url: str, headers: dict[str, str] | None = None, method: str = "GET", body: bytes | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def assert_error(body: dict, code: str | None = None, style: str = "openai") -> None:
    """The error body of `style` [facts §7]: OAI {message,type,param,code}; AZD {code,message[,target]};
    AZ1 {code,message,param,type="error"}."""
    assert set(body) == {"error"}
    error = body["error"]
    if style == "azure_dated":
        assert {"code", "message"} <= set(error) <= {"code", "message", "target"}
        assert "param" not in error and "type" not in error
    elif style == "azure_v1":
        assert set(error) == {"code", "message", "param", "type"} and error["type"] == "error"
    else:
        assert set(error) == {"message", "type", "param", "code"}
    assert error["message"]
    if code is not None:
        assert error["code"] == code


def style_of_path(path: str) -> str:
    return "azure_v1" if path.startswith("/openai/v1/") else "azure_dated" if path.startswith("/openai/") else "openai"


# [facts §5 list files] shapes: OAI/AZ1 object, data, first_id, last_id, has_more; AZD object, data only.
EMPTY_FILE_LIST = {
    "openai": {"object": "list", "data": [], "has_more": False, "first_id": None, "last_id": None},
    "azure_dated": {"object": "list", "data": []},
    "azure_v1": {"object": "list", "data": [], "has_more": False, "first_id": None, "last_id": None},
}


@pytest.mark.parametrize(
    ("path", "headers", "expected"),
    [
        ("/v1/files", {}, 401),
        ("/v1/files", {"api-key": "k"}, 401),  # OpenAI style takes Bearer only
        ("/v1/files", {"Authorization": "Bearer "}, 401),
        ("/v1/files", {"Authorization": "Basic abc"}, 401),
        ("/v1/files", {"Authorization": "Bearer k"}, 200),
        ("/openai/files?api-version=2024-10-21", {}, 401),
        ("/openai/files?api-version=2024-10-21", {"api-key": "k"}, 200),
        ("/openai/files?api-version=2024-10-21", {"Authorization": "Bearer entra-token"}, 200),
        ("/openai/v1/files", {"api-key": "k"}, 200),
        ("/openai/v1/files", {"Authorization": "Bearer t"}, 200),
        ("/openai/v1/files", {}, 401),
    ],
)
def test_every_request_needs_the_header_its_style_expects(server, path, headers, expected):
    status, body = raw(server.azure_endpoint + path, headers)
    assert status == expected
    style = style_of_path(path)
    if expected == 401:
        assert_error(body, style=style)
        expected_codes = ("unauthorized",) if style == "azure_dated" else ("missing_api_key", "invalid_api_key")
        assert body["error"]["code"] in expected_codes
    else:
        assert body == EMPTY_FILE_LIST[style]


def test_azure_dated_urls_need_a_valid_api_version(server):
    status, body = raw(server.azure_endpoint + "/openai/files", {"api-key": "k"})
    assert status == 400
    assert_error(body, "invalidPayload", style="azure_dated")
    assert body["error"]["target"] == "api-version" and "api-version=2025-04-01-preview" in body["error"]["message"]
    status, body = raw(server.azure_endpoint + "/openai/files?api-version=latest", {"api-key": "k"})
    assert status == 400
    assert_error(body, "invalidPayload", style="azure_dated")
    assert "latest" in body["error"]["message"]


def test_unknown_urls_and_bad_json_get_the_error_envelope(server):
    status, body = raw(server.azure_endpoint + "/somewhere", {"Authorization": "Bearer k"})
    assert status == 404
    assert_error(body)
    status, body = raw(server.base_url + "/fine_tuning/models", {"Authorization": "Bearer k"})
    assert status == 404
    assert_error(body)
    status, body = raw(server.base_url + "/fine_tuning/jobs", {"Authorization": "Bearer k", "Content-Type": "application/json"},
                       "POST", b"{oops")
    assert status == 400
    assert_error(body)


def test_configured_keys_only(ten_examples):
    with EmulatorServer(api_keys=["right-key", "entra-token"]) as srv:
        wrong = openai.OpenAI(base_url=srv.base_url, api_key="sk-wrong-secret", max_retries=0)
        with pytest.raises(openai.AuthenticationError) as err:
            wrong.files.list()
        assert err.value.status_code == 401 and "sk-wrong-secret" not in json.dumps(err.value.body)
        assert openai.OpenAI(base_url=srv.base_url, api_key="right-key", max_retries=0).files.list().data == []
        azure_key = openai.AzureOpenAI(azure_endpoint=srv.azure_endpoint, api_version="2024-10-21", api_key="right-key", max_retries=0)
        assert azure_key.files.list().data == []
        entra = openai.AzureOpenAI(azure_endpoint=srv.azure_endpoint, api_version="2024-10-21",
                                   azure_ad_token_provider=lambda: "entra-token", max_retries=0)
        assert entra.files.list().data == []
        bad_entra = openai.AzureOpenAI(azure_endpoint=srv.azure_endpoint, api_version="2024-10-21",
                                       azure_ad_token_provider=lambda: "expired", max_retries=0)
        with pytest.raises(openai.AuthenticationError):
            bad_entra.files.list()
        assert srv.state.files_created == 0


def test_a_stopped_emulator_stops_answering_kept_alive_connections():
    srv = EmulatorServer().start()
    client = openai.OpenAI(base_url=srv.base_url, api_key="k", max_retries=0)
    assert client.files.list().data == []
    srv.stop()
    with pytest.raises(openai.APIConnectionError):
        client.files.list()
