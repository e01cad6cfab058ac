"""The real Bolt app (`bot.slack.app.create_app`) on a test database, driven by `App.dispatch`,
or through its HTTP face (`bot.slack.app.SlackHttp`, the WSGI app gunicorn serves) called in-process.

Assembled as `bot.runtime.build` assembles it, except that the after-ack hand-over records what
it was given instead of waking threads, and Slack is a tripwire: the Web API base URL points at
a loopback listener that answers nothing and counts every connection. A listener that called
Slack before acknowledging would show up there (and fail: nothing answers).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import socketserver
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from bolt_requests import SIGNING_SECRET, TEAM, slash
from slack_bolt import App, BoltResponse
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from sqlalchemy import text

from bot.config import Settings, load_settings
from bot.domain.catalog import read_catalog
from bot.lookup import Where
from bot.members import MemberCheck
from bot.service import IncidentService
from bot.slack.app import SlackHttp, create_app
from bot.storage import members
from bot.storage.db import Database

ALICE, BOB, GUEST, STRANGER = "U0ALICE", "U0BOB", "U0GUEST", "U0STRANGER"
CATALOG = read_catalog(
    """
[[component]]
id = "home"
name = { en = "Home page", fr = "Page d'accueil" }
group = "Web"

[[component]]
id = "api"
name = "Public API"
group = "Web"

[[component]]
id = "billing-db"
name = "Billing database"
public = false
"""
)
GENERAL, ANNOUNCE, STATUS = "C0GENERAL", "C0ANNOUNCE", "C0STATUS"


class Tripwire(socketserver.ThreadingTCPServer):
    """A Slack Web API that never answers: it notes the request line and hangs up."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        self.calls: list[str] = []
        super().__init__(("127.0.0.1", 0), _HangUp)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api/"

    def __enter__(self) -> Tripwire:
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _HangUp(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        line = self.rfile.readline(4096).decode("latin-1").strip()
        assert isinstance(self.server, Tripwire)
        self.server.calls.append(line or "(connection)")


@dataclass
class Handover:
    """The listeners' AfterAck: what they handed over once they had acknowledged."""

    notified: int = 0
    responses: list[tuple[str | None, list[dict[str, Any]]]] = field(default_factory=list)

    def notify(self) -> None:
        self.notified += 1

    def respond(self, response_url: str | None, messages: list[dict[str, Any]]) -> None:
        self.responses.append((response_url, messages))

    def texts(self) -> list[str]:
        return [str(message.get("text", "")) for _, messages in self.responses for message in messages]


@dataclass
class Answer:
    status: int
    body: str

    @property
    def json(self) -> dict[str, Any]:
        parsed = json.loads(self.body)
        assert isinstance(parsed, dict)
        return parsed

    @property
    def text(self) -> str:
        return str(self.json["text"])


@dataclass
class DispatchBot:
    app: App
    service: IncidentService
    db: Database
    settings: Settings
    after: Handover
    slack: Tripwire

    def send(self, request: BoltRequest) -> Answer:
        response: BoltResponse = self.app.dispatch(request)
        return Answer(status=response.status, body=str(response.body))

    def post(self, body: str | bytes, content_type: str, *, signature: str | None = None) -> Answer:
        """`body` POSTed to /slack/events as Slack would, signed now unless `signature` is given,
        through the HTTP face in-process: what a signed request gets before Bolt (400, 401, 413)."""
        raw = body.encode() if isinstance(body, str) else body
        stamp = str(int(time.time()))
        digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{stamp}:".encode() + raw, hashlib.sha256).hexdigest()
        signature = signature or f"v0={digest}"  # over the bytes: a body that is not UTF-8 is signed too
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/slack/events",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_TYPE": content_type,
            "CONTENT_LENGTH": str(len(raw)),
            "HTTP_X_SLACK_REQUEST_TIMESTAMP": stamp,
            "HTTP_X_SLACK_SIGNATURE": signature,
            "wsgi.input": io.BytesIO(raw),
        }
        statuses: list[str] = []
        http = SlackHttp(self.app, signing_secret=SIGNING_SECRET, health=lambda: {"ok": True})
        answer = b"".join(http(environ, lambda status, headers, *_: statuses.append(status)))  # type: ignore[arg-type]
        return Answer(status=int(statuses[0].split()[0]), body=answer.decode())

    def command(self, words: str, *, user: str = ALICE, channel: str = GENERAL, **options: Any) -> Answer:
        """`/incident <words>` typed by `user` in `channel`; asserts Slack got 200."""
        answer = self.send(slash(words, user=user, channel=channel, **options))
        assert answer.status == 200, answer
        return answer

    def open(self, title: str = "Checkout fails", *, severity: int = 2) -> str:
        """INC-n opened by alice, its channel created as the sender would; returns that channel."""
        answer = self.command(f"open sev{severity} {title}")
        number = int(answer.text.split("*INC-")[1].split("*")[0])
        channel = f"C0INC{number}"
        with self.db.write() as session:
            session.execute(
                text("UPDATE incident SET channel_id = :c, channel_name = :n WHERE number = :i"),
                {"c": channel, "n": f"inc-{number}", "i": number},
            )
        return channel

    def incident(self, number: int = 1) -> Any:
        return self.service.get(Where(TEAM, number=number))

    def timeline(self, number: int = 1) -> list[Any]:
        return self.service.timeline(Where(TEAM, number=number)).entries

    def effects(self) -> list[str]:
        """The kinds of Slack work in the outbox, oldest first."""
        with self.db.engine.connect() as connection:
            return [str(kind) for kind in connection.execute(text("SELECT kind FROM effect ORDER BY id")).scalars()]

    def drafts(self) -> list[tuple[int, str, str, str]]:
        """(id, language, length, state) of every draft."""
        with self.db.engine.connect() as connection:
            rows = connection.execute(text("SELECT id, language, length, state FROM draft ORDER BY id")).all()
        return [(int(row[0]), str(row[1]), str(row[2]), str(row[3])) for row in rows]

    def draft_text(self, draft_id: int) -> str:
        with self.db.engine.connect() as connection:
            return str(connection.execute(text("SELECT text FROM draft WHERE id = :i"), {"i": draft_id}).scalar_one())


