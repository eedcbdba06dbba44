"""`EmulatorServer`: the emulator as an object tests and the demo can start, query and stop.

    with EmulatorServer(step_seconds=0.01) as srv:
        client = OpenAI(base_url=srv.base_url, api_key="test")
        azure = AzureOpenAI(azure_endpoint=srv.azure_endpoint, api_version="2025-04-01-preview", api_key="k")

The socket is bound in the constructor (so `port` and the URLs are known at once); `start()` serves
from a background thread; `stop()` also closes kept-alive client connections, so a stopped emulator
really stops answering.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

from studio.emulator.state.clock import Clock, ManualClock, wall_clock
from studio.emulator.state.store import EmulatorState
from studio.emulator.http.faults import Faults
from studio.emulator.http.handler import EmulatorRequestHandler
from studio.emulator.http.httpd import EmulatorHTTPServer
from studio.emulator.state.arm_store import ArmStore, ArmTiming
from studio.emulator.state.records import Timing

# Fast enough that a 10-example job finishes in well under a second of wall time.
DEFAULT_STEP_SECONDS = 0.02


class EmulatorServer:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        api_keys: Iterable[str] | str | None = None,
        step_seconds: float = DEFAULT_STEP_SECONDS,
        clock: Clock | None = None,
        data_dir: str | Path | None = None,
    ) -> None:
        """`api_keys`: accepted keys/tokens (for `api-key` and `Authorization: Bearer` alike); None accepts
        any non-empty value. `clock`: a callable returning seconds (e.g. `ManualClock()`); default wall
        clock. `data_dir`: persist state there and continue from it after a restart."""
        if isinstance(api_keys, str):
            api_keys = [api_keys]
        self.api_keys: frozenset[str] | None = frozenset(api_keys) if api_keys is not None else None
        self.clock: Clock = clock if clock is not None else wall_clock
        self.faults = Faults()
        self.state = EmulatorState(self.clock, Timing.from_step_seconds(step_seconds), Path(data_dir) if data_dir is not None else None)
        self._httpd = EmulatorHTTPServer((host, port), self, EmulatorRequestHandler)
        self._host = "127.0.0.1" if host in ("0.0.0.0", "") else host
        self._thread: threading.Thread | None = None
        # Azure Resource Manager (deployments), served at the root of the same port.
        self.arm = ArmStore(ArmTiming.from_step_seconds(step_seconds), default_endpoint=self.azure_endpoint,
                            path=Path(data_dir) / "arm.json" if data_dir is not None else None)
        self.state.arm = self.arm

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> "EmulatorServer":
        if self._thread is not None:
            raise RuntimeError("the emulator is already running")
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=f"emulator:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.close_client_connections()
        self._httpd.server_close()

    def __enter__(self) -> "EmulatorServer":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- addresses -----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def azure_endpoint(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.azure_endpoint}/v1"

    @property
    def arm_base_url(self) -> str:
        """Where the management SDKs point (`base_url=`) instead of https://management.azure.com."""
        return self.azure_endpoint

    @property
    def azure_v1_base_url(self) -> str:
        return f"{self.azure_endpoint}/openai/v1/"

    # --- time ----------------------------------------------------------------------------------

    @property
    def timing(self) -> Timing:
        return self.state.timing

    def advance(self, seconds: float) -> float:
        """Move a `ManualClock` forward; refuses with the wall clock, which cannot be moved."""
        if not isinstance(self.clock, ManualClock):
            raise TypeError("advance() needs EmulatorServer(clock=ManualClock())")
        return self.clock.advance(seconds)
