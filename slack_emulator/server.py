"""The emulator's HTTP server on loopback (the standard library's http.server; WebSockets by ``websockets``).

Routes:

- ``GET|POST /api/<method>``: the Slack Web API (``web_api.WebApi``);
- ``POST /response_url/<id>``: response URLs handed to the app with interactions;
- ``POST /upload/v1/<ticket>``: the upload URLs of ``files.getUploadURLExternal``
  (``methods_files.receive_upload``; 503 during an outage, like the Web API);
- ``POST /_emulator/faults``: inject faults from another process (``faults.apply_fault_command``);
- ``GET /_emulator/calls``: the call log as JSON;
- ``GET /archives/...``: permalinks resolve to a small text page;
- ``GET /socket-mode/<ticket>``: a WebSocket handshake for Socket Mode (``socket_mode``), checked
  and answered by the ``websockets`` library (``websocket``): a malformed handshake is refused as
  the library decides (400, 426, ...), an unknown or used ticket is answered 401.

Requests are HTTP/1.0 (one per connection) and each is served by its own non-daemon thread,
which ``close()`` joins; a Socket Mode connection keeps its thread until it closes, and
stopping the server closes every one first. An exception in a route is answered 500 and kept
in ``internal_errors``.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from slack_emulator.faults import CallLog, Faults, apply_fault_command
from slack_emulator.methods_files import UPLOAD_PATH, receive_upload
from slack_emulator.replies import post_to_response_url
from slack_emulator.socket_mode import SOCKET_MODE_PATH, SocketModeHub
from slack_emulator.state import Workspace
from slack_emulator.web_api import WebApi
from slack_emulator.websocket import WebSocket


class Router:
    """Maps a request (verb, path, headers, body) to a status, JSON body and headers."""

    def __init__(
        self, *, web_api: WebApi, workspace: Workspace, faults: Faults, log: CallLog, socket_mode: SocketModeHub
    ) -> None:
        self.web_api = web_api
        self.workspace = workspace
        self.faults = faults
        self.log = log
        self.socket_mode = socket_mode

    def route(self, verb: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, Any, dict[str, str]]:
        """Answer one request; the body is JSON unless it is a ``str`` (plain text)."""
        parts = urlsplit(target)
        path = parts.path
        if path.startswith("/api/"):
            reply = self.web_api.handle(path.removeprefix("/api/"), headers, parts.query, body)
            return reply.status, reply.body, reply.headers
        if path.startswith("/response_url/") and verb == "POST":
            status, answer = post_to_response_url(
                self.workspace, path.removeprefix("/response_url/"), body, headers.get("Content-Type", "")
            )
            return status, answer, {}
        if path.startswith(UPLOAD_PATH) and verb == "POST":
            if self.faults.is_down:
                return 503, "service unavailable\n", {}
            ticket = path.removeprefix(UPLOAD_PATH)
            content_type = next((value for key, value in headers.items() if key.lower() == "content-type"), "")
            status, text = receive_upload(self.workspace, ticket, content_type, body)
            return status, text, {}
        if path == "/_emulator/faults" and verb == "POST":
            try:
                apply_fault_command(self.faults, json.loads(body or b"{}"))
            except ValueError as error:
                return 400, {"ok": False, "error": str(error)}, {}
            return 200, {"ok": True}, {}
        if path == "/_emulator/calls" and verb == "GET":
            return 200, {"ok": True, "calls": [call.to_json() for call in self.log.calls()]}, {}
        if path.startswith("/archives/") and verb == "GET":
            return 200, f"Slack emulator permalink: {path}\n", {}
        return 404, {"ok": False, "error": "not_found"}, {}


class EmulatorHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that joins its request threads on close and stays quiet."""

    daemon_threads = False
    block_on_close = True

    def __init__(self, address: tuple[str, int], router: Router) -> None:
        self.router = router
        self.internal_errors: list[str] = []
        super().__init__(address, RequestHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Record instead of printing a traceback (e.g. a client that hung up)."""
        self.internal_errors.append(f"connection error from {client_address}")


class RequestHandler(BaseHTTPRequestHandler):
    """Reads one request, asks the router, writes the answer; never logs to stderr."""

    server: EmulatorHTTPServer
    timeout = 10
    server_version = "SlackEmulator/1.0"

    def do_GET(self) -> None:
        """Serve a GET (a Socket Mode WebSocket handshake included)."""
        if urlsplit(self.path).path.startswith(SOCKET_MODE_PATH):
            self._socket_mode()
            return
        self._serve("GET")

    def do_POST(self) -> None:
        """Serve a POST."""
        self._serve("POST")

    def _socket_mode(self) -> None:
        """Upgrade to a WebSocket and serve the app's Socket Mode connection until it closes."""
        hub = self.server.router.socket_mode
        ticket = urlsplit(self.path).path.removeprefix(SOCKET_MODE_PATH)

        def refusal() -> str | None:
            if hub.take_ticket(ticket):
                return None
            return "unknown or already used Socket Mode ticket: call apps.connections.open\n"

        websocket = WebSocket(self.connection, self.rfile.read1)
        self.connection.settimeout(None)  # an idle connection is normal; stopping the server ends it
        if websocket.accept(self.command, self.path, self.request_version, self.headers.items(), refusal):
            hub.serve(websocket)
            websocket.wait_closed()
        self.close_connection = True

    def _serve(self, verb: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {key: value for key, value in self.headers.items()}
        try:
            status, answer, extra = self.server.router.route(verb, self.path, headers, body)
        except Exception as error:  # noqa: BLE001 - answer 500 and keep the error for the test to see
            self.server.internal_errors.append(f"{verb} {self.path}: {error!r}")
            status, answer, extra = 500, {"ok": False, "error": "fatal_error", "detail": repr(error)}, {}
        self._write(status, answer, extra)

    def _write(self, status: int, answer: Any, extra: dict[str, str]) -> None:
        if isinstance(answer, str):
            payload, content_type = answer.encode(), "text/plain; charset=utf-8"
        else:
            payload, content_type = json.dumps(answer).encode(), "application/json; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the call log records what matters."""


class ServerThread:
    """Runs an ``EmulatorHTTPServer`` in a daemon thread; can stop and restart on the same port."""

    def __init__(self, router: Router, host: str = "127.0.0.1", port: int = 0) -> None:
        self.router = router
        self.host = host
        self.internal_errors: list[str] = []
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = port
        self.start()

    @property
    def listening(self) -> bool:
        """Whether the listening socket is open."""
        return self._server is not None

    def start(self) -> None:
        """Open the listening socket (on the same port as before, once bound) and serve."""
        if self._server is not None:
            return
        server = EmulatorHTTPServer((self.host, self.port), self.router)
        server.internal_errors = self.internal_errors
        self.port = server.server_address[1]
        self.router.socket_mode.reopen()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, name="slack-emulator", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Close the listening socket and Socket Mode connections; wait for every request thread."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.shutdown()
        self.router.socket_mode.close_all()
        server.server_close()
        thread.join()
        self._server = None
        self._thread = None
