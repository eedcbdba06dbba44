"""The socket server under the emulator: threads per connection, and the list of open connections.

Its own module, between `server` (which starts it) and `handler` (which runs under it), so that
neither has to import the other's module back: the handler is passed in, and the emulator is seen
through the `Backend` protocol (what a request needs), not as the `EmulatorServer` class.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol

from studio.emulator.http.faults import Faults
from studio.emulator.state.store import EmulatorState


class Backend(Protocol):
    """What a request handler needs from the running emulator (`EmulatorServer` provides it)."""

    state: EmulatorState
    faults: Faults
    api_keys: frozenset[str] | None


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emulator: Backend,
                 handler: type[BaseHTTPRequestHandler]) -> None:
        self.emulator = emulator
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def track_connection(self, conn: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(conn)

    def untrack_connection(self, conn: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(conn)

    def close_client_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
