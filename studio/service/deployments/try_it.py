""""Try it": ask one model or deployment about one image, the way the training examples asked.

The message layout is the training export's (system prompt, then the user's instruction and the
image), so what the user sees is what the tuned model learned to answer. Any image file works, also
one outside the project; it is checked and re-encoded like an exported one (the original is only
read). On Azure and in the demo, `model` is a deployment name; on OpenAI a model id (a fine-tuned
model or checkpoint is called directly).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from studio.core.checks.image_check import check_header
from studio.core.errors import ServiceError
from studio.core.export.image_encoding import EncodeRequest, Unusable, encode_image
from studio.core.export.jsonl_writer import build_example
from studio.core.export.prompts import SETTING_INSTRUCTION, SETTING_SYSTEM, Prompts, render_prompts
from studio.service.credentials import Credentials
from studio.service.clients import make_client
from studio.service.profile import ServiceProfile

MAX_ANSWER_TOKENS = 100


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    model: str  # what was asked for (deployment name or model id)
    served_by: str  # the model the service says answered
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_s: float


def project_prompts(store: Any) -> Prompts:
    """The project's system prompt and instruction with its class names, as the export renders them."""
    names: Sequence[str] = [c.name for c in store.classes()]
    return render_prompts(names, store.get_setting(SETTING_SYSTEM, None), store.get_setting(SETTING_INSTRUCTION, None))


def image_messages(image_path: Path | str, prompts: Prompts, detail: str = "low") -> list[dict]:
    """The chat messages for one image, or ServiceError saying why the image cannot be sent."""
    path = Path(image_path)
    check = check_header(path)
    try:
        encoded = encode_image(EncodeRequest(str(path), check.verdict.value, detail, fix=True))
    except Unusable as exc:
        raise ServiceError(f"{path.name} cannot be sent: {exc}") from None
    example = build_example(prompts, [encoded], detail, answer="")
    return example["messages"][:2]  # system + user; the assistant turn is what we ask for


def ask_image(profile: ServiceProfile, credentials: Credentials, model: str, image_path: Path | str,
              prompts: Prompts, *, detail: str = "low", timeout: float = 60.0, client: Any = None) -> Answer:
    """One chat completion about one image; the answer, its token counts and the wall-clock latency."""
    from studio.service.errors import service_error

    if not model.strip():
        raise ServiceError("Choose a model or deployment to ask.")
    messages = image_messages(image_path, prompts, detail)
    client = client or make_client(profile, credentials, timeout=timeout)
    started = time.perf_counter()
    try:
        completion = client.chat.completions.create(model=model, messages=messages, max_tokens=MAX_ANSWER_TOKENS,
                                                    temperature=0)
    except Exception as error:  # noqa: BLE001 - every failure becomes a message for the user
        import openai

        if isinstance(error, openai.NotFoundError):
            what = "deployment" if profile.is_azure or profile.kind == "demo" else "model"
            hint = ("Deploy the model first (Fine-tune ▸ Deployments…), or wait until its deployment is ready."
                    if what == "deployment" else "Check the model id: a fine-tuned model exists once its job succeeded.")
            raise ServiceError(f"{profile.display_name()} has no {what} named '{model}' that can answer (404). {hint}") from None
        raise service_error(error, profile, f"ask {model} about {Path(image_path).name}", credentials) from None
    latency = time.perf_counter() - started
    choice = completion.choices[0] if completion.choices else None
    text = (choice.message.content or "") if choice is not None and choice.message is not None else ""
    usage = completion.usage
    return Answer(
        text=text.strip(), model=model, served_by=getattr(completion, "model", "") or model,
        prompt_tokens=getattr(usage, "prompt_tokens", None), completion_tokens=getattr(usage, "completion_tokens", None),
        latency_s=latency,
    )
