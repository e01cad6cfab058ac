"""POSTing an update to a webhook subscriber, signed with the Standard Webhooks scheme.

Headers `webhook-id` (the same for every attempt at one delivery: the receiver's idempotency
key), `webhook-timestamp` and `webhook-signature` (`v1,<base64 HMAC-SHA256>` over
`id.timestamp.body`, made by the `standardwebhooks` package from the body exactly as sent). A 2xx
answer is success; anything else, a redirect included (Statuspage and the spec both call 3xx a
failure), a timeout or a refused connection is a failure the caller retries with backoff.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from http.client import HTTPException
from typing import IO, Any

from standardwebhooks import Webhook

TIMEOUT_SECONDS = 10.0  # Statuspage allows 30 s; a slow receiver holds only its own worker this long
USER_AGENT = "incident-bot-webhooks/1"


class WebhookFailed(Exception):
    """The receiver did not take it: `status` (None: no answer), `retry_after` when it said."""

    def __init__(self, reason: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class Signed:
    body: str
    headers: dict[str, str]


def signed(body: str, *, secret: str, message_id: str, at: datetime) -> Signed:
    """The body and the Standard Webhooks headers (signed over `str`, as the package expects)."""
    signature = Webhook(secret).sign(message_id, at, body)
    return Signed(
        body,
        {
            "webhook-id": message_id,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signature,
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
        },
    )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx is answered as an HTTPError: a failure


class WebhookPoster:
    def __init__(self, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirects())

    def post(self, url: str, message: Signed) -> int:
        """POST it; the 2xx status, or `WebhookFailed`."""
        request = urllib.request.Request(url, data=message.body.encode(), headers=message.headers, method="POST")  # noqa: S310 - http(s) only, checked when added
        try:
            with self._opener.open(request, timeout=self.timeout) as answer:
                _drain(answer)
                status = int(answer.status)
        except urllib.error.HTTPError as error:
            retry_after = error.headers.get("Retry-After") if error.headers else None
            raise WebhookFailed(
                f"HTTP {error.code}",
                status=error.code,
                retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None,
            ) from None
        except (urllib.error.URLError, HTTPException, OSError) as error:
            raise WebhookFailed(f"no answer ({type(error).__name__})") from None
        if not 200 <= status < 300:
            raise WebhookFailed(f"HTTP {status}", status=status)
        return status


def _drain(answer: IO[bytes]) -> None:
    answer.read(64 * 1024)  # the body is not used; read a little so the connection closes cleanly
