"""Reading a request from anyone on the internet (Slack's `POST /slack/events`, the alert
endpoints): never more than `MAX_BODY_BYTES` in memory, a declared size over it refused before a
byte is read, and an answer given without reading on (`Refusal`: the status and a short reason)."""

from __future__ import annotations

import logging
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from wsgiref.types import WSGIEnvironment

MAX_BODY_BYTES = 1024 * 1024  # Slack's payloads and alert notifications are kilobytes; 1 MiB is generous
_READ_STEP = 64 * 1024


class Refusal(Exception):
    """An answer given before the request is handled: the HTTP status and a one-line reason;
    `level`: how loud to log it (a body its sender signed but the bot cannot read is a warning)."""

    def __init__(self, status: int, reason: str, *, level: int = logging.INFO) -> None:
        super().__init__(f"{status} {reason}")
        self.status = status
        self.reason = reason
        self.level = level


def read_body(environ: WSGIEnvironment) -> bytes:
    """The request body, never more than MAX_BODY_BYTES of it in memory: 413 when the declared
    Content-Length is over it (before reading), or when a chunked body grows past it."""
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


def request_headers(environ: WSGIEnvironment) -> dict[str, str]:
    """Lower-case header names, as Bolt and Slack's documentation spell them."""
    headers = {
        key[5:].lower().replace("_", "-"): str(value) for key, value in environ.items() if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.lower().replace("_", "-")] = str(environ[key])
    return headers
