"""`POST /slack/events` before Bolt: size, signature, then shape, cheapest refusal first.

Anyone on the internet can reach this URL, so nothing an unauthenticated client sends may
cost memory or produce a 5xx:

    413  a declared Content-Length over MAX_BODY_BYTES, refused before reading a byte; a body
         without Content-Length (chunked) is read at most MAX_BODY_BYTES + 1 bytes
         (`bot.request_body`, shared with the alert endpoints)
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

from bot.request_body import Refusal
from bot.slack.shapes import body_shape

SIGNATURE_MAX_AGE_SECONDS = 5 * 60


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
