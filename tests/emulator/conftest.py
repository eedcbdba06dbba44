"""Shared fixtures for the emulator tests: a started emulator on a manual clock, SDK clients for
the three URL styles, and builders of real chat-format JSONL training files with tiny real images."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from openai import AzureOpenAI, OpenAI
from PIL import Image

from studio.emulator import EmulatorServer, ManualClock

PLAIN = (40, 160, 90)
MAGENTA = (255, 0, 255)  # simulated "contains people or faces"
CYAN = (0, 255, 255)  # simulated "contains CAPTCHAs"
AZURE_VERSION = "2025-04-01-preview"


def image_data_uri(color: tuple[int, int, int] = PLAIN, *, fmt: str = "PNG", mode: str = "RGB", size: tuple[int, int] = (8, 8)) -> str:
    image = Image.new("RGB", size, color)
    if mode != "RGB":
        image = image.convert(mode)
    buf = io.BytesIO()
    image.save(buf, fmt)
    mime = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}[fmt]
    return f"data:{mime};base64,{base64.b64encode(buf.getvalue()).decode()}"


def example(image_urls: list[str] | None = None, *, label: str = "cat", detail: str = "low") -> dict[str, Any]:
    urls = [image_data_uri()] if image_urls is None else image_urls
    parts: list[dict[str, Any]] = [{"type": "text", "text": "Which class is this?"}]
    parts += [{"type": "image_url", "image_url": {"url": url, "detail": detail}} for url in urls]
    return {
        "messages": [
            {"role": "system", "content": "Classify the image. Answer with one label: cat, dog."},
            {"role": "user", "content": parts},
            {"role": "assistant", "content": label},
        ]
    }


def jsonl(examples: list[dict[str, Any] | str], *, bom: bool = False) -> bytes:
    """Lines may be examples (dicts) or raw text (to write malformed lines)."""
    lines = [e if isinstance(e, str) else json.dumps(e) for e in examples]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    return b"\xef\xbb\xbf" + data if bom else data


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
    return OpenAI(base_url=server.base_url, api_key="test", max_retries=0)


@pytest.fixture
def azure_client(server: EmulatorServer) -> AzureOpenAI:
    return AzureOpenAI(azure_endpoint=server.azure_endpoint, api_version=AZURE_VERSION, api_key="k", max_retries=0)


@pytest.fixture
def azure_ad_client(server: EmulatorServer) -> AzureOpenAI:
    return AzureOpenAI(azure_endpoint=server.azure_endpoint, api_version=AZURE_VERSION, azure_ad_token_provider=lambda: "tok", max_retries=0)


@pytest.fixture
def azure_v1_client(server: EmulatorServer) -> OpenAI:
    return OpenAI(base_url=server.azure_v1_base_url, api_key="k", max_retries=0)


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
