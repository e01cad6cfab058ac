"""Who may send alerts: `INCIDENT_ALERT_TOKENS`, comma-separated secrets, each optionally named.

    INCIDENT_ALERT_TOKENS=prod-alertmanager:9f3c...e1,grafana:77ab...02

Alertmanager and Grafana send a secret as `Authorization: Bearer <secret>`; the Events API
endpoint takes it as the event's `routing_key`. A token's name (before the first colon) is shown
as where the alerts come from; an unnamed one shows the endpoint's (`Alertmanager`, ...). Secrets
are compared in constant time and never written anywhere: not in logs, errors or reprs.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

SECRET_MIN = 16  # the endpoints face the internet: a guessable secret is refused at start
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}")


@dataclass(frozen=True)
class AlertToken:
    name: str | None  # None: shown as the endpoint's own name
    secret: str = field(repr=False)


def read_tokens(text: str) -> tuple[AlertToken, ...]:
    """The tokens written in `text`; raises ValueError saying what is wrong (never quoting a secret)."""
    tokens: list[AlertToken] = []
    for position, written in enumerate((part.strip() for part in text.split(",")), start=1):
        if not written:
            continue
        name, colon, secret = written.partition(":")
        if not colon:
            name, secret = "", written
        if colon and not _NAME.fullmatch(name.strip()):
            raise ValueError(f"token #{position} has a name that is not 1-40 letters, digits, spaces, '.', '_' or '-'")
        if len(secret) < SECRET_MIN:
            raise ValueError(f"token #{position} has a secret shorter than {SECRET_MIN} characters")
        if any(hmac.compare_digest(secret, other.secret) for other in tokens):
            raise ValueError(f"token #{position} repeats the secret of another token")
        tokens.append(AlertToken(name.strip() or None, secret))
    return tuple(tokens)


def matching(tokens: Sequence[AlertToken], secret: str) -> AlertToken | None:
    """The token whose secret this is, comparing with every one in constant time."""
    found = None
    for token in tokens:
        if hmac.compare_digest(token.secret.encode(), secret.encode()):
            found = token
    return found


def bearer(authorization: str) -> str:
    """The secret of an `Authorization: Bearer <secret>` header ("" for anything else)."""
    scheme, _, credentials = authorization.strip().partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""
