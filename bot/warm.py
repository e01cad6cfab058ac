"""Warm start: what a web process does before it answers `/healthz` 200 (docs/behaviour.md, Running it).

Building the app, checking the token and the first round of the member sync happen in
`bot.runtime`; this module makes the first command as fast as the next ones. The statements an
acknowledgement sends are run once in a transaction that is rolled back, so SQLAlchemy has
compiled and cached them, and the connection pool holds a connection per request thread: the
first command after a start no longer pays for compiling statements or connecting.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from bot.domain.incident import EntryKind, TimelineEntry
from bot.outbox import store
from bot.outbox.kinds.post_timeline import PostTimeline
from bot.storage import members, repository, sql
from bot.storage.db import Database

log = logging.getLogger(__name__)

NOBODY = "U0WARMUP"  # an id Slack never hands out (its ids are upper-case letters and digits after U/W)


def warm_up(db: Database, *, now: datetime, connections: int) -> None:
    """Run the acknowledgement's statements once, rolled back, and open `connections` connections.

    Never fails a start: a database that is away now is reported by /healthz, not here."""
    started = time.monotonic()
    try:
        db.open_connections(connections)
        with db.read() as session:  # the member check reads outside the command's transaction
            members.get(session=session, user_id=NOBODY)
        with db.rehearsal() as session:
            _rehearse(session, now)
    except SQLAlchemyError as error:
        log.warning("warm-up skipped: %s", str(error).splitlines()[0])
        return
    log.info("warm: statements compiled, %d connections open, in %.0f ms", connections, _ms(started))


def _rehearse(session: Session, now: datetime) -> None:
    members.get(session=session, user_id=NOBODY)
    repository.get_by_number(session=session, team_id=NOBODY, number=0)
    repository.get_by_number(session=session, team_id=NOBODY, number=0, for_update=True)
    repository.get_by_channel(session=session, channel_id=NOBODY)
    repository.get_by_channel(session=session, channel_id=NOBODY, for_update=True)
    incident_id = repository.newest_id(session=session)
    if incident_id is None or session.get_bind().dialect.name != "postgresql":
        return  # a new install has nothing to note on; SQLite's note is compiled at import (bot.storage.sqlite_note)
    entry = TimelineEntry(at=now, recorded_at=now, actor=NOBODY, kind=EntryKind.NOTE, text="warm-up")
    connection = sql.core(session)  # PostgreSQL's note: two statements (`bot.notes`)
    repository.with_next_entry_id(connection, team_id=NOBODY, number=None, channel_id=NOBODY)
    repository.with_next_entry_id(connection, team_id=NOBODY, number=0, channel_id=None)
    effect = store.row(incident_id=incident_id, team_id=NOBODY, effect=PostTimeline(entry_id=-1), now=now)
    repository.add_entry_with_effect(connection, entry_id=-1, incident_id=incident_id, entry=entry, effect=effect)


def _ms(started: float) -> float:
    return (time.monotonic() - started) * 1000
