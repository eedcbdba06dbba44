"""Try it's call: the training layout (system prompt, instruction + image), a clear refusal for a file
that is not a usable image, and one real chat completion through the openai SDK against the emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from studio.core.errors import ServiceError
from studio.core.export.prompts import Prompts
from studio.core.store.project_store import ProjectStore
from studio.service.deployments import ask_image, project_prompts
from studio.service.deployments.try_it import image_messages
from studio.service.credentials import Credentials
from studio.service.profile import ServiceProfile

PROMPTS = Prompts(system="Answer with one class: cat, dog.", instruction="Which class is this image?")


def test_messages_follow_the_training_layout(tmp_path: Path) -> None:
    path = tmp_path / "x.png"
    Image.new("RGB", (640, 480), (10, 200, 30)).save(path)
    system, user = image_messages(path, PROMPTS, detail="low")
    assert system == {"role": "system", "content": PROMPTS.system}
    assert user["role"] == "user" and user["content"][0] == {"type": "text", "text": PROMPTS.instruction}
    image = user["content"][1]["image_url"]
    assert image["detail"] == "low" and image["url"].startswith("data:image/")
    assert path.stat().st_size > 0 and Image.open(path).size == (640, 480)  # the original is untouched


def test_a_file_that_is_not_an_image_is_refused_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "notes.png"
    path.write_text("not an image")
    with pytest.raises(ServiceError, match="notes.png cannot be sent"):
        image_messages(path, PROMPTS)


def test_project_prompts_name_the_project_classes(project_path: Path) -> None:
    with ProjectStore.open(project_path, read_only=True) as store:
        prompts = project_prompts(store)
    assert "cat" in prompts.system + prompts.instruction and "dog" in prompts.system + prompts.instruction


def test_ask_a_base_model_through_the_sdk(emulator: Any, tmp_path: Path) -> None:
    pytest.importorskip("studio.emulator.api.chat", reason="emulator chat completions (eval-engine) not in this tree yet")
    path = tmp_path / "x.png"
    Image.new("RGB", (64, 64), (200, 30, 30)).save(path)
    profile = ServiceProfile(kind="openai", endpoint=emulator.base_url)
    answer = ask_image(profile, Credentials.from_key("emu-key"), "gpt-4o-2024-08-06", path, PROMPTS)
    assert answer.text and answer.prompt_tokens and answer.completion_tokens and answer.latency_s > 0


def test_an_unknown_model_says_what_to_do(emulator: Any, tmp_path: Path) -> None:
    path = tmp_path / "x.png"
    Image.new("RGB", (64, 64), (200, 30, 30)).save(path)
    profile = ServiceProfile(kind="azure", endpoint=emulator.azure_endpoint)
    with pytest.raises(ServiceError, match="no deployment named 'nope'.*Deploy the model first"):
        ask_image(profile, Credentials.from_key("emu-key"), "nope", path, PROMPTS)
