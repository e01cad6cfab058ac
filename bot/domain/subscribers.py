"""People and systems who follow the status page (docs/behaviour.md, Subscribers): pure rules.

A subscriber is an email address (double opt-in from the status page's form) or a webhook URL
(added by an operator), with a language and, optionally, the catalog components they follow.
What is accepted as an address is deliberately narrow: it ends up in a mail header, so anything
that could start a new header line or hide another address is refused, never cleaned up.
An address shown anywhere but the mail itself is masked (`masked`): logs never carry it in full.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

from bot.errors import UsageError

EMAIL_MAX = 254  # RFC 5321's limit on a forward path, less its angle brackets
LOCAL_MAX = 64
URL_MAX = 2000
COMPONENTS_MAX = 50  # components one subscriber may choose
# An address of plain ASCII: a local part of atext and dots, a domain of LDH labels with a dot.
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


class Medium(StrEnum):
    """How a subscriber hears of an update."""

    MAIL = "mail"
    WEBHOOK = "webhook"


class SubscriberState(StrEnum):
    PENDING = "pending"  # asked by mail, not confirmed yet: sent nothing but the confirmation
    CONFIRMED = "confirmed"  # receives every update it wants
    UNSUBSCRIBED = "unsubscribed"
    FAILING = "failing"  # a webhook that refused every attempt for a day: sent nothing more
    BOUNCED = "bounced"  # the mail server refused the address for good

    @property
    def receives(self) -> bool:
        return self is SubscriberState.CONFIRMED


@dataclass(frozen=True)
class Subscriber:
    id: int
    medium: Medium
    address: str  # the email address, or the webhook's URL
    language: str
    components: frozenset[str]  # catalog ids; empty: every update
    state: SubscriberState
    created_at: datetime
    confirmed_at: datetime | None = None

    @property
    def shown(self) -> str:
        return masked(self.address)


class AddressRefused(UsageError):
    """An email address the bot will not write to; `key` names the reason in the wording
    (`subscribe.refused.<key>`), so the form says it in the reader's language."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Reach:
    """A published text's deliveries to subscribers: sent so far, still to go."""

    sent: int
    waiting: int


@dataclass(frozen=True)
class SubscriberCounts:
    """How many subscribers each medium has in each state, and what was sent to them, by
    (medium, kind: confirmation | update | correction, state: pending | sent | failed)."""

    subscribers: Mapping[tuple[Medium, SubscriberState], int]
    deliveries: Mapping[tuple[str, str, str], int]

    def of(self, medium: Medium, state: SubscriberState) -> int:
        return self.subscribers.get((medium, state), 0)

    def sent(self, *, kind: str | None = None, state: str = "sent") -> int:
        return sum(n for (_, k, s), n in self.deliveries.items() if s == state and kind in (None, k))


def check_email(text: str) -> str:
    """The address as stored, lower-cased: one mailbox is one subscriber, however its address was
    written (every mail provider reads `Ann@` as `ann@`); raises `AddressRefused` saying what is wrong."""
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in text):
        raise AddressRefused("control", "An email address cannot contain line breaks or control characters.")
    address = text.strip()
    if not address:
        raise AddressRefused("empty", "Write your email address.")
    if len(address) > EMAIL_MAX:
        raise AddressRefused("long", f"An email address is at most {EMAIL_MAX} characters.")
    local, at, domain = address.rpartition("@")
    if not at or not _LOCAL.fullmatch(local) or len(local) > LOCAL_MAX or not _is_domain(domain):
        raise AddressRefused("shape", "That is not an email address: write it as name@example.com.")
    return f"{local}@{domain}".lower()


def _is_domain(domain: str) -> bool:
    labels = domain.split(".")
    return len(labels) >= 2 and all(_LABEL.fullmatch(label) for label in labels) and not labels[-1].isdigit()


def check_webhook_url(text: str) -> str:
    """A URL the bot may POST to: http(s), a host, no credentials, no fragment, no spaces."""
    url = text.strip()
    if not url or len(url) > URL_MAX or any(char.isspace() or ord(char) < 0x20 for char in url):
        raise UsageError(f"A webhook URL is one http(s) address of at most {URL_MAX} characters, without spaces.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise UsageError(f"{url!r} is not a URL.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{url!r} is not an http(s) address.")
    if parts.username is not None or parts.password is not None:
        raise UsageError("Put no user name or password in a webhook URL: the requests are signed instead.")
    if parts.fragment or url.endswith("#"):
        raise UsageError("A webhook URL has no #fragment: the receiver would never see it.")
    return url


def check_components(chosen: Iterable[str], known: Iterable[str]) -> frozenset[str]:
    """The catalog components a subscriber follows: each must be one of `known` (public ones)."""
    wanted = frozenset(chosen)
    unknown = sorted(wanted - frozenset(known))
    if unknown:
        raise UsageError(f"No such component: {', '.join(unknown[:5])}.")
    if len(wanted) > COMPONENTS_MAX:
        raise UsageError(f"Choose at most {COMPONENTS_MAX} components.")
    return wanted


def wants(components: frozenset[str], affected: frozenset[str]) -> bool:
    """Does a subscriber following `components` (none: everything) want an update of an incident
    that affects `affected`? An incident that names no component reaches only those following
    everything (Statuspage's rule: component subscribers hear of their components)."""
    return not components or bool(components & affected)


def masked(address: str) -> str:
    """An address as logs and operators' listings show it: enough to tell two apart, not to write to.
    `jane.doe@example.com` -> `ja***@ex***.com #1f3a`; a URL keeps its host's first letters."""
    digest = hashlib.sha256(address.encode()).hexdigest()[:4]
    if "://" in address:
        host = urlsplit(address).hostname or ""
        return f"{urlsplit(address).scheme}://{_start(host)}/… #{digest}"
    local, _, domain = address.rpartition("@")
    name, _, top = domain.rpartition(".")
    return f"{_start(local)}@{_start(name)}.{top} #{digest}"


def _start(text: str) -> str:
    return f"{text[:2]}***"
