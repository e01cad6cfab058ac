"""A `Letter` as the message a mail server receives: `multipart/alternative` (plain text, then
HTML), with the headers mailing lists are expected to carry (RFC 2369, 2919, 8058).

- `Message-ID`: the same for every attempt at one delivery (`message_id`), so a mail sent twice
  after an unknown outcome is one message to the receiving side;
- `References`: the incident's own id, so a mail reader threads an incident's updates;
- `List-Id`: one stable id for the page's list, under the status page's own domain;
- `List-Unsubscribe` (the signed https link and a `mailto:`) and
  `List-Unsubscribe-Post: List-Unsubscribe=One-Click`: one-click unsubscribe (RFC 8058);
- `Auto-Submitted: auto-generated` (RFC 3834): no vacation auto-reply comes back.

Header values come from checked addresses and settings; the policy refuses any value that still
holds a line break (`ValueError`), so no field can add a header.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import quote, urlsplit

from bot.render.mail import Letter, as_html, as_text


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


def message(letter: Letter, envelope: Envelope) -> EmailMessage:
    mail = EmailMessage(policy=policy.SMTP)
    mail["From"] = envelope.sender
    mail["To"] = envelope.to
    mail["Subject"] = " ".join(letter.subject.split())  # one line, whatever the title held
    mail["Date"] = format_datetime(envelope.date)
    mail["Message-ID"] = envelope.message_id
    mail["List-Id"] = envelope.list_id
    mail["Auto-Submitted"] = "auto-generated"
    if envelope.references:
        mail["References"] = " ".join(envelope.references)
        mail["In-Reply-To"] = envelope.references[-1]
    if envelope.unsubscribe_url is not None:
        targets = [f"<{envelope.unsubscribe_url}>"]
        if envelope.unsubscribe_mailto is not None:
            targets.append(f"<{envelope.unsubscribe_mailto}>")
        mail["List-Unsubscribe"] = ", ".join(targets)
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail.set_content(as_text(letter), cte="quoted-printable")
    mail.add_alternative(as_html(letter), subtype="html", cte="quoted-printable")
    mail["Content-Language"] = letter.language  # after the parts: making them moves Content-* headers down
    return mail


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
