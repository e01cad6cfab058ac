"""The floors `bench/ack.py` compares the bot with: a bare Bolt app that only acknowledges `/incident`
("floor"), and the same app writing one SQLModel row first ("floor + row").

Served by gunicorn with the Procfile's own flags: `gunicorn ack_floor:application` with
`ACK_FLOOR=floor|row`, `SLACK_SIGNING_SECRET` and (for `row`) `DATABASE_URL`. The row goes
through `bot.storage.db.Database` (the bot's own engine settings: WAL and `BEGIN IMMEDIATE` on
SQLite, the same pool on PostgreSQL), one transaction per command, as the bot's would be.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.authorization import AuthorizeResult
from sqlmodel import Field, SQLModel

from bot.storage.db import Database


class FloorNote(SQLModel, table=True):
    __tablename__ = "floor_note"

    id: int | None = Field(default=None, primary_key=True)
    channel_id: str
    user_id: str
    text: str
    at: datetime


def authorize(**_: Any) -> AuthorizeResult:
    token = "xoxb-floor"  # noqa: S105  (never sent anywhere)
    return AuthorizeResult(enterprise_id=None, team_id="T0EMULATOR", bot_token=token, bot_user_id="U0BOT")


def build() -> Callable[..., Iterable[bytes]]:
    app = App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        authorize=authorize,  # a floor makes no Slack call, not even Bolt's auth.test
        process_before_response=True,
    )
    db: Database | None = None
    if os.environ.get("ACK_FLOOR") == "row":
        db = Database(os.environ["DATABASE_URL"])
        FloorNote.__table__.create(db.engine, checkfirst=True)  # type: ignore[attr-defined]

    @app.command("/incident")
    def incident(ack: Ack, body: dict[str, Any]) -> None:
        if db is not None:
            with db.write() as session:
                session.add(
                    FloorNote(
                        channel_id=str(body.get("channel_id")),
                        user_id=str(body.get("user_id")),
                        text=str(body.get("text")),
                        at=datetime.now(UTC),
                    )
                )
        ack(text="note added to the timeline.")

    handler = SlackRequestHandler(app)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            body = b'{"ok":true}'
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return handler(environ, start_response)

    return application


application = build()
