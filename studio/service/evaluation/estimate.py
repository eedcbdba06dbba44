"""What a run will send and may cost, before anything is sent (nothing that costs money starts
without an estimate first)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from studio.core.evaluation.pricing import cost_usd, default_chat_price
from studio.core.evaluation.records import EvalRun, EvalRunSpec
from studio.core.export.prompts import SETTING_INSTRUCTION, SETTING_SYSTEM, Prompts, render_prompts
from studio.core.export.token_estimate import text_tokens
from studio.core.store.evaluations import EvaluationRepository
from studio.service.evaluation.images import RunImages, choose_images
from studio.service.evaluation.prompting import max_answer_tokens, request_input_tokens

if TYPE_CHECKING:
    from studio.core.store.project_store import ProjectStore


@dataclass(frozen=True, slots=True)
class EvalEstimate:
    requests: int
    text_tokens: int
    image_tokens: int
    max_output_tokens: int  # per request
    likely_output_tokens: int  # all requests, answering with a class name
    price_input_per_1m: float | None
    price_output_per_1m: float | None
    skipped: list[tuple[int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    image_ids: tuple[int, ...] = ()  # the images these requests ask about (what "already answered" is checked against)

    @property
    def input_tokens(self) -> int:
        return self.text_tokens + self.image_tokens

    @property
    def cost_usd(self) -> float | None:
        """Likely cost: input tokens plus class-name-sized answers."""
        return cost_usd(self.input_tokens, self.likely_output_tokens, self.price_input_per_1m, self.price_output_per_1m)

    @property
    def cost_usd_max(self) -> float | None:
        """Upper bound: every answer uses the whole token limit."""
        return cost_usd(self.input_tokens, self.requests * self.max_output_tokens, self.price_input_per_1m,
                        self.price_output_per_1m)

    def as_dict(self) -> dict:
        return {
            "requests": self.requests,
            "input_tokens": self.input_tokens,
            "text_tokens": self.text_tokens,
            "image_tokens": self.image_tokens,
            "max_output_tokens": self.max_output_tokens,
            "cost_usd": self.cost_usd,
            "cost_usd_max": self.cost_usd_max,
            "skipped": [{"image_id": i, "reason": r} for i, r in self.skipped],
            "notes": list(self.notes),
        }


def with_prices(spec: EvalRunSpec) -> EvalRunSpec:
    """The spec with the default price table filled in where the user set no price."""
    if spec.price_input_per_1m is not None and spec.price_output_per_1m is not None:
        return spec
    default = default_chat_price(spec.model) if spec.model else None
    if default is None:
        return spec
    return replace(
        spec,
        price_input_per_1m=spec.price_input_per_1m if spec.price_input_per_1m is not None else default[0],
        price_output_per_1m=spec.price_output_per_1m if spec.price_output_per_1m is not None else default[1],
    )


def project_prompts(store: "ProjectStore", class_names: list[str], spec: EvalRunSpec) -> Prompts:
    """The run's frozen texts if it has them, else the project's prompts as the export renders them."""
    if spec.system_prompt is not None and spec.instruction is not None:
        return Prompts(spec.system_prompt, spec.instruction)
    return render_prompts(class_names, store.get_setting(SETTING_SYSTEM, None), store.get_setting(SETTING_INSTRUCTION, None))


def estimate_images(spec: EvalRunSpec, images: RunImages, prompts: Prompts) -> EvalEstimate:
    spec = with_prices(spec)
    shots = [((s.width, s.height), s.class_name) for s in images.shots]
    text = image = 0
    for it in images.items:
        t, i = request_input_tokens(prompts, spec.detail, (it.width, it.height), shots)
        text, image = text + t, image + i
    limit = max_answer_tokens(images.class_names)
    likely = sum(text_tokens(it.class_name) + 1 for it in images.items)
    notes = _notes(spec, len(images.shots))
    return EvalEstimate(len(images.items), text, image, limit, likely, spec.price_input_per_1m,
                        spec.price_output_per_1m, list(images.skipped), notes,
                        tuple(it.image_id for it in images.items))


def _notes(spec: EvalRunSpec, shots: int) -> list[str]:
    notes = ["Text tokens are approximated offline (about 4 characters per token); images by the documented rule."]
    if spec.detail == "auto":
        notes.append("detail 'auto' is estimated as 'high' (upper bound).")
    if spec.price_input_per_1m is None or spec.price_output_per_1m is None:
        notes.append("No price set for this model: cost not estimated. Set the price per 1M tokens to see it.")
    else:
        notes.append("Prices are a setting (defaults are list prices: check the live price list). Azure also bills "
                     "a deployed fine-tuned model by the hour while it is deployed.")
    if spec.kind == "few_shot" and shots < spec.shots:
        notes.append(f"Only {shots} labeled training images can be shown as examples.")
    return notes


def estimate_run(store: "ProjectStore", spec: EvalRunSpec) -> EvalEstimate:
    """Requests, input tokens (text + images) and cost of a run before it is created."""
    spec.validate()
    images = choose_images(store, spec)
    return estimate_images(spec, images, project_prompts(store, images.class_names, spec))


def estimate_resume(store: "ProjectStore", run: EvalRun) -> EvalEstimate:
    """What carrying on a stored run will send: only its images without an answer yet, with the
    run's frozen prompts, examples, answer limit and prices (resuming never pays for an answered
    image twice, so the estimate must not count them either)."""
    answered = EvaluationRepository(store).answered_ids(run.id)
    rows = store.images([i for i in run.image_ids if i not in answered])  # removed images drop out, as in the runner
    names = {c.id: c.name for c in store.classes()}
    prompts = Prompts(run.spec.system_prompt or "", run.spec.instruction or "")
    shots = [((r.width, r.height), names[r.class_id]) for r in store.images(run.shot_image_ids) if r.class_id in names]
    longest = max((text_tokens(n) for n in run.class_names), default=1)
    text = image = likely = 0
    for row in rows:
        t, i = request_input_tokens(prompts, run.spec.detail, (row.width, row.height), shots)
        text, image = text + t, image + i
        likely += (text_tokens(names[row.class_id]) if row.class_id in names else longest) + 1
    return EvalEstimate(len(rows), text, image, run.max_tokens, likely, run.spec.price_input_per_1m,
                        run.spec.price_output_per_1m, [], _notes(run.spec, len(shots)),
                        tuple(r.id for r in rows))
