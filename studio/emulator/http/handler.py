"""HTTP plumbing: read the request, authenticate, apply faults, dispatch, write the response.

Order of checks per request: known URL prefix (404) -> auth header (401) -> Azure api-version (400)
-> request faults -> handler. Every refusal is the service's JSON error body.
"""

from __future__ import annotations

import json
import socket
import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from studio.emulator.api import arm
from studio.emulator.http.errors import ApiError, rate_limited, server_error
from studio.emulator.http.request import ApiRequest, ApiResponse
from studio.emulator.http.auth import check_auth
from studio.emulator.state.store import RequestRecord
from studio.emulator.http.faults import Fault
from studio.emulator.state.ids import new_request_id
from studio.emulator.http.routes import dispatch
from studio.emulator.http.url_styles import ParsedUrl, parse_url, require_api_version

if TYPE_CHECKING:
    from studio.emulator.http.httpd import EmulatorHTTPServer

IDLE_CONNECTION_TIMEOUT_SECONDS = 30


class _Dropped(Exception):
    """The connection is to be closed without an answer (fault injection)."""


class EmulatorRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_CONNECTION_TIMEOUT_SECONDS
    server: "EmulatorHTTPServer"
    server_version = "FineTuneEmulator"
    # One buffered write per response and no Nagle: avoids the 40 ms delayed-ACK stall per request.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        self.server.track_connection(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:  # the client went away (timeouts, dropped connections): nothing left to send
            pass
        finally:
            self.server.untrack_connection(self.connection)

    def handle(self) -> None:
        try:
            super().handle()
        except ConnectionError:  # client gone mid-answer (its timeout, or a dropped connection)
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - signature from the stdlib
        """Quiet: tests and the demo read `state.requests` instead of a console log."""

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    # --- request -----------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self) -> None:
        emulator = self.server.emulator
        state = emulator.state
        split = urlsplit(self.path)
        query = parse_qs(split.query, keep_blank_values=True)
        body = self._read_body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        if arm.is_arm_path(split.path):
            self._handle_arm(split.path, query, headers, body)
            return
        url: ParsedUrl | None = None
        try:
            url = parse_url(split.path, query)
            check_auth(headers, url.style, emulator.api_keys)
            require_api_version(url)
            fault = emulator.faults.take_request_fault(self.command, url.resource_path)
            self._apply_fault_before(fault)
            request = ApiRequest(self.command, url, query, headers, body, state.now())
            with state.lock:
                state.refresh(request.now)
            response: ApiResponse | None = self._apply_fault_after(fault, dispatch(state, emulator.faults, request), url)
        except ApiError as error:
            response = ApiResponse(error.status, json_body=error.body(url.style.value if url else None), headers=error.headers)
        except _Dropped:
            response = None
        except Exception as exc:  # a bug in the emulator: still answer like the service would
            traceback.print_exc(file=sys.stderr)
            internal = server_error(f"The emulator hit an internal error ({type(exc).__name__}). This is a bug in the emulator.")
            response = ApiResponse(500, json_body=internal.body(url.style.value if url else None))
        # Logged before answering, so a client that got its answer can rely on the log.
        state.requests.append(RequestRecord(
            self.command, split.path, url.resource_path if url else None, url.style.value if url else None,
            response.status if response is not None else 0,
        ))
        if response is None:
            self._drop()
        else:
            self._write(response)

    def _handle_arm(self, path: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes) -> None:
        """Azure Resource Manager (deployments): its own auth, api-version and error rules, see `api.arm`."""
        emulator = self.server.emulator
        state = emulator.state
        host = headers.get("host") or "{}:{}".format(*self.server.server_address[:2])
        request = arm.ArmRequest(self.command, path, query, headers, body, state.now(), f"http://{host}")
        response: ApiResponse | None
        try:
            if state.arm is None:
                raise arm.ArmError(404, "InvalidResourceType", "This emulator serves no Resource Manager endpoints.")
            response = arm.serve(state, state.arm, emulator.faults, emulator.api_keys, request)
        except arm.ArmError as refusal:
            response = ApiResponse(refusal.status, json_body=refusal.body())
        except arm.Dropped:
            response = None
        except Exception as exc:  # a bug in the emulator: still answer like ARM would
            traceback.print_exc(file=sys.stderr)
            error = arm.ArmError(500, "InternalServerError", f"The emulator hit an internal error ({type(exc).__name__}). This is a bug in the emulator.")
            response = ApiResponse(500, json_body=error.body())
        state.requests.append(RequestRecord(self.command, path, path, "arm", response.status if response is not None else 0))
        if response is None:
            self._drop()
        else:
            self._write(response)

    # --- faults ------------------------------------------------------------------------------

    def _apply_fault_before(self, fault: Fault | None) -> None:
        if fault is None:
            return
        after = bool(fault.options.get("after_processing"))
        if fault.kind == "429":
            raise rate_limited("Rate limit reached for requests (injected by the emulator). Retry after a short wait.",
                               float(fault.options.get("retry_after", 0.05)))
        if fault.kind == "500" and not after:
            raise server_error(fault.options.get("message") or "The server had an error while processing your request (injected by the emulator).")
        if fault.kind == "disconnect" and not after:
            raise _Dropped()
        if fault.kind == "slow":
            time.sleep(float(fault.options.get("delay", 1.0)))

    def _apply_fault_after(self, fault: Fault | None, response: ApiResponse, url: ParsedUrl) -> ApiResponse:
        if fault is None or not fault.options.get("after_processing"):
            return response
        if fault.kind == "disconnect":
            raise _Dropped()
        error = server_error(fault.options.get("message") or "The server had an error after processing your request (injected by the emulator).")
        return ApiResponse(error.status, json_body=error.body(url.style.value))

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # --- response ----------------------------------------------------------------------------

    def _write(self, response: ApiResponse) -> None:
        if response.status == 204:  # [facts §6] DELETE job: 204, no body
            payload = b""
        else:
            payload = response.raw if response.raw is not None else json.dumps(response.json_body).encode("utf-8")
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("x-request-id", new_request_id())
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
