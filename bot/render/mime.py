"""A `Letter` as the message a mail server receives: `multipart/alternative` (plain text, then
HTML), with the headers mailing lists are expected to carry (RFC 2369, 2919, 8058).

- `Message-ID`: the same for every attempt at one delivery (`message_id`), so a mail sent twice
  after an unknown outcome is one message to the receiving side;
- `References`: the incident's own id, so a mail reader threads an incident's updates;
- `List-Id`: one stable id for the page's list, under the status page's own domain;
- `List-Unsubscribe` (the signed https link and a `mailto:`) and
  `List-Unsubscribe-Post: List-Unsubscribe=One-Click`: one-click unsubscribe (RFC 8058);
- `Auto-Submitted: auto-generated` (RFC 3834): no vacation auto-reply comes back.

Header values come from checked addresses and settings, and each is checked again to be one line
(`HeaderInjection`), so no field can add a header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email import charset, policy
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import format_datetime
from typing import cast
from urllib.parse import quote, urlsplit

from bot.render.mail import Letter, as_html, as_text

# Runs of spaces and line breaks, but not the no-break spaces French puts before ":".
_ONE_LINE = re.compile(r"[^\S\u00a0\u202f]+")
_UTF8 = charset.Charset("utf-8")
_UTF8.body_encoding = charset.QP  # readable in the source, safe for any line length
_SMTP = policy.compat32.clone(linesep="\r\n", max_line_length=998)  # RFC 5322: 998 at most; no odd folds


@dataclass(frozen=True)
class Envelope:
    sender: str  # the From header: `Chirper status <status@example.com>`
    to: str
    message_id: str  # `<...>`
    date: datetime
    list_id: str  # `Chirper status updates <updates.status.example.com>`
    unsubscribe_url: str | None = None  # the signed one-click link (update mails only)
    unsubscribe_mailto: str | None = None
    references: tuple[str, ...] = ()


def message(letter: Letter, envelope: Envelope) -> bytes:
    """The message as sent (CRLF lines): built with the email package's compat32 classes, which
    take a tenth of the time of `EmailMessage` (whose header registry parses every value back);
    so every header value is checked here to be one line (`HeaderInjection`) and non-ASCII
    values are RFC 2047 encoded."""
    mail = MIMEMultipart("alternative")
    for name, value in headers(letter, envelope):
        mail[name] = cast("str", _one_line(value))  # compat32 takes a Header too; typeshed says str
    for subtype, text in (("plain", as_text(letter)), ("html", as_html(letter))):
        part = MIMENonMultipart("text", subtype)
        part.set_payload(text, _UTF8)  # sets the charset parameter and quoted-printable
        mail.attach(part)
    return mail.as_bytes(policy=_SMTP)


def headers(letter: Letter, envelope: Envelope) -> list[tuple[str, str]]:
    shown = [
        ("From", envelope.sender),
        ("To", envelope.to),
        ("Subject", _ONE_LINE.sub(" ", letter.subject).strip()),  # one line, whatever the title held
        ("Date", format_datetime(envelope.date)),
        ("Message-ID", envelope.message_id),
        ("List-Id", envelope.list_id),
        ("Auto-Submitted", "auto-generated"),
        ("Content-Language", letter.language),
    ]
    if envelope.references:
        shown += [("References", " ".join(envelope.references)), ("In-Reply-To", envelope.references[-1])]
    if envelope.unsubscribe_url is not None:
        targets = [f"<{envelope.unsubscribe_url}>"]
        if envelope.unsubscribe_mailto is not None:
            targets.append(f"<{envelope.unsubscribe_mailto}>")
        shown += [("List-Unsubscribe", ", ".join(targets)), ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")]
    return shown


class HeaderInjection(ValueError):
    """A header value that would start another header line: never sent."""


def _one_line(value: str) -> str | Header:
    """The value as set: checked to be one line, RFC 2047 encoded (folded by the generator) when not ASCII."""
    if any(char in value for char in "\r\n\0"):
        raise HeaderInjection(f"a header value holds a line break: {value[:40]!r}")
    return value if value.isascii() else Header(value, "utf-8")


def message_id(what: str, number: int, domain: str) -> str:
    """`<update.1234@example.com>`: short (a long one gets folded), the same for every attempt."""
    return f"<{what}.{number}@{domain}>"


def list_id(name: str, status_url: str) -> str:
    """`Chirper <updates.status.example.com>`: the list's id under the status page's host (a
    domain the operator controls), the same in every language (mail filters key on it)."""
    host = urlsplit(status_url).hostname or "localhost"
    phrase = "".join(char for char in name if char.isalnum() or char in " -_.").strip()
    return f"{phrase} <updates.{host}>" if phrase else f"<updates.{host}>"


def unsubscribe_mailto(sender_address: str, token: str) -> str:
    return f"mailto:{sender_address}?subject={quote('unsubscribe ' + token)}"
