"""A tiny signature-checking app served over HTTP, standing in for the bot's request URL."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

from bot.serve import make_http_server

SIGNING_SECRET = "test-signing-secret"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@contextmanager
def serve_wsgi(app: WSGIApp) -> Iterator[str]:
    """Serve a WSGI app on loopback in a thread; yields its ``/slack/events`` URL."""
    server = make_http_server(app, host="127.0.0.1", port=0)  # the product's own server
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@dataclass(frozen=True)
class Received:
    """One request the app received, and whether its Slack signature checked out."""

    headers: dict[str, str]
    body: bytes
    signature_valid: bool

    @property
    def form(self) -> dict[str, str]:
        """The form fields (a slash command, or ``payload``)."""
        return {key: values[-1] for key, values in parse_qs(self.body.decode()).items()}

    @property
    def payload(self) -> dict[str, Any]:
        """The JSON payload: ``payload=`` of an interaction, or the JSON body of an event."""
        if self.headers.get("content-type", "").startswith("application/json"):
            decoded: dict[str, Any] = json.loads(self.body)
            return decoded
        decoded = json.loads(self.form["payload"])
        return decoded


Responder = Callable[[Received], tuple[int, Any]]


class SignedApp:
    """A tiny WSGI app that verifies Slack's signature (401 when wrong) and records every request.

    ``respond`` decides the answer of valid requests: (status, body) where a dict body is sent
    as JSON, a str as text, None as an empty body.
    """

    def __init__(self, secret: str = SIGNING_SECRET) -> None:
        self.verifier = SignatureVerifier(secret)
        self.received: list[Received] = []
        self.respond: Responder = lambda request: (200, None)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Handle one WSGI request."""
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        headers = {
            key[5:].replace("_", "-").lower(): str(value) for key, value in environ.items() if key.startswith("HTTP_")
        }
        headers["content-type"] = environ.get("CONTENT_TYPE", "")
        request = Received(headers, body, self.verifier.is_valid_request(body, headers))
        self.received.append(request)
        status, answer = (401, "invalid signature") if not request.signature_valid else self.respond(request)
        if isinstance(answer, dict):
            payload, content_type = json.dumps(answer).encode(), "application/json"
        else:
            payload, content_type = ("" if answer is None else str(answer)).encode(), "text/plain"
        start_response(f"{status} X", [("Content-Type", content_type), ("Content-Length", str(len(payload)))])
        return [payload]
