"""Chat completions in the emulator: every URL style, documented deterministic answers, real errors."""

from __future__ import annotations

import openai
import pytest
from emulator_test_data import AZURE_VERSION, image_data_uri, jsonl

BASE = "gpt-4o-2024-08-06"
SYSTEM = "You are an image classifier. Answer with exactly one label from this list: red, green, blue. Reply with the label only."
COLORS = {"red": (220, 30, 30), "green": (30, 200, 40), "blue": (30, 40, 210)}


def shade(name: str, k: int) -> tuple[int, int, int]:
    r, g, b = COLORS[name]
    return (r - 3 * k, g + 2 * k, b - k)


def user(url: str) -> dict:
    return {"role": "user", "content": [{"type": "text", "text": "Which class?"},
                                        {"type": "image_url", "image_url": {"url": url, "detail": "low"}}]}


def training_file() -> bytes:
    lines = []
    for k in range(4):
        for name in COLORS:
            lines.append({"messages": [{"role": "system", "content": SYSTEM}, user(image_data_uri(shade(name, k))),
                                       {"role": "assistant", "content": name}]})
    return jsonl(lines)


def ask(client, model, url, *, shots=(), system=SYSTEM, **kw):
    messages = [{"role": "system", "content": system}]
    for shot_url, label in shots:
        messages += [user(shot_url), {"role": "assistant", "content": label}]
    messages.append(user(url))
    return client.chat.completions.create(model=model, messages=messages, temperature=0, max_tokens=8, **kw)


def train(server, client, upload_processed) -> str:
    file = upload_processed(client, training_file())
    job = client.fine_tuning.jobs.create(model=BASE, training_file=file.id)
    server.advance(10_000)
    done = client.fine_tuning.jobs.retrieve(job.id)
    assert done.status == "succeeded"
    return done


