"""The chat request for one image: the same system message, instruction and image detail as training.

Built with the export's own `build_example`, so an evaluation asks exactly what the training file
taught (a different wording would measure the prompt, not the model). Few-shot examples go in as
earlier user/assistant turns, each shaped like a training example.
"""

from __future__ import annotations

from typing import Sequence

from studio.core.evaluation.records import MAX_ANSWER_TOKENS
from studio.core.export.image_encoding import EncodedImage
from studio.core.export.jsonl_writer import build_example
from studio.core.export.prompts import Prompts
from studio.core.export.token_estimate import TOKENS_PER_EXAMPLE, TOKENS_PER_MESSAGE, image_tokens, text_tokens

MIN_ANSWER_TOKENS = 16


def max_answer_tokens(class_names: Sequence[str]) -> int:
    """Room for the longest class name (twice our offline token estimate, for tokenizer differences
    and a trailing period) but never above 256: a classifier that needs more is not answering."""
    longest = max((text_tokens(name) for name in class_names), default=1)
    return max(MIN_ANSWER_TOKENS, min(MAX_ANSWER_TOKENS, 2 * longest + 4))


def build_messages(prompts: Prompts, detail: str, image: EncodedImage,
                   shots: Sequence[tuple[EncodedImage, str]] = ()) -> list[dict]:
    """system, (user + assistant) per shot, then the user turn with the image to classify."""
    messages = [build_example(prompts, [image], detail, "")["messages"][0]]
    for shot_image, label in shots:
        messages += build_example(prompts, [shot_image], detail, label)["messages"][1:]
    messages.append(build_example(prompts, [image], detail, "")["messages"][1])
    return messages


def request_input_tokens(prompts: Prompts, detail: str, size: tuple[int | None, int | None],
                         shots: Sequence[tuple[tuple[int | None, int | None], str]] = ()) -> tuple[int, int]:
    """(text tokens, image tokens) one request sends, by the documented image rule."""
    text = TOKENS_PER_EXAMPLE + 2 * TOKENS_PER_MESSAGE + text_tokens(prompts.system) + text_tokens(prompts.instruction)
    images = image_tokens(size[0], size[1], detail)
    for shot_size, label in shots:
        text += 2 * TOKENS_PER_MESSAGE + text_tokens(prompts.instruction) + text_tokens(label)
        images += image_tokens(shot_size[0], shot_size[1], detail)
    return text, images