def member(user_id: str, **flags: bool) -> members.Member:
    name = user_id.removeprefix("U0").lower()
    return members.Member(user_id=user_id, team_id=TEAM, display_name=name, real_name=name.title(), **flags)


def dispatch_bot(db: Database, slack: Tripwire) -> Iterator[DispatchBot]:
    """The bot with alice and bob (members) and a guest known, Slack a tripwire that must stay untouched."""
    slack.calls.clear()
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-0000000000-0000000000000-dispatchdispatchdispatch",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.url,
            "INCIDENT_ANNOUNCE_CHANNEL": ANNOUNCE,
            "INCIDENT_STATUS_CHANNEL": STATUS,
            "INCIDENT_LANGUAGES": "en,fr",
            "INCIDENT_PUBLIC_NAME": "Chirper",
        },
        require=("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"),
    )
    settings = replace(settings, catalog=CATALOG)
    service = IncidentService(db, zone=settings.zone, languages=settings.languages, catalog=settings.catalog)
    client = WebClient(token=settings.bot_token, base_url=settings.api_url, timeout=2, retry_handlers=[])
    with db.write() as session:
        known = [member(ALICE), member(BOB), member(GUEST, is_restricted=True)]
        members.put(session=session, members=known, learned_at=datetime.now(UTC))
    after = Handover()
    check = MemberCheck(db, client, clock=service.clock)
    app = create_app(settings, service, client, after_ack=after, members=check)
    yield DispatchBot(app=app, service=service, db=db, settings=settings, after=after, slack=slack)
    assert slack.calls == [], f"Slack was called while handling requests: {slack.calls}"
