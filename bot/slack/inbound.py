"""`POST /slack/events` before Bolt: size, signature, then shape, cheapest refusal first.

Anyone on the internet can reach this URL, so nothing an unauthenticated client sends may
cost memory or produce a 5xx:

    413  a declared Content-Length over MAX_BODY_BYTES, refused before reading a byte; a body
         without Content-Length (chunked) is read at most MAX_BODY_BYTES + 1 bytes
    400  a Content-Length that is not a number
    401  a missing, wrong or stale (over 5 minutes) signature
    400  a signed body Slack would never send (`bot.slack.shapes`), with a short reason

Only then does Bolt see the body (and verify the signature again, as it always does).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from typing import IO, TYPE_CHECKING

from bot.slack.shapes import body_shape

if TYPE_CHECKING:
    from wsgiref.types import WSGIEnvironment

MAX_BODY_BYTES = 1024 * 1024  # Slack's payloads are a few kilobytes; 1 MiB is generous
SIGNATURE_MAX_AGE_SECONDS = 5 * 60
_READ_STEP = 64 * 1024


class Refusal(Exception):
    """An answer given without Bolt: the HTTP status and a one-line reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status} {reason}")
        self.status = status
        self.reason = reason


def read_body(environ: WSGIEnvironment) -> bytes:
    """The request body, never more than MAX_BODY_BYTES of it in memory."""
    declared = (environ.get("CONTENT_LENGTH") or "").strip()
    stream: IO[bytes] | None = environ.get("wsgi.input")
    if declared:
        if not declared.isdigit():
            raise Refusal(400, "Content-Length is not a number")
        length = int(declared)
        if length > MAX_BODY_BYTES:
            raise Refusal(413, f"the body is over {MAX_BODY_BYTES} bytes")
        return stream.read(length) if stream is not None and length else b""
    if stream is None or "chunked" not in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower():
        return b""
    pieces: list[bytes] = []
    size = 0
    while size <= MAX_BODY_BYTES:
        piece = stream.read(min(_READ_STEP, MAX_BODY_BYTES + 1 - size))
        if not piece:
            return b"".join(pieces)
        pieces.append(piece)
        size += len(piece)
    raise Refusal(413, f"the body is over {MAX_BODY_BYTES} bytes")


def check_signature(
    secret: str, headers: Mapping[str, str], body: bytes, *, now: Callable[[], float] = time.time
) -> None:
    """Slack's v0 signature over `v0:<timestamp>:<body>`; raises Refusal(401) unless it matches."""
    stamp = headers.get("x-slack-request-timestamp", "")
    given = headers.get("x-slack-signature", "")
    if not secret or not stamp.isdigit() or abs(now() - int(stamp)) > SIGNATURE_MAX_AGE_SECONDS:
        raise Refusal(401, "invalid request")
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(f"v0={digest}", given):
        raise Refusal(401, "invalid request")


def check_shape(headers: Mapping[str, str], body: bytes) -> None:
    reason = body_shape(headers.get("content-type", ""), body)
    if reason is not None:
        raise Refusal(400, reason)


def request_headers(environ: WSGIEnvironment) -> dict[str, str]:
    """Lower-case header names, as Bolt and Slack's documentation spell them."""
    headers = {
        key[5:].lower().replace("_", "-"): str(value) for key, value in environ.items() if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.lower().replace("_", "-")] = str(environ[key])
    return headers
