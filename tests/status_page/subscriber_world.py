"""Subscribers in-process: the status page's forms called as a WSGI server would, a real SMTP server
(aiosmtpd, on loopback) receiving what the subscribers' lane sends, and a real HTTP receiver for
webhooks, on SQLite and PostgreSQL."""

from __future__ import annotations

import email
import email.policy
import io
import re
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from site_world import BEHIND_A_PROXY, Answer, World

from bot.config import Settings
from bot.mail_settings import smtp_server
from bot.outbox.subscriber_threads import SubscriberLane, build_lane
from bot.status_page.site import StatusSite
from bot.subscribers import SubscriberService
from tests.free_ports import free_port

SECRET = "test-secret-key-0123456789abcdef0123456789"


class Mailbox:
    """What the SMTP server accepted, parsed; `refuse` makes it answer RCPT with a code for an address."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str], bool, bool]] = []  # from, to, over TLS, authenticated
        self.refuse: dict[str, str] = {}
        self.lock = threading.Lock()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.messages.append(parsed)
            self.envelopes.append(
                (envelope.mail_from, list(envelope.rcpt_tos), bool(session.ssl), bool(session.authenticated))
            )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if message["To"] == address]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def link_in(message: EmailMessage, route: str) -> str:
    """The link to `route` (`/status/confirm`, `/status/unsubscribe`) the plain text carries."""
    found = re.search(rf"https://status\.chirper\.example{re.escape(route)}\?lang=\w+&t=\S+", text_of(message))
    assert found, text_of(message)
    return found.group(0)


@dataclass
class SmtpServer:
    mailbox: Mailbox
    port: int
    url: str
    controller: Controller | None = None
    context: ssl.SSLContext | None = None  # what the client must trust (STARTTLS)
    kwargs: dict[str, Any] = field(default_factory=dict)

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port, **self.kwargs)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def plain_smtp() -> Iterator[SmtpServer]:
    port = free_port()
    server = SmtpServer(Mailbox(), port, f"smtp://127.0.0.1:{port}")
    server.start()
    yield server
    server.stop()


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    good = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"bot", b"s3cret")
    return AuthResult(success=good, handled=False)  # handled=False: aiosmtpd answers 535 itself


def secure_smtp(folder: Path) -> Iterator[SmtpServer]:
    """STARTTLS required, then AUTH required, with a certificate made for the test."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-keyout", str(key), "-out", str(cert), "-days", "1",
         "-nodes", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    port = free_port()
    server = SmtpServer(
        Mailbox(),
        port,
        f"smtp://bot:s3cret@127.0.0.1:{port}",
        context=ssl.create_default_context(cafile=str(cert)),
        kwargs={"tls_context": server_context, "require_starttls": True, "authenticator": authenticator,
                "auth_required": True},
    )  # fmt: skip
    server.start()
    yield server
    server.stop()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """A real HTTP server taking webhooks: answers `statuses` in turn (then 200), records each request."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/status"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class SubscriberWorld(World):
    smtp: SmtpServer | None = None
    status_url: str | None = "https://status.chirper.example/status"

    @property
    def settings(self) -> Settings:
        return replace(
            super().settings,
            smtp=smtp_server(self.smtp.url) if self.smtp is not None else None,
            mail_from="Chirper status <status@chirper.example>",
            secret_key=SECRET,
            proxy_hops=1,
        )

    @property
    def subscriptions(self) -> SubscriberService:
        return SubscriberService.from_settings(self.db, self.settings, clock=self.clock)

    def site(self, layout: Any = None) -> StatusSite:  # type: ignore[override]
        if layout is not None:
            return StatusSite(self.db, self.settings, clock=self.clock, layout=layout, subscriptions=self.subscriptions)
        return StatusSite(self.db, self.settings, clock=self.clock, subscriptions=self.subscriptions)

    def lane(self) -> SubscriberLane:
        context = self.smtp.context if self.smtp is not None else None
        return build_lane(self.db, self.settings, clock=self.clock, mail_tls=context)

    def publish(self, where: Any, *, language: str = "en", length: str = "long", text: str | None = None) -> str:
        """A new update (drafted a minute after the last: drafts written together are one update)."""
        self.clock.now += timedelta(minutes=1)
        return super().publish(where, language=language, length=length, text=text)

    def deliver(self) -> int:
        """One round of the subscribers' lane (fan-outs, mail, webhooks), its connection closed after."""
        lane = self.lane()
        try:
            return lane.drain()
        finally:
            lane.stop()

    def post(self, path: str, form: dict[str, Any] | bytes, *, query: str = "", client: str = "203.0.113.7",
             **headers: str) -> Answer:  # fmt: skip
        body = form if isinstance(form, bytes) else urlencode(form, doseq=True).encode()
        environ: dict[str, Any] = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "wsgi.input": io.BytesIO(body),
            "REMOTE_ADDR": "10.0.0.2",  # the proxy in front
            "HTTP_X_FORWARDED_FOR": client,
            **BEHIND_A_PROXY,
        }
        environ.update({f"HTTP_{name.upper()}": value for name, value in headers.items()})
        return _call(self.site(), environ)

    def open_link(self, url: str, *, method: str = "GET", body: bytes = b"") -> Answer:
        parts = urlsplit(url)
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "PATH_INFO": parts.path,
            "QUERY_STRING": parts.query,
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "REMOTE_ADDR": "10.0.0.2",
            **BEHIND_A_PROXY,
        }
        return _call(self.site(), environ)

    def subscribe(self, address: str, *, language: str = "en", client: str = "203.0.113.7") -> Answer:
        return self.post("/status/subscribe", {"email": address, "language": language}, client=client)

    def confirmed(self, address: str, mailbox: Mailbox) -> None:
        """Subscribe and confirm `address` as a person would: the form, the mail, the link, the button."""
        assert self.subscribe(address).status == "200 OK"
        self.deliver()
        link = link_in(mailbox.to(address)[-1], "/status/confirm")
        assert self.open_link(link, method="POST").status == "200 OK"


def _call(site: Any, environ: dict[str, Any]) -> Answer:
    from email.message import Message

    answered: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, given: list[tuple[str, str]], info: Any = None) -> None:
        answered.append((status, given))

    body = b"".join(site(environ, start_response))
    ((status, given),) = answered
    message = Message()
    for name, value in given:
        message[name] = value
    return Answer(status, message, body)
