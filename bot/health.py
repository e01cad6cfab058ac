"""What `GET /healthz` reports: the database answers, and Slack is not refusing the bot's token.

503 with the reason while either is wrong, e.g. `slack auth failing since 21:41: invalid_auth`
(the time in INCIDENT_TIMEZONE) from the first refusal until Slack accepts the token again and the
held work is being sent (see `bot.outbox.pause`).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError

from bot.outbox import pause
from bot.storage.db import Database


def problem(db: Database, zone: ZoneInfo) -> str | None:
    """None when healthy; otherwise what is wrong, in a line an operator can act on."""
    try:
        with db.read() as session:
            paused = pause.current(session=session)
    except SQLAlchemyError:
        return "database unreachable"
    if paused is None:
        return None
    return f"slack auth failing since {paused.since.astimezone(zone):%H:%M}: {paused.error}"
