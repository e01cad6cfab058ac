"""The public forms' limits in SQL (bot.domain.limits): requests counted per keyed digest and
window, in one upsert, so every process counts against the same row."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col

from bot.storage.sql import core, upsert
from bot.storage.subscriber_tables import FormLimitRow

KEPT = timedelta(days=2)  # windows older than this are forgotten (the longest limit is a day)


def hit(*, session: Session, key: str, window: datetime, now: datetime) -> int:
    """Count one request in this window; how many it holds now, this one included."""
    insert = upsert(session)(FormLimitRow).values(key=key, window_start=window, hits=1)
    counted = core(session).execute(
        insert.on_conflict_do_update(
            index_elements=["key", "window_start"], set_={"hits": FormLimitRow.hits + 1}
        ).returning(col(FormLimitRow.hits))
    )
    hits = int(counted.scalar_one())
    if hits == 1:  # a new window: forget the old ones (indexed by ix_form_limit_window)
        core(session).execute(delete(FormLimitRow).where(col(FormLimitRow.window_start) < now - KEPT))
    return hits
