"""What `GET /healthz` reports: the database answers, and Slack has accepted the bot's token.

200 `{"ok": true, "slack": "verified"}` when both hold. Otherwise 503 with `"ok": false`, what
Slack's side is (`"slack"`: `"verified"`, `"unverified"` or `"refused"`) and the reason (`"error"`):

- `unverified`: auth.test has not accepted the token yet (Slack could not be reached at start-up,
  or answered an error): the bot acknowledges and stores commands, but nothing it posts can go
  until Slack answers (asked again every few seconds: `bot.slack.identity`);
- `refused`: `slack auth failing since 21:41: invalid_auth` (the time in INCIDENT_TIMEZONE) from
  the first refusal until Slack accepts the token again and the held work is being sent (see
  `bot.outbox.pause`);
- `database unreachable`.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError

from bot.outbox import pause
from bot.storage.db import Database

VERIFIED, UNVERIFIED, REFUSED = "verified", "unverified", "refused"


def problem(db: Database, zone: ZoneInfo, *, team_id: str | None = None) -> str | None:
    """None when the database answers and Slack is not refusing the token (of workspace `team_id`;
    None: of any); otherwise what is wrong, in a line an operator can act on."""
    return _trouble(db, zone, team_id)[1]


def report(db: Database, zone: ZoneInfo, *, team_id: str | None, unverified: str | None) -> dict[str, object]:
    """The body of `/healthz` (`ok` decides the status: 200 or 503); `unverified` is why Slack
    has not accepted the token yet (None once it has)."""
    refused, found = _trouble(db, zone, team_id)
    slack = REFUSED if refused else VERIFIED if unverified is None else UNVERIFIED
    if found is None and unverified is not None:
        found = f"Slack has not accepted the token yet: {unverified}"
    return {"ok": True, "slack": slack} if found is None else {"ok": False, "slack": slack, "error": found}


def _trouble(db: Database, zone: ZoneInfo, team_id: str | None) -> tuple[bool, str | None]:
    """(Slack refuses the token, what is wrong) from the database's side."""
    try:
        with db.read() as session:
            paused = pause.current(session=session, team_id=team_id)
    except SQLAlchemyError:
        return False, "database unreachable"
    if paused is None:
        return False, None
    return True, f"slack auth failing since {paused.since.astimezone(zone):%H:%M}: {paused.error}"
