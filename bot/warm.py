"""Warm start: what a web process does before it answers `/healthz` 200 (docs/behaviour.md, Running it).

Building the app, checking the token and the first round of the member sync happen in
`bot.runtime`; this module makes the first command as fast as the next ones. The statements an
acknowledgement sends through SQLAlchemy are run once in a transaction that is rolled back, so
SQLAlchemy has compiled and cached them (a note's are compiled at import, `bot.storage.note_sql`),
and the connection pool holds a connection per request thread: the first command after a start no
longer pays for compiling statements or connecting.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from bot.storage import members, repository
from bot.storage.db import Database

log = logging.getLogger(__name__)

NOBODY = "U0WARMUP"  # an id Slack never hands out (its ids are upper-case letters and digits after U/W)


def warm_up(db: Database, *, connections: int) -> None:
    """Run the acknowledgement's statements once, rolled back, and open `connections` connections.

    Never fails a start: a database that is away now is reported by /healthz, not here."""
    started = time.monotonic()
    try:
        db.open_connections(connections)
        with db.read() as session:  # the member check reads outside the command's transaction
            members.get(session=session, user_id=NOBODY)
        with db.rehearsal() as session:
            _rehearse(session)
    except SQLAlchemyError as error:
        log.warning("warm-up skipped: %s", str(error).splitlines()[0])
        return
    log.info("warm: statements compiled, %d connections open, in %.0f ms", connections, _ms(started))


def _rehearse(session: Session) -> None:
    members.get(session=session, user_id=NOBODY)
    repository.get_by_number(session=session, team_id=NOBODY, number=0)
    repository.get_by_number(session=session, team_id=NOBODY, number=0, for_update=True)
    repository.get_by_channel(session=session, channel_id=NOBODY)
    repository.get_by_channel(session=session, channel_id=NOBODY, for_update=True)
    # the note's statements skip SQLAlchemy: compiled at import (bot.storage.note_sql)


def _ms(started: float) -> float:
    return (time.monotonic() - started) * 1000
