"""`POST /slack/events` before Bolt: size, signature, then shape, cheapest refusal first.

Anyone on the internet can reach this URL, so nothing an unauthenticated client sends may
cost memory or produce a 5xx:

    413  a declared Content-Length over MAX_BODY_BYTES, refused before reading a byte; a body
         without Content-Length (chunked) is read at most MAX_BODY_BYTES + 1 bytes
         (`bot.request_body`, shared with the alert endpoints)
    400  a Content-Length that is not a number
    401  a missing, wrong or stale (over 5 minutes) signature
    400  a signed body Slack would never send, with the reason: not form data or JSON, not UTF-8,
         not an object, or an envelope `bot.slack.shapes` cannot read (naming the field)

Only then does Bolt see the body (and verify the signature again, as it always does). A body
whose envelope reads but whose details do not also goes to Bolt: the reading middleware
(`bot.slack.listeners`) tells the person waiting, which needs Bolt's answer.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from bot.reading import Malformed
from bot.request_body import Refusal
from bot.slack import shapes

SIGNATURE_MAX_AGE_SECONDS = 5 * 60
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


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


def check_shape(headers: Mapping[str, str], body: bytes) -> shapes.Incoming | None:
    """The typed request (`bot.slack.shapes`), read from the body as Bolt will parse it (a blank
    form field and a missing one read the same), for the reading middleware to take as it is.
    Refuse (400) a body that is not one Slack sends, or whose envelope cannot be read; a signed
    body Slack sent but the bot cannot read is logged as a warning (Slack changed). None: the
    details do not read but someone is waiting, whom the reading middleware tells."""
    decoded = decode(headers.get("content-type", ""), body)
    try:
        return shapes.read(decoded)
    except Malformed as malformed:
        if shapes.waiting(decoded) is None:
            raise Refusal(400, shapes.described(decoded, malformed), level=logging.WARNING) from None
        return None


def decode(content_type: str, raw: bytes) -> dict[str, Any]:
    """The body as Bolt will parse it: a form's fields, an interaction's payload, or the JSON;
    Refusal(400) for a body that is none of them."""
    kind = content_type.split(";")[0].strip().lower()
    if kind not in (FORM, JSON):
        raise Refusal(400, f"Content-Type must be {FORM} or {JSON}", level=logging.WARNING)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refusal(400, "the body is not UTF-8", level=logging.WARNING) from None
    if kind == FORM:
        form = _form(text)
        if "payload" not in form:
            return form
        return _json_object(form["payload"], "payload")
    return _json_object(text, "the body")


def _form(text: str) -> dict[str, str]:
    if text.startswith("{"):
        raise Refusal(400, "a form body cannot start with '{'", level=logging.WARNING)
    try:
        fields = parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict")
    except (ValueError, UnicodeDecodeError):
        raise Refusal(400, "the body is not URL-encoded form data", level=logging.WARNING) from None
    form: dict[str, str] = {}
    for name, value in fields:
        if name in form:
            raise Refusal(400, f"the form field {name} is repeated", level=logging.WARNING)
        form[name] = value
    return form


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise Refusal(400, f"{what} is not JSON", level=logging.WARNING) from None
    if not isinstance(value, dict):
        raise Refusal(400, f"{what} is not a JSON object", level=logging.WARNING)
    return value