def test_tuned_model_answers_from_its_training_file_and_base_errs_in_the_documented_way(
        server, openai_client, upload_processed):
    job = train(server, openai_client, upload_processed)
    purple_ish_blue = image_data_uri((90, 40, 200))
    reply = ask(openai_client, job.fine_tuned_model, image_data_uri((200, 60, 50)))
    assert reply.choices[0].message.content == "red" and reply.choices[0].finish_reason == "stop"
    assert reply.model == job.fine_tuned_model and reply.object == "chat.completion"
    assert ask(openai_client, job.fine_tuned_model, purple_ish_blue).choices[0].message.content == "blue"
    # usage: 3 + (3 + system) + (3 + "Which class?" + 85 image tokens at low detail)
    assert reply.usage.prompt_tokens == 3 + 3 + -(-len(SYSTEM) // 4) + 3 + 3 + 85
    assert reply.usage.completion_tokens == 1
    # The base model without examples answers the first class the prompt lists, whatever the image.
    for color in COLORS.values():
        assert ask(openai_client, BASE, image_data_uri(color)).choices[0].message.content == "red"
    assert ask(openai_client, BASE, purple_ish_blue, system="Classify it.").choices[0].message.content == "I cannot tell."
    # Few-shot: the base model learns from the examples in the prompt.
    shots = [(image_data_uri(COLORS["green"]), "green"), (image_data_uri(COLORS["blue"]), "blue")]
    assert ask(openai_client, BASE, purple_ish_blue, shots=shots).choices[0].message.content == "blue"


def test_checkpoints_know_what_they_had_learned_by_then(server, openai_client, upload_processed):
    job = train(server, openai_client, upload_processed)
    checkpoints = sorted(openai_client.fine_tuning.jobs.checkpoints.list(job.id), key=lambda c: c.step_number)
    first = checkpoints[0]  # epoch 1 of 3: the first third of the 12 examples = 4 (red, green, blue, red)
    assert first.step_number * 3 == checkpoints[-1].step_number
    assert ask(openai_client, first.fine_tuned_model_checkpoint, image_data_uri(COLORS["blue"])).choices[0].message.content == "blue"


def test_azure_styles_call_deployments_and_refuse_unknown_ones(server, azure_client, azure_v1_client, upload_processed):
    job = train(server, azure_client, upload_processed)
    assert ".ft-" in job.fine_tuned_model
    server.state.add_deployment("shapes-tuned", job.fine_tuned_model)
    green = image_data_uri(COLORS["green"])
    assert ask(azure_client, "shapes-tuned", green).choices[0].message.content == "green"
    assert ask(azure_v1_client, "shapes-tuned", green).choices[0].message.content == "green"
    assert server.state.requests_matching("POST", r"^/deployments/shapes-tuned/chat/completions$")
    for client in (azure_client, azure_v1_client):
        with pytest.raises(openai.NotFoundError) as err:
            ask(client, "no-such-deployment", green)
        assert "DeploymentNotFound" in str(err.value.body)


def test_openai_refuses_unknown_models_bad_images_and_unknown_arguments(openai_client):
    green = image_data_uri(COLORS["green"])
    with pytest.raises(openai.NotFoundError) as err:
        ask(openai_client, "ft:gpt-4o-2024-08-06:someone:x:abc", green)
    assert "model_not_found" in str(err.value.body)
    with pytest.raises(openai.BadRequestError, match="data URIs"):
        ask(openai_client, BASE, "https://example.com/cat.png")
    with pytest.raises(openai.BadRequestError, match="unsupported image"):
        ask(openai_client, BASE, "data:image/png;base64,bm90IGFuIGltYWdl")
    with pytest.raises(openai.BadRequestError, match="Unrecognized request argument"):
        ask(openai_client, BASE, green, extra_body={"temprature": 0})
    with pytest.raises(openai.BadRequestError, match="temperature"):
        openai_client.chat.completions.create(model=BASE, messages=[user(green)], temperature=3)


def test_max_tokens_cuts_the_answer(openai_client):
    reply = openai_client.chat.completions.create(
        model=BASE, messages=[{"role": "system", "content": "Pick one: a-very-long-class-name-indeed, b."},
                              user(image_data_uri(COLORS["red"]))], max_tokens=2)
    assert reply.choices[0].finish_reason == "length" and reply.choices[0].message.content == "a-very-l"
    assert reply.usage.completion_tokens == 2


def test_dated_azure_has_no_model_level_chat_path(azure_client, server):
    import httpx2 as httpx  # the SDK's HTTP client

    r = httpx.post(f"{server.azure_endpoint}/openai/chat/completions?api-version={AZURE_VERSION}",
                   headers={"api-key": "k"}, json={"model": BASE, "messages": []})
    assert r.status_code == 404


def test_azure_answers_carry_content_filter_results_and_openai_ones_do_not(server, azure_client, openai_client):
    server.state.add_deployment("base", BASE)
    green = image_data_uri(COLORS["green"])
    raw = azure_client.chat.completions.create(  # a JSON view of the answer (tests/emulator/wire_client.py)
        model="base", messages=[{"role": "system", "content": SYSTEM}, user(green)], temperature=0)
    assert raw["prompt_filter_results"][0]["content_filter_results"]["violence"] == {"filtered": False, "severity": "safe"}
    assert raw["choices"][0]["content_filter_results"]["hate"]["filtered"] is False
    plain = openai_client.chat.completions.with_raw_response.create(
        model=BASE, messages=[user(green)], temperature=0).http_response.json()
    assert "prompt_filter_results" not in plain and "content_filter_results" not in plain["choices"][0]


def test_v1_calls_a_deployment_by_name_when_it_is_not_a_model_id(server, openai_client):
    """The demo service speaks /v1 but deploys through ARM: its deployments answer by name there."""
    green = image_data_uri(COLORS["green"])
    with pytest.raises(openai.NotFoundError):
        ask(openai_client, "demo-deployment", green)
    server.state.add_deployment("demo-deployment", BASE)
    reply = ask(openai_client, "demo-deployment", green)
    assert reply.choices[0].message.content == "red" and reply.model == BASE
