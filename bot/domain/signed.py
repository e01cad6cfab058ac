"""Signed links (docs/behaviour.md, Subscribers): a confirmation or unsubscribe link carries who it
is for, a nonce and, for a confirmation, when it expires, signed with `INCIDENT_SECRET_KEY`.

`<subscriber id>.<nonce>.<expires, unix seconds; 0: never>.<signature>`, every part URL-safe. The
signature (HMAC-SHA256, 128 bits kept) covers the purpose too, so an unsubscribe link never
confirms. Single use is the nonce's business: the subscriber's stored nonce is cleared when the
link is used, so the same link, or a second one sent meanwhile, finds nothing to match.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

SIGNATURE_BYTES = 16
CONFIRMATION_LIFETIME = timedelta(hours=24)  # a confirmation link works this long after it was asked for


class Purpose(StrEnum):
    CONFIRM = "confirm"
    UNSUBSCRIBE = "unsubscribe"


class BadLink(ValueError):
    """A link that cannot be used: `expired` (signed, but too late) or not (forged, cut, another's)."""

    def __init__(self, *, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


@dataclass(frozen=True)
class Addressee:
    subscriber_id: int
    nonce: str


def sign(secret: str, purpose: Purpose, link: Addressee, expires: datetime | None = None) -> str:
    until = int(expires.timestamp()) if expires is not None else 0
    body = f"{link.subscriber_id}.{link.nonce}.{until}"
    return f"{body}.{_signature(secret, purpose, body)}"


def verify(secret: str, purpose: Purpose, token: str, now: datetime) -> Addressee:
    """The link `token` stands for; raises `BadLink`."""
    parts = token.split(".")
    if len(parts) != 4 or len(token) > 200:
        raise BadLink()
    subscriber, nonce, until, signature = parts
    body = f"{subscriber}.{nonce}.{until}"
    if not hmac.compare_digest(signature, _signature(secret, purpose, body)):
        raise BadLink()
    if not subscriber.isdigit() or not until.isdigit() or not nonce:
        raise BadLink()
    if int(until) and datetime.fromtimestamp(int(until), UTC) <= now:
        raise BadLink(expired=True)
    return Addressee(int(subscriber), nonce)


def _signature(secret: str, purpose: Purpose, body: str) -> str:
    mac = hmac.new(secret.encode(), f"{purpose.value}|{body}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:SIGNATURE_BYTES]).decode().rstrip("=")


def keyed(secret: str, text: str) -> str:
    """A stable digest of `text` under the secret (what the rate limits store instead of an
    address: the table never holds a client's IP address or an email address)."""
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()[:32]
