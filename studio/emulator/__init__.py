"""Local emulator of the fine-tuning service's HTTP API (OpenAI and Azure OpenAI), for tests and the demo.

The real `openai` SDK talks to it unchanged:

    from studio.emulator import EmulatorServer, ManualClock
    with EmulatorServer(step_seconds=0.01) as srv:
        OpenAI(base_url=srv.base_url, api_key="test")                     # /v1/...
        AzureOpenAI(azure_endpoint=srv.azure_endpoint, api_version="2025-04-01-preview", api_key="k")
        OpenAI(base_url=srv.azure_v1_base_url, api_key="k")              # /openai/v1/...

Time: progress is derived from timestamps on each request (no background work). Use
`clock=ManualClock()` and `srv.advance(seconds)` for exact control, or a small `step_seconds`.
Simulated moderation: an image whose top-left 8x8 pixels are magenta (255, 0, 255) is skipped as
"contains people or faces"; cyan (0, 255, 255) as "contains CAPTCHAs".
Faults: `srv.faults.add("429" | "500" | "disconnect" | "slow" | "fail_job" | "skip_images", ...)`.
Only stdlib and Pillow are used here: no core, service or Qt imports.
"""

from .clock import ManualClock
from .faults import Fault, Faults
from .image_screening import MODERATION_MARKERS
from .runner import DEFAULT_PORT, DEMO_STEP_SECONDS, main, run_emulator, serve_forever
from .server import DEFAULT_STEP_SECONDS, EmulatorServer

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
