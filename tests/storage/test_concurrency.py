"""Concurrent writers: numbers are never duplicated or reused, and no change is lost.

Real processes, each with its own engine and connections, released at once by a barrier.
"""

from __future__ import annotations

import multiprocessing
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.domain.drafts import DraftState, compose
from bot.domain.incident import Status
from bot.errors import RuleRefused
from bot.lookup import Where
from bot.service import IncidentService
from bot.storage import drafts as stored_drafts
from bot.storage import repository as repo
from bot.storage.db import Database
from bot.storage.tables import IncidentRow, TimelineRow

ZONE = ZoneInfo("UTC")
NOW = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)
FORK = multiprocessing.get_context("fork")


def _open_many(url: str, count: int, barrier: object, results: object) -> None:
    service = IncidentService(Database(url), zone=ZONE)
    barrier.wait()  # type: ignore[attr-defined]
    for i in range(count):
        changed = service.open(team_id="T1", actor="U1", title=f"Outage {i}")
        results.put(changed.incident.number)  # type: ignore[attr-defined]


def _change_status(url: str, seed: int, count: int, barrier: object, results: object) -> None:
    service = IncidentService(Database(url), zone=ZONE)
    chooser = random.Random(seed)
    barrier.wait()  # type: ignore[attr-defined]
    for _ in range(count):
        target = chooser.choice([Status.INVESTIGATING, Status.IDENTIFIED, Status.MONITORING])
        try:
            service.set_status(Where("T1", number=1), actor=f"U{seed}", status=target)
            results.put("changed")  # type: ignore[attr-defined]
        except RuleRefused:
            results.put("refused")  # type: ignore[attr-defined]


def _note_many(url: str, writer: int, count: int, barrier: object, results: object) -> None:
    service = IncidentService(Database(url), zone=ZONE)
    barrier.wait()  # type: ignore[attr-defined]
    for i in range(count):
        service.note(Where("T1", number=1), actor=f"U{writer}", text=f"writer {writer} note {i}")
        results.put("noted")  # type: ignore[attr-defined]


def _run_processes(target: Callable[..., None], argument_sets: list[tuple[object, ...]]) -> list[object]:
    barrier = FORK.Barrier(len(argument_sets))
    results = FORK.Queue()
    processes = [FORK.Process(target=target, args=(*args, barrier, results)) for args in argument_sets]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
        assert process.exitcode == 0, f"a writer process failed with exit code {process.exitcode}"
    collected = []
    while not results.empty():
        collected.append(results.get())
    return collected


def _numbers_in(db: Database) -> list[int]:
    with db.read() as session:
        return sorted(session.exec(select(IncidentRow.number)).all())


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_db(request: pytest.FixtureRequest) -> Database:
    """A database several processes can open: a SQLite file, or PostgreSQL."""
    db = request.getfixturevalue("sqlite_file_db" if request.param == "sqlite" else "pg_db")
    assert isinstance(db, Database)
    return db


def test_four_processes_opening_fifty_incidents_at_once_get_numbers_1_to_50(shared_db: Database) -> None:
    url = shared_db.url.render_as_string(hide_password=False)
    handed_out = _run_processes(_open_many, [(url, 13), (url, 13), (url, 12), (url, 12)])
    assert sorted(handed_out) == list(range(1, 51))  # type: ignore[type-var]
    assert _numbers_in(shared_db) == list(range(1, 51))


def _assert_status_history_is_consistent(db: Database, changed: int) -> None:
    with db.read() as session:
        entries = session.exec(
            select(TimelineRow).where(TimelineRow.kind == "status").order_by(TimelineRow.id)  # type: ignore[arg-type]
        ).all()
        incident = session.exec(select(IncidentRow)).one()
    assert len(entries) == changed, "every accepted change is on the timeline, none lost"
    current = Status.INVESTIGATING.value
    for entry in entries:
        assert entry.status_from == current, "each change starts from the status the previous one left"
        assert entry.status_to != entry.status_from, "no change to the same status without a message"
        current = entry.status_to or ""
    assert incident.status == current


def test_twenty_concurrent_status_changes_on_one_incident_lose_nothing_and_break_no_rule(
    shared_db: Database,
) -> None:
    IncidentService(shared_db, zone=ZONE).open(team_id="T1", actor="U1", title="Checkout fails")
    url = shared_db.url.render_as_string(hide_password=False)
    outcomes = _run_processes(_change_status, [(url, seed, 5) for seed in range(4)])
    assert len(outcomes) == 20
    _assert_status_history_is_consistent(shared_db, outcomes.count("changed"))


