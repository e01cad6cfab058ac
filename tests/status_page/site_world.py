"""The status page in-process: incidents opened and published through the services, pages read by
calling `StatusSite` as a WSGI server would (no server, no Slack), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.domain.catalog import Catalog
from bot.drafts import DraftService
from bot.lookup import Where
from bot.render.public_links import SERVED, Layout
from bot.service import IncidentService
from bot.status_page.site import StatusSite
from bot.storage.db import Database

IST = ZoneInfo("Asia/Kolkata")
# Statuspage's component fields, as its published v2 examples give them (a group adds `components`).
COMPONENT_FIELDS = {
    "id", "name", "status", "created_at", "updated_at", "position", "description", "showcase", "start_date",
    "group_id", "page_id", "group", "only_show_if_degraded",
}  # fmt: skip
ALICE = "U0ALICE"
TEAM = "T1"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class Answer:
    status: str
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


# What a WSGI server hands the app behind a proxy that terminated TLS: plain http, an internal host.
BEHIND_A_PROXY = {"SERVER_NAME": "10.0.0.7", "SERVER_PORT": "8080", "wsgi.url_scheme": "http",
                  "HTTP_HOST": "web-1.internal:8080", "HTTP_X_FORWARDED_PROTO": "https"}  # fmt: skip


def call(
    site: Callable[..., Iterable[bytes]], path: str, *, method: str = "GET", query: str = "", **headers: str
) -> Answer:
    environ: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, **BEHIND_A_PROXY}
    environ.update({f"HTTP_{name.upper()}": value for name, value in headers.items()})
    answered: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, given: list[tuple[str, str]], info: Any = None) -> None:
        answered.append((status, given))

    body = b"".join(site(environ, start_response))
    ((status, given),) = answered
    message = Message()
    for name, value in given:
        message[name] = value
    return Answer(status, message, body)


@dataclass
class World:
    db: Database
    clock: Clock = field(default_factory=lambda: Clock(datetime(2022, 2, 17, 21, 41, tzinfo=IST)))
    status_url: str | None = None
    catalog: Catalog = field(default_factory=Catalog)
    zone: ZoneInfo = IST

    @property
    def settings(self) -> Settings:
        return Settings(zone=self.zone, status_channel="C0STATUS", public_name="Chirper", languages=("en", "fr"),
                        status_url=self.status_url, catalog=self.catalog)  # fmt: skip

    def site(self, layout: Layout = SERVED) -> StatusSite:
        """A status page as one process serves it (each has its own kept answers)."""
        return StatusSite(self.db, self.settings, clock=self.clock, layout=layout)

    @property
    def incidents(self) -> IncidentService:
        return IncidentService(self.db, zone=self.zone, clock=self.clock, catalog=self.catalog)

    @property
    def drafts(self) -> DraftService:
        return DraftService(self.db, self.settings, clock=self.clock)

    def open(self, title: str = "db-7 primary is down", *, severity: int = 2, at: str | None = None) -> Where:
        opened = self.incidents.open(team_id=TEAM, actor=ALICE, title=title, severity=severity, at=at)
        return Where(TEAM, number=opened.incident.number)

    def publish(self, where: Where, *, language: str = "en", length: str = "long", text: str | None = None) -> str:
        drafted = self.drafts.draft(where, actor=ALICE, language=language, length=length)
        draft = drafted.drafts[0]
        if text is not None:
            self.drafts.edit(draft.id, actor=ALICE, text=text)
        return self.drafts.publish(draft.id, actor=ALICE).text
