"""Local emulator of the fine-tuning service's HTTP API (OpenAI and Azure OpenAI), for tests and the demo.

The real `openai` SDK talks to it unchanged:

    from studio.emulator import EmulatorServer, ManualClock
    with EmulatorServer(clock=ManualClock(), step_seconds=1.0) as srv:
        OpenAI(base_url=srv.base_url, api_key="test")                     # /v1/...
        AzureOpenAI(azure_endpoint=srv.azure_endpoint, api_version="2025-04-01-preview", api_key="k")
        OpenAI(base_url=srv.azure_v1_base_url, api_key="k")              # /openai/v1/...
        srv.advance(60)                                                   # move emulated time

Time. Nothing runs in the background: each request recomputes files and jobs from stored timestamps
and the clock (`clock=` any callable returning seconds; default wall clock; `ManualClock` +
`srv.advance()` for exact tests). With `step_seconds=s`: a fine-tune file is processed after 2s; a job
validates for 10s, queues for 6s, then runs one step per s. "auto" hyperparameters: 3 epochs, batch
size so an epoch has at most 40 steps, learning-rate multiplier 2.0. Demo pace (`DEMO_STEP_SECONDS`
= 0.5): a job takes about 20-70 s.

Statuses. OpenAI objects: file uploaded -> processed|error; job validating_files -> queued -> running
-> succeeded|failed|cancelled. Azure objects (created through either Azure URL style): file pending ->
processed|error; job pending -> queued -> running -> ... Both: running <-> paused. Pause/resume work on
/v1 and /openai/v1 always, and on dated Azure URLs only with api-version >= 2025-04-01-preview (400
otherwise).

Training files are validated on upload: malformed lines put the file in `error` (and fail a job that
uses it) naming the line numbers; images the service cannot use skip their example. Simulated
moderation: an image whose top-left 8x8 pixels are magenta (255, 0, 255) is skipped as "contains people
or faces"; cyan (0, 255, 255) as "contains CAPTCHAs". Skips are reported as a "Preprocessing Summary"
text in a `warn` event; past 200 skipped examples the job fails with that text as `error.message`.

Chat completions (`/v1/chat/completions`, `/openai/deployments/{name}/chat/completions?api-version=`,
`/openai/v1/chat/completions`; images as data URIs) answer deterministically, as documented in
`training.vision_model`: a fine-tuned model from what its training file taught it, a checkpoint from the
share of the file it had reached, a few-shot base model from the examples in the prompt, a zero-shot base
model always with the first class the prompt lists. Azure calls go to deployments:
`srv.state.add_deployment(name, model)` (or the ARM endpoints); unknown ones get `DeploymentNotFound`.

Faults: `srv.faults.add("429" | "500" | "disconnect" | "slow" | "fail_job" | "skip_images", ...)`,
see `faults`. Assertions: `srv.state.jobs_created`, `.files_created`, `.uploads_created`,
`.requests_matching(method, path_regex)`.

Only stdlib and Pillow are used here: no core, service or Qt imports.
"""

from studio.emulator.state.clock import ManualClock
from studio.emulator.http.faults import Fault, Faults
from studio.emulator.training.image_screening import MODERATION_MARKERS
from studio.emulator.runner import DEFAULT_PORT, DEMO_STEP_SECONDS, main, run_emulator, serve_forever
from studio.emulator.http.server import DEFAULT_STEP_SECONDS, EmulatorServer

__all__ = [
    "DEFAULT_PORT",
    "DEFAULT_STEP_SECONDS",
    "DEMO_STEP_SECONDS",
    "MODERATION_MARKERS",
    "EmulatorServer",
    "Fault",
    "Faults",
    "ManualClock",
    "main",
    "run_emulator",
    "serve_forever",
]
