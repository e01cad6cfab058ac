"""The settings mail subscriptions need (docs/behaviour.md, Subscribers): `SMTP_URL` read, and what
must come with it (`INCIDENT_MAIL_FROM`, `INCIDENT_STATUS_URL`, `INCIDENT_SECRET_KEY`), checked
with the other settings by `bot.config.load_settings`, one line per problem, never a password."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formataddr, parseaddr

from bot.domain.subscribers import check_email
from bot.errors import UsageError
from bot.variables import problem

SECRET_KEY_MIN = 32


@dataclass(frozen=True)
class SmtpServer:
    """Where mail goes (`SMTP_URL`): `smtp://` (STARTTLS, required when a user is given; none
    without one, for a relay on localhost), `smtps://` (TLS from the first byte)."""

    host: str
    port: int
    tls: bool  # smtps: TLS from the first byte
    username: str | None = None
    password: str | None = None

    @property
    def starttls(self) -> bool:
        return not self.tls and self.username is not None

    def __repr__(self) -> str:  # the password never reaches a log
        scheme = "smtps" if self.tls else "smtp"
        return f"SmtpServer({scheme}://{self.username + '@' if self.username else ''}{self.host}:{self.port})"


def smtp_server(text: str) -> SmtpServer:
    """`SMTP_URL` read; raises ValueError saying what is wrong (never repeating the password)."""
    from urllib.parse import unquote, urlsplit

    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValueError("is not a URL such as smtp://user:password@host:587") from None
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("must start with smtp:// (STARTTLS) or smtps:// (TLS)")
    if not parts.hostname:
        raise ValueError("names no host")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("has a path, a query or a fragment: write only smtp://user:password@host:port")
    if parts.password is not None and not parts.username:
        raise ValueError("has a password without a user")
    tls = parts.scheme == "smtps"
    return SmtpServer(
        host=parts.hostname,
        port=port or (465 if tls else 587 if parts.username else 25),
        tls=tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )


def mail_settings(
    get: Callable[[str], str | None], status_address: str | None, problems: list[str]
) -> tuple[SmtpServer | None, str | None]:
    """SMTP_URL and what mail subscriptions need with it: a sender, the page's address for the
    links, and the secret the links are signed with (docs/behaviour.md, Subscribers)."""
    url = get("SMTP_URL")
    sender = get("INCIDENT_MAIL_FROM")
    secret = get("INCIDENT_SECRET_KEY")
    if secret is not None and len(secret) < SECRET_KEY_MIN:
        problems.append(
            problem("INCIDENT_SECRET_KEY", f"is too short ({len(secret)} characters, {SECRET_KEY_MIN} at least)")
        )
    if url is None:
        return None, None
    try:
        server = smtp_server(url)
    except ValueError as error:
        problems.append(problem("SMTP_URL", str(error)))
        return None, None
    if secret is None:
        problems.append(problem("INCIDENT_SECRET_KEY", "is required with SMTP_URL (it signs the subscribers' links)"))
    if status_address is None:
        problems.append(problem("INCIDENT_STATUS_URL", "is required with SMTP_URL (every link in a mail is absolute)"))
    if sender is None:
        problems.append(problem("INCIDENT_MAIL_FROM", "is required with SMTP_URL"))
        return server, None
    name, address = parseaddr(sender)
    try:
        checked = check_email(address)
    except UsageError:
        problems.append(problem("INCIDENT_MAIL_FROM", "is not an email address", sender))
        return server, None
    return server, formataddr((name, checked))
