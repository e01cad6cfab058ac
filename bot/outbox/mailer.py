"""One SMTP connection per sender, kept open and reused for every message (`SMTP_URL`).

A connection costs a TCP handshake, EHLO, a TLS handshake and AUTH; a reused one costs none of
them (BENCHMARKS.md). `smtps://` speaks TLS from the first byte; `smtp://` with a user name
upgrades with STARTTLS before AUTH and refuses a server that does not offer it (a password never
crosses in clear); `smtp://host` without one sends in clear, for a relay on localhost.

Python's smtplib waits for each reply in turn (MAIL, RCPT, DATA): it never pipelines (RFC 2920).
So "pipelined where the server allows" is, honestly, not done here: what a message costs is
three round trips on an open connection, a millisecond or so to a relay nearby, which is what
the benchmark measures. A connection the server closed (idle timeout) is opened again once.

What a failure means (`MailRefused`, `MailUnavailable`):
- the server refused this recipient for good (5xx on RCPT): `MailRefused(permanent=True)`, the
  address bounced; refused for now (4xx): `MailRefused(permanent=False)`, tried again later;
- the server refused the message (5xx on DATA, a content rule): that delivery fails;
- no connection, AUTH refused, the connection lost mid-way: `MailUnavailable`, every message
  waits (`maybe_sent` when it was lost after the data went: a retry may duplicate it, with the
  same Message-ID, rather than lose it).
"""

from __future__ import annotations

import logging
import smtplib
import ssl

from bot.domain.subscribers import masked
from bot.mail_settings import SmtpServer

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30.0


class MailRefused(Exception):
    """The server refused this one message: for good (`permanent`) or for now."""

    def __init__(self, reason: str, *, permanent: bool, bounced: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent
        self.bounced = bounced  # the recipient's address itself was refused for good


class MailUnavailable(Exception):
    """No message can go now (no connection, AUTH refused, the connection lost)."""

    def __init__(self, reason: str, *, maybe_sent: bool = False) -> None:
        super().__init__(reason)
        self.maybe_sent = maybe_sent


class Mailer:
    def __init__(
        self,
        server: SmtpServer,
        *,
        tls_context: ssl.SSLContext | None = None,
        timeout: float = TIMEOUT_SECONDS,
        local_hostname: str | None = None,
    ) -> None:
        self.server = server
        self.tls_context = tls_context or ssl.create_default_context()
        self.timeout = timeout
        self.local_hostname = local_hostname
        self._smtp: smtplib.SMTP | None = None
        self.connections = 0  # opened so far (the benchmark reports it)

    def send(self, message: bytes, *, sender: str, recipient: str) -> None:
        """Send one message to one recipient over the open connection (opened if need be). What
        the server says is kept with the address masked (servers often repeat it)."""
        try:
            self._send(message, sender=sender, recipient=recipient)
        except MailRefused as refused:
            raise MailRefused(
                str(refused).replace(recipient, masked(recipient)), permanent=refused.permanent, bounced=refused.bounced
            ) from None

    def _send(self, message: bytes, *, sender: str, recipient: str) -> None:
        for attempt in (1, 2):
            smtp = self._connected()
            try:
                refused = smtp.sendmail(sender, [recipient], message)
            except smtplib.SMTPRecipientsRefused as error:
                code, reason = next(iter(error.recipients.values()))
                raise MailRefused(f"{code} {_text(reason)}", permanent=code >= 500, bounced=code >= 500) from None
            except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
                if error.smtp_code >= 500:
                    raise MailRefused(f"{error.smtp_code} {_text(error.smtp_error)}", permanent=True) from None
                raise MailRefused(f"{error.smtp_code} {_text(error.smtp_error)}", permanent=False) from None
            except smtplib.SMTPServerDisconnected as error:
                self.close()
                if attempt == 1:  # an idle connection the server closed: open it again, once
                    continue
                raise MailUnavailable(f"connection lost: {error}", maybe_sent=True) from None
            except (smtplib.SMTPException, OSError) as error:
                self.close()
                raise MailUnavailable(f"{type(error).__name__}: {error}", maybe_sent=True) from None
            if refused:
                code, reason = next(iter(refused.values()))
                raise MailRefused(f"{code} {_text(reason)}", permanent=code >= 500, bounced=code >= 500)
            return

    def _connected(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        server = self.server
        try:
            if server.tls:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    server.host,
                    server.port,
                    timeout=self.timeout,
                    context=self.tls_context,
                    local_hostname=self.local_hostname,
                )
            else:
                smtp = smtplib.SMTP(server.host, server.port, timeout=self.timeout, local_hostname=self.local_hostname)
            smtp.ehlo()
            if server.starttls:
                if not smtp.has_extn("starttls"):
                    smtp.close()
                    raise MailUnavailable(f"{server.host} does not offer STARTTLS: the password is not sent in clear")
                smtp.starttls(context=self.tls_context)
                smtp.ehlo()
            if server.username is not None:
                smtp.login(server.username, server.password or "")
        except smtplib.SMTPAuthenticationError as error:
            raise MailUnavailable(f"the mail server refused the login ({error.smtp_code}): check SMTP_URL") from None
        except (smtplib.SMTPException, OSError) as error:
            raise MailUnavailable(f"cannot reach {server.host}:{server.port} ({type(error).__name__})") from None
        self._smtp = smtp
        self.connections += 1
        return smtp

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _text(reason: bytes | str) -> str:
    return reason.decode(errors="replace") if isinstance(reason, bytes) else reason