def test_four_processes_noting_one_incident_at_once_put_every_note_on_its_timeline_once_in_each_writers_order(
    shared_db: Database,
) -> None:
    IncidentService(shared_db, zone=ZONE).open(team_id="T1", actor="U1", title="Checkout fails")
    url = shared_db.url.render_as_string(hide_password=False)
    outcomes = _run_processes(_note_many, [(url, writer, 25) for writer in range(4)])
    assert outcomes == ["noted"] * 100
    with shared_db.read() as session:
        stored = repo.get_by_number(session=session, team_id="T1", number=1)
        assert stored is not None
        texts = [item.entry.text for item in repo.timeline(session=session, incident_id=stored.id)][1:]
    assert sorted(texts) == sorted(f"writer {w} note {i}" for w in range(4) for i in range(25)), "each note once"
    for writer in range(4):
        mine = [text for text in texts if text.startswith(f"writer {writer} ")]
        assert mine == [f"writer {writer} note {i}" for i in range(25)], "in the order its writer added them"


def test_a_note_goes_through_while_a_change_holds_the_incidents_row_lock(pg_db: Database) -> None:
    """PostgreSQL only (SQLite runs one write transaction at a time): only changes to the incident
    itself wait for each other; a note takes no lock on it."""
    service = IncidentService(pg_db, zone=ZONE)
    service.open(team_id="T1", actor="U1", title="Checkout fails")
    noted: list[object] = []
    with pg_db.write() as session:
        assert repo.get_by_number(session=session, team_id="T1", number=1, for_update=True) is not None
        note = threading.Thread(
            target=lambda: noted.append(service.note(Where("T1", number=1), actor="U2", text="rolled back"))
        )
        note.start()
        note.join(20)
        assert len(noted) == 1, "the note was added while the incident stayed locked"
    assert [entry.text for entry in service.timeline(Where("T1", number=1)).entries][-1] == "rolled back"


def _wait_until_someone_waits_for_a_lock(db: Database) -> None:
    """Poll PostgreSQL until a connection of this database is blocked on a row lock."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + 10
    with db.engine.connect() as connection:
        while connection.execute(query).scalar() == 0:
            assert time.monotonic() < deadline, "nobody ever waited for the lock"
            time.sleep(0.01)
            connection.rollback()  # a fresh snapshot of pg_stat_activity each time


@pytest.mark.parametrize("decided", [DraftState.PUBLISHED, DraftState.DISCARDED])
def test_a_draft_decided_while_the_status_changes_stays_decided(pg_db: Database, decided: DraftState) -> None:
    """PostgreSQL only: under READ COMMITTED the status change saw the draft still proposed, waited
    for the decision's row lock, then overwrote it with `stale`. SQLite's BEGIN IMMEDIATE runs
    writers one after the other, so this interleaving cannot happen there."""
    service = IncidentService(pg_db, zone=ZONE)
    service.open(team_id="T1", actor="U1", title="Checkout fails")
    incident = service.get(Where("T1", number=1))
    draft = compose(
        status=incident.status,
        attack=incident.attack,
        language="en",
        length="short",
        public_name="Chirper",
        impact="",
        next_update=None,
        zone=ZONE,
        duration=None,
    )
    with pg_db.write() as session:
        stored = repo.get_by_number(session=session, team_id="T1", number=1)
        assert stored is not None
        draft_id = stored_drafts.insert(session=session, incident_id=stored.id, draft=draft, actor="U1", now=NOW)
    changed: list[object] = []
    with pg_db.write() as session:
        assert stored_drafts.get(session=session, draft_id=draft_id, for_update=True) is not None
        decide = stored_drafts.publish if decided is DraftState.PUBLISHED else stored_drafts.discard
        decide(session=session, draft_id=draft_id, actor="U1", now=NOW)
        status_change = threading.Thread(
            target=lambda: changed.append(
                service.set_status(Where("T1", number=1), actor="U2", status=Status.IDENTIFIED)
            )
        )
        status_change.start()
        _wait_until_someone_waits_for_a_lock(pg_db)
    status_change.join(10)
    assert len(changed) == 1, "the status change went through"
    with pg_db.read() as session:
        after = stored_drafts.get(session=session, draft_id=draft_id)
    assert after is not None and (after.state, after.decided_by) == (decided, "U1")
