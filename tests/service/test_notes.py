"""Notes (bot.notes) are written each backend's cheapest way, on the driver's own connection without
SQLAlchemy's Session or Connection (`bot.storage.note_sql`): what is stored must read back the same
everywhere else, the timeline's order and the outbox's times included, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import bindparam, event, text
from sqlmodel import col, select

from bot.domain.incident import EntryKind, Status
from bot.errors import NotFound
from bot.lookup import Where
from bot.outbox import store
from bot.outbox.codec import decode
from bot.outbox.kinds.post_timeline import PostTimeline
from bot.service import IncidentService
from bot.storage import repository
from bot.storage.effect_tables import EffectRow

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


def _with_channel(service: IncidentService, number: int, channel_id: str) -> int:
    with service.db.write() as session:  # as the outbox records the channel once Slack created it
        opened = repository.get_by_number(session=session, team_id="T1", number=number)
        assert opened is not None
        repository.set_channel(
            session=session, incident_id=opened.id, channel_id=channel_id, channel_name=f"inc-{number}", private=False
        )
    return opened.id


def _raw(service: IncidentService, sql: str, ids: list[int]) -> list[tuple[object, ...]]:
    """Rows as the database holds them, each datetime as the database writes it as text."""
    with service.db.engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(text(sql).bindparams(bindparam("ids", expanding=True)), {"ids": ids})
        ]


def _in_kolkata(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("SET TIME ZONE 'Asia/Kolkata'")
    dbapi_connection.commit()


def test_a_note_stores_its_times_as_sqlalchemy_stores_them_and_everything_reads_them_back_aware_utc(
    service: IncidentService,
) -> None:
    """The note skips SQLAlchemy's execution (`bot.storage.driver_sql`): its entry and outbox row
    must hold the very values SQLAlchemy's own path writes for the same times (text on SQLite, an
    instant on PostgreSQL), which every other query compares with, and read back aware UTC, even
    from a PostgreSQL server whose time zone is not UTC (psycopg then reads its own zone)."""
    if not service.db.is_sqlite:
        service.db.engine.dispose()
        event.listen(service.db.engine, "connect", _in_kolkata)
    with freeze_time("2022-02-17 21:41:00+05:30"):
        service.open(team_id="T1", actor="U1", title="Checkout fails")
    incident_id = _with_channel(service, 1, "C0INC1")
    with freeze_time("2022-02-17 22:30:00+05:30"):
        changed = service.note(Where("T1", channel_id="C0INC1"), actor="U2", text="restarted the cache", at="22:00")
    assert changed.incident.opened_at == datetime(2022, 2, 17, 16, 11, tzinfo=UTC)
    stamps = [changed.incident.opened_at, changed.incident.impact_started_at, changed.incident.status_since]
    assert all(stamp.tzinfo is UTC for stamp in stamps), "read back aware UTC, as every other read"
    with service.db.write() as session:  # the same entry and line through SQLAlchemy's own execution
        orm_entry = repository.add_entry(session=session, incident_id=incident_id, entry=changed.entry)
        store.enqueue(session=session, incident_id=incident_id, effect=PostTimeline(entry_id=orm_entry), now=RECORDED)
    with service.db.read() as session:
        entries = repository.timeline(session=session, incident_id=incident_id)
    (note,) = [stored for stored in entries if stored.entry.text == "restarted the cache" and stored.id != orm_entry]
    assert note.entry == changed.entry and note.entry.at.tzinfo is UTC and note.entry.recorded_at.tzinfo is UTC

    times = "SELECT CAST(at AS TEXT), CAST(recorded_at AS TEXT) FROM timeline_entry WHERE id IN :ids ORDER BY id"
    ours, theirs = _raw(service, times, [note.id, orm_entry])
    assert ours == theirs
    lines = (
        "SELECT CAST(created_at AS TEXT), CAST(not_before AS TEXT), expires_at, kind, lane, state, attempts "
        "FROM effect WHERE kind = 'timeline.post' AND id IN :ids ORDER BY id"
    )
    with service.db.read() as session:
        line_ids = session.exec(select(EffectRow.id).where(EffectRow.kind == PostTimeline.kind)).all()
    ours, theirs = _raw(service, lines, [line_id for line_id in line_ids if line_id is not None][-2:])
    assert ours == theirs


def test_a_note_by_its_channel_or_by_number_lands_on_that_incident_alone(service: IncidentService) -> None:
    service.open(team_id="T1", actor="U1", title="Checkout fails")
    service.open(team_id="T1", actor="U1", title="Search is slow")
    first, second = _with_channel(service, 1, "C0INC1"), _with_channel(service, 2, "C0INC2")
    by_channel = service.note(Where("T1", channel_id="C0INC2"), actor="U2", text="in the channel of INC-2")
    by_number = service.note(Where("T1", channel_id="C0INC2", number=1), actor="U2", text="INC-1 named there")
    assert (by_channel.incident.number, by_number.incident.number) == (2, 1)
    assert service.timeline(INC_1).entries[-1].text == "INC-1 named there"
    assert service.timeline(Where("T1", number=2)).entries[-1].text == "in the channel of INC-2"
    with service.db.read() as session:
        lines = session.exec(select(EffectRow).where(EffectRow.kind == PostTimeline.kind).order_by(col(EffectRow.id)))
        posted = [(line.incident_id, decode(line.kind, line.payload)) for line in lines][-2:]
        second_note, first_note = (
            repository.timeline(session=session, incident_id=incident)[-1].id for incident in (second, first)
        )
    assert posted == [(second, PostTimeline(entry_id=second_note)), (first, PostTimeline(entry_id=first_note))]


@pytest.mark.parametrize(
    ("where", "refusal"),
    [
        (Where("T1", number=9), "There is no INC-9"),
        (Where("T2", number=1), "There is no INC-1"),  # another workspace's
        (Where("T1", channel_id="C0GENERAL"), "This is not an incident channel"),
    ],
)
def test_a_note_to_no_incident_is_refused_and_stores_nothing(
    service: IncidentService, unchanged: Any, where: Where, refusal: str
) -> None:
    service.open(team_id="T1", actor="U1", title="Checkout fails")
    with unchanged(service.db), pytest.raises(NotFound, match=refusal):
        service.note(where, actor="U1", text="restarted the cache")
    assert service.note(INC_1, actor="U1", text="the next one").entry.text == "the next one"


REFUSE_LINES = {
    "sqlite": [
        "CREATE TRIGGER refuse_lines BEFORE INSERT ON effect BEGIN SELECT RAISE(ABORT, 'the outbox refuses'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_lines() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'the outbox refuses'; END $$",
        "CREATE TRIGGER refuse_lines BEFORE INSERT ON effect FOR EACH ROW EXECUTE FUNCTION refuse_lines()",
    ],
}
ACCEPT_LINES = {
    "sqlite": ["DROP TRIGGER refuse_lines"],
    "postgresql": ["DROP TRIGGER refuse_lines ON effect", "DROP FUNCTION refuse_lines()"],
}


def test_a_database_error_mid_note_leaves_nothing_half_written(service: IncidentService, unchanged: Any) -> None:
    """The entry is written before its outbox row fails: the note must leave neither (a timeline
    entry whose line is never posted), and the next note must work."""
    service.open(team_id="T1", actor="U1", title="Checkout fails")
    backend = service.db.engine.dialect.name
    with service.db.engine.begin() as connection:
        for statement in REFUSE_LINES[backend]:
            connection.exec_driver_sql(statement)
    try:
        with unchanged(service.db), pytest.raises(service.db.engine.dialect.loaded_dbapi.Error, match="refuses"):
            service.note(INC_1, actor="U1", text="restarted the cache")
    finally:
        with service.db.engine.begin() as connection:
            for statement in ACCEPT_LINES[backend]:
                connection.exec_driver_sql(statement)
    service.note(INC_1, actor="U1", text="the next one")
    assert [entry.text for entry in service.timeline(INC_1).entries][-1:] == ["the next one"]
