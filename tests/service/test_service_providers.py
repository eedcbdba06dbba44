"""Profiles serialise without secrets and build the right SDK client for each kind."""

import json

import openai
import pytest

from studio.core.errors import ServiceError
from studio.service.credentials import Credentials
from studio.service.clients import make_client
from studio.service.profile import ServiceProfile, profile_from_env

KEY = "sk-provider-SECRET-42"


def test_profile_round_trips_as_json_without_secrets():
    profile = ServiceProfile(kind="azure", endpoint="https://r.openai.azure.com", auth="entra", name="Lab")
    text = profile.to_json()
    assert ServiceProfile.from_json(text) == profile
    assert not {k for k in json.loads(text) if "key" in k or "secret" in k or "token" in k}
    assert ServiceProfile.from_dict(json.loads(text) | {"unknown_future_field": 1}) == profile


def test_profile_validation_messages():
    with pytest.raises(ServiceError, match="endpoint"):
        ServiceProfile(kind="azure")
    with pytest.raises(ServiceError, match="Unknown service kind"):
        ServiceProfile(kind="bedrock")


def test_openai_client_uses_base_url_and_no_sdk_retries():
    client = make_client(ServiceProfile(kind="openai", endpoint="http://127.0.0.1:9/v1", organization="org-1"),
                         Credentials.from_key(KEY))
    assert type(client) is openai.OpenAI
    assert str(client.base_url) == "http://127.0.0.1:9/v1/"
    assert client.max_retries == 0 and client.organization == "org-1"


def test_azure_dated_client_with_key_and_with_entra():
    profile = ServiceProfile(kind="azure", endpoint="http://127.0.0.1:9/", api_version="2024-10-21")
    client = make_client(profile, Credentials.from_key(KEY))
    assert isinstance(client, openai.AzureOpenAI)
    assert str(client.base_url).startswith("http://127.0.0.1:9/openai/")
    assert client.default_query == {"api-version": "2024-10-21"}
    entra = make_client(profile, Credentials(token_provider=lambda: "tok", source="entra"))
    assert isinstance(entra, openai.AzureOpenAI) and entra.max_retries == 0


def test_azure_v1_client_takes_endpoint_with_or_without_suffix():
    for endpoint in ("http://127.0.0.1:9", "http://127.0.0.1:9/openai/v1/"):
        client = make_client(ServiceProfile(kind="azure_v1", endpoint=endpoint), Credentials(token_provider=lambda: "tok"))
        assert type(client) is openai.OpenAI
        assert str(client.base_url) == "http://127.0.0.1:9/openai/v1/"


def test_profile_from_sdk_environment_variables():
    assert profile_from_env({}) is None
    az = profile_from_env({"AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com", "OPENAI_API_VERSION": "2024-10-21"})
    assert (az.kind, az.api_version) == ("azure", "2024-10-21")
    oa = profile_from_env({"OPENAI_BASE_URL": "http://x/v1"})
    assert (oa.kind, oa.endpoint) == ("openai", "http://x/v1")
    assert profile_from_env({"OPENAI_API_KEY": "k"}).kind == "openai"
