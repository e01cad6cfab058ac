"""Notes (bot.notes) are written each backend's cheapest way (on SQLite without SQLAlchemy's
Session, `bot.storage.sqlite_note`): what is stored must read back the same everywhere else, the
timeline's order and the outbox's times included, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from freezegun import freeze_time
from sqlmodel import col, select

from bot.domain.incident import EntryKind, Status
from bot.lookup import Where
from bot.outbox.codec import decode
from bot.outbox.kinds.post_timeline import PostTimeline
from bot.service import IncidentService
from bot.storage import repository
from bot.storage.tables import EffectRow

INC_1 = Where(team_id="T1", number=1)
RECORDED = datetime(2022, 2, 17, 17, 0, tzinfo=UTC)  # 22:30 IST


def test_a_backdated_note_takes_its_place_in_the_timeline_and_its_line_is_queued_at_the_time_it_was_written(
    service: IncidentService,
) -> None:
    with freeze_time("2022-02-17 21:41:00+05:30"):
        service.open(team_id="T1", actor="U1", title="Checkout fails")
    with service.db.write() as session:  # as the outbox records the channel once Slack created it
        opened = repository.get_by_number(session=session, team_id="T1", number=1)
        assert opened is not None
        repository.set_channel(
            session=session, incident_id=opened.id, channel_id="C0INC1", channel_name="inc-1", private=False
        )
    with freeze_time("2022-02-17 22:06:00+05:30"):
        service.set_status(INC_1, actor="U1", status=Status.IDENTIFIED)
    with freeze_time("2022-02-17 22:30:00+05:30"):
        changed = service.note(
            Where("T1", channel_id=None, number=1), actor="U2", text="restarted the cache", at="22:00"
        )
    assert changed.incident.number == 1 and changed.incident.status is Status.IDENTIFIED

    entries = service.timeline(INC_1).entries
    assert [entry.kind for entry in entries][-2:] == [EntryKind.NOTE, EntryKind.STATUS], "the note before 22:06"
    note = entries[-2]
    assert (note.text, note.actor) == ("restarted the cache", "U2")
    assert note.at == datetime(2022, 2, 17, 16, 30, tzinfo=UTC)  # 22:00 IST, aware UTC as every entry
    assert note.recorded_at == RECORDED

    with service.db.read() as session:
        stored = repository.get_by_number(session=session, team_id="T1", number=1)
        assert stored is not None
        stored_ids = [item.id for item in repository.timeline(session=session, incident_id=stored.id)]
        lines = session.exec(select(EffectRow).where(EffectRow.kind == PostTimeline.kind).order_by(col(EffectRow.id)))
        line = list(lines)[-1]
        due = session.exec(select(EffectRow.id).where(col(EffectRow.not_before) <= RECORDED)).all()
        early = session.exec(select(EffectRow.id).where(col(EffectRow.not_before) > RECORDED)).all()
    assert decode(line.kind, line.payload) == PostTimeline(entry_id=stored_ids[-2])
    assert (line.incident_id, line.team_id, line.state, line.attempts) == (stored.id, "T1", "pending", 0)
    assert (line.created_at, line.not_before, line.expires_at) == (RECORDED, RECORDED, None)
    assert line.id in due and line.id not in early, "compared with a time as the sender compares it"
