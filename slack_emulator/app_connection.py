"""Slack's side of the app's request URL: signed HTTP requests, as Slack sends them.

Every request carries ``X-Slack-Request-Timestamp`` and ``X-Slack-Signature`` computed with
``slack_sdk.signature.SignatureVerifier`` from the app's signing secret. Event deliveries are
kept by ``event_id`` so that one can be redelivered with Slack's retry headers.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from slack_emulator.records import JSON

FORM = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"
SLACK_ACK_SECONDS = 3.0


@dataclass(frozen=True)
class AppResponse:
    """The app's answer to one request: status, seconds taken, parsed body, what was sent.

    ``body`` is the decoded JSON, the text when not JSON, or None when empty. ``status`` is 0
    when no HTTP answer came (connection refused, timeout: see ``error``).
    """

    status: int
    elapsed: float
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    sent: JSON = field(default_factory=dict)
    error: str | None = None

    @property
    def json(self) -> JSON:
        """The body as a JSON object ({} when empty or not an object)."""
        return self.body if isinstance(self.body, dict) else {}

    @property
    def acked_in_time(self) -> bool:
        """Whether Slack would accept this ack: HTTP 200 within 3 seconds."""
        return self.status == 200 and self.elapsed <= SLACK_ACK_SECONDS


def parse_body(raw: bytes) -> Any:
    """The response body as JSON when it is JSON, else as text (None when empty)."""
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


class AppTransport(Protocol):
    """How people's actions reach the app: signed HTTP (``AppConnection``) or Socket Mode."""

    def send_form(self, fields: list[tuple[str, str]]) -> AppResponse:
        """Deliver a slash command's fields."""
        ...

    def send_payload(self, payload: JSON) -> AppResponse:
        """Deliver an interaction payload."""
        ...

    def send_event(self, envelope: JSON) -> AppResponse:
        """Deliver an Events API ``event_callback`` and keep it for redelivery."""
        ...

    def redeliver(self, event_id: str, *, retry_num: int = 1, retry_reason: str = "http_timeout") -> AppResponse:
        """Deliver a kept event again, marked as Slack's retry number ``retry_num``."""
        ...


class AppConnection:
    """Where and how to reach the app: its request URL and signing secret."""

    def __init__(self, request_url: str, signing_secret: str, *, timeout: float = 10.0) -> None:
        self.request_url = request_url
        self.signing_secret = signing_secret
        self.timeout = timeout
        self.verifier = SignatureVerifier(signing_secret)
        self.events: dict[str, bytes] = {}

    def send(
        self,
        body: bytes | str,
        content_type: str,
        headers: dict[str, str] | None = None,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        sent: JSON | None = None,
    ) -> AppResponse:
        """POST ``body`` signed for ``timestamp`` (now by default) unless ``signature`` is given."""
        raw = body.encode() if isinstance(body, str) else body
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        request_headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature or self.sign(stamp, raw),
            **(headers or {}),
        }
        request = urllib.request.Request(  # noqa: S310 - the app URL the test gave
            self.request_url, data=raw, headers=request_headers, method="POST"
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - the app URL the test gave
                status, answer, answer_headers = response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            with error:
                status, answer, answer_headers = error.code, error.read(), dict(error.headers)
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            elapsed = time.perf_counter() - started
            return AppResponse(0, elapsed, None, sent=sent or {}, error=repr(error))
        elapsed = time.perf_counter() - started
        return AppResponse(status, elapsed, parse_body(answer), answer_headers, sent or {})

    def sign(self, timestamp: str, body: bytes) -> str:
        """The ``v0=...`` signature Slack computes for this timestamp and body."""
        signature = self.verifier.generate_signature(timestamp=timestamp, body=body)
        if signature is None:
            raise ValueError("cannot sign: no signing secret")
        return signature

    def send_form(self, fields: list[tuple[str, str]]) -> AppResponse:
        """POST form fields (a slash command)."""
        return self.send(urlencode(fields), FORM, sent=dict(fields))

    def send_payload(self, payload: JSON) -> AppResponse:
        """POST an interaction payload as ``payload=<json>``, the way Slack does."""
        return self.send(urlencode({"payload": json.dumps(payload)}), FORM, sent=payload)

    def send_event(self, envelope: JSON) -> AppResponse:
        """POST an Events API envelope as JSON and keep it for redelivery."""
        raw = json.dumps(envelope).encode()
        self.events[str(envelope["event_id"])] = raw
        return self.send(raw, JSON_TYPE, sent=envelope)

    def redeliver(self, event_id: str, *, retry_num: int = 1, retry_reason: str = "http_timeout") -> AppResponse:
        """Send the same event again with ``X-Slack-Retry-Num``/``X-Slack-Retry-Reason``."""
        raw = self.events[event_id]
        headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self.send(raw, JSON_TYPE, headers, sent=json.loads(raw))

    def url_verification(self, challenge: str) -> AppResponse:
        """Slack's ``url_verification`` handshake; the app must echo ``challenge``."""
        body = {"token": "emulator-verification-token", "challenge": challenge, "type": "url_verification"}
        return self.send(json.dumps(body), JSON_TYPE, sent=body)
