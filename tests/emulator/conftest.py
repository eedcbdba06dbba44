"""Shared fixtures for the emulator tests: a started emulator on a manual clock and SDK clients for
the three URL styles."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from emulator_test_data import AZURE_VERSION, example, jsonl
from openai import AzureOpenAI, OpenAI
from wire_client import JsonClient

from studio.emulator import EmulatorServer, ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def server(clock: ManualClock) -> Iterator[EmulatorServer]:
    """Manual clock, one emulated second per training step: tests move time with `server.advance`."""
    with EmulatorServer(clock=clock, step_seconds=1.0) as srv:
        yield srv


@pytest.fixture
def openai_client(server: EmulatorServer) -> OpenAI:
    return OpenAI(base_url=server.base_url, api_key="test", max_retries=0, _strict_response_validation=True)


# OpenAI style: the SDK's own types, strictly validated — a shape they reject fails the test.
# Azure styles: the SDK (strict) through `with_raw_response`, answers as JSON (see wire_client).


@pytest.fixture
def azure_client(server: EmulatorServer) -> JsonClient:
    return JsonClient(AzureOpenAI(azure_endpoint=server.azure_endpoint, api_version=AZURE_VERSION, api_key="k", max_retries=0, _strict_response_validation=True))


@pytest.fixture
def azure_ad_client(server: EmulatorServer) -> JsonClient:
    return JsonClient(AzureOpenAI(azure_endpoint=server.azure_endpoint, api_version=AZURE_VERSION, azure_ad_token_provider=lambda: "tok", max_retries=0, _strict_response_validation=True))


@pytest.fixture
def azure_v1_client(server: EmulatorServer) -> JsonClient:
    return JsonClient(OpenAI(base_url=server.azure_v1_base_url, api_key="k", max_retries=0, _strict_response_validation=True))


@pytest.fixture
def openai_json(openai_client: OpenAI) -> JsonClient:
    """The OpenAI-style client for answers the SDK's types leave out (e.g. the documented `paused`)."""
    return JsonClient(openai_client)


@pytest.fixture
def upload_processed(server: EmulatorServer) -> Callable[..., Any]:
    """Upload JSONL bytes with `client` and move the clock until the service has processed them."""

    def upload(client: OpenAI, data: bytes, filename: str = "train.jsonl") -> Any:
        file = client.files.create(file=(filename, data), purpose="fine-tune")
        server.advance(server.timing.file_processing_seconds)
        return client.files.retrieve(file.id)

    return upload


@pytest.fixture
def ten_examples() -> bytes:
    return jsonl([example(label="cat" if i % 2 else "dog") for i in range(10)])
