"""Pages answered and escalated by several processes at once, on SQLite and PostgreSQL
(docs/behaviour.md, Paging): one acknowledgement wins and the others are told who took it; one
process takes a due escalation, however many look; a resolution ends every page, whichever goes first.

Real processes, each with its own engine and connections, released at once by a barrier.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.domain.catalog import read_catalog
from bot.domain.incident import EntryKind
from bot.domain.usergroups import KnownGroup
from bot.errors import RuleRefused
from bot.lookup import Where
from bot.paging import PagingService
from bot.service import IncidentService
from bot.storage import members, pages, usergroups
from bot.storage.db import Database
from bot.storage.effect_tables import EffectRow
from bot.storage.members import Member
from bot.storage.paging_tables import PageRequestRow, PageRow
from bot.storage.tables import TimelineRow

ZONE = ZoneInfo("UTC")
NOW = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)
FORK = multiprocessing.get_context("fork")
PEOPLE = ("U1", "U2", "U3", "U4")
CATALOG = read_catalog('[[component]]\nid = "home"\nname = "Home page"\noncall = "oncall"\nescalation = "leads"\n')


def service(db: Database, clock: Callable[[], datetime] = lambda: NOW) -> PagingService:
    return PagingService(db, zone=ZONE, clock=clock, catalog=CATALOG)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_db(request: pytest.FixtureRequest) -> Database:
    """A database several processes can open: a SQLite file, or PostgreSQL."""
    db = request.getfixturevalue("sqlite_file_db" if request.param == "sqlite" else "pg_db")
    assert isinstance(db, Database)
    return db


def paged_home(db: Database) -> list[int]:
    """INC-1, its on-call group (four people) paged by U0, each page's message sent at NOW; the page ids."""
    IncidentService(db, zone=ZONE, clock=lambda: NOW).open(team_id="T1", actor="U0", title="Checkout fails")
    with db.write() as session:
        people = [Member(user_id=p, team_id="T1", display_name=p.lower(), real_name="") for p in ("U0", *PEOPLE, "U9")]
        members.put(session=session, members=people, learned_at=NOW)
        for group_id, handle, in_it in (("S1", "oncall", PEOPLE), ("S2", "leads", ("U9",))):
            group = KnownGroup(group_id, handle, handle, in_it)
            usergroups.put(session=session, team_id="T1", group=group, updated=1, learned_at=NOW)
    service(db).page(Where("T1", number=1, user_id="U0"), actor="U0", components=["home"])
    with db.write() as session:
        ids = [row.id for row in session.exec(select(PageRow).order_by(PageRow.id)) if row.id is not None]  # type: ignore[arg-type]
        for page_id in ids:
            pages.sent(
                session=session, page_id=page_id, channel="D1", ts="1", sent_at=NOW, escalate_after=timedelta(minutes=5)
            )
    return ids


def _acknowledge(url: str, page_id: int, person: str, barrier: object, results: object) -> None:
    paging = service(Database(url), clock=lambda: NOW + timedelta(minutes=2))
    barrier.wait()  # type: ignore[attr-defined]
    try:
        paging.acknowledge(page_id=page_id, actor=person)
        results.put(f"won {person}")  # type: ignore[attr-defined]
    except RuleRefused as refused:
        results.put(refused.message)  # type: ignore[attr-defined]


def _escalate(url: str, barrier: object, results: object) -> None:
    paging = service(Database(url), clock=lambda: NOW + timedelta(minutes=6))
    barrier.wait()  # type: ignore[attr-defined]
    results.put(paging.escalations.send_due(team_id="T1"))  # type: ignore[attr-defined]


def run_processes(target: Callable[..., None], argument_sets: list[tuple[object, ...]]) -> list[object]:
    barrier = FORK.Barrier(len(argument_sets))
    results = FORK.Queue()
    processes = [FORK.Process(target=target, args=(*args, barrier, results)) for args in argument_sets]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
        assert process.exitcode == 0, f"a process failed with exit code {process.exitcode}"
    return [results.get(timeout=5) for _ in argument_sets]


def kinds(db: Database) -> list[str]:
    with db.read() as session:
        return [row.kind for row in session.exec(select(TimelineRow).order_by(TimelineRow.id))]  # type: ignore[arg-type]


def test_four_people_acknowledging_at_once_in_four_processes_one_wins_and_the_others_are_told_who(
    shared_db: Database,
) -> None:
    ids = paged_home(shared_db)
    url = shared_db.url.render_as_string(hide_password=False)
    outcomes = run_processes(
        _acknowledge, [(url, page_id, person) for page_id, person in zip(ids, PEOPLE, strict=True)]
    )
    [won] = [outcome for outcome in outcomes if str(outcome).startswith("won ")]
    winner = str(won).removeprefix("won ")
    assert sorted(outcomes) == sorted(
        [won, *[f"{winner.lower()} acknowledged it at 16:13 UTC: nothing more to do."] * 3]
    )
    assert kinds(shared_db).count(EntryKind.PAGE_ACKNOWLEDGED.value) == 1
    with shared_db.read() as session:
        states = {row.user_id: row.state for row in session.exec(select(PageRow))}
    assert states == {person: "acknowledged" if person == winner else "taken" for person in PEOPLE}


def test_four_processes_finding_one_page_due_escalate_it_once(shared_db: Database) -> None:
    paged_home(shared_db)
    url = shared_db.url.render_as_string(hide_password=False)
    taken = run_processes(_escalate, [(url,)] * 4)
    assert sorted(taken) == [0, 0, 0, 1]  # type: ignore[type-var]
    assert kinds(shared_db).count(EntryKind.PAGE_ESCALATED.value) == 1
    with shared_db.read() as session:
        escalated = [row.user_id for row in session.exec(select(PageRow)) if row.via == "escalation"]
    assert escalated == ["U9"]
    # and once escalated, a later round takes nothing until the escalation's own message is sent
    assert service(shared_db, clock=lambda: NOW + timedelta(hours=1)).escalations.send_due(team_id="T1") == 0


def _close(url: str, barrier: object, results: object) -> None:
    incidents = IncidentService(Database(url), zone=ZONE, clock=lambda: NOW + timedelta(minutes=6))
    barrier.wait()  # type: ignore[attr-defined]
    incidents.close(Where("T1", number=1, user_id="U0"), actor="U0")
    results.put("closed")  # type: ignore[attr-defined]


def _close_or_escalate(url: str, closes: bool, barrier: object, results: object) -> None:
    (_close if closes else _escalate)(url, barrier, results)


def test_a_resolution_and_three_processes_finding_its_page_due_at_once_leave_nothing_waiting(
    shared_db: Database,
) -> None:
    """Whoever goes first, once the incident is resolved no page waits and no step is left to take:
    an escalation taken just before the resolution is ended by it, one after finds nothing to take."""
    paged_home(shared_db)
    url = shared_db.url.render_as_string(hide_password=False)
    outcomes = run_processes(_close_or_escalate, [(url, True), (url, False), (url, False), (url, False)])
    assert "closed" in outcomes
    with shared_db.read() as session:
        page_states = {row.state for row in session.exec(select(PageRow))}
        [request] = pages.requests_of(session=session, incident_id=1)
        assert pages.earliest(session=session, team_id="T1") is None
    assert page_states == {"ended"} and request.state.value == "ended" and request.escalate_at is None
    assert EntryKind.PAGE_UNANSWERED.value not in kinds(shared_db)
    later = service(shared_db, clock=lambda: NOW + timedelta(hours=1))
    assert later.escalations.send_due(team_id="T1") == 0
    assert EntryKind.PAGE_UNANSWERED.value not in kinds(shared_db)


def test_a_request_an_earlier_version_left_waiting_on_a_resolved_incident_ends_when_due_telling_nobody(
    shared_db: Database,
) -> None:
    """Before resolutions ended pages, a resolved incident's request kept its escalation time; when
    it comes, the request and its pages end, the channel is told nothing, and the messages are edited."""
    ids = paged_home(shared_db)
    IncidentService(shared_db, zone=ZONE, clock=lambda: NOW + timedelta(minutes=1)).close(
        Where("T1", number=1, user_id="U0"), actor="U0"
    )
    with shared_db.write() as session:  # as that version left it
        for row in session.exec(select(PageRow)):
            row.state = "sent"
            session.add(row)
        [request] = session.exec(select(PageRequestRow)).all()
        request.state, request.escalate_at = "open", NOW + timedelta(minutes=5)
        session.add(request)
    assert service(shared_db, clock=lambda: NOW + timedelta(minutes=6)).escalations.send_due(team_id="T1") == 0
    with shared_db.read() as session:
        assert {row.state for row in session.exec(select(PageRow))} == {"ended"}
        [request] = pages.requests_of(session=session, incident_id=1)
        edits = [row.payload for row in session.exec(select(EffectRow)) if row.kind == "page.update"]
    assert request.state.value == "ended" and request.escalate_at is None
    assert sorted(edits) == sorted([f'{{"page_id": {page_id}}}' for page_id in ids] * 2)  # at the close, and now
    assert not {EntryKind.PAGE_UNANSWERED.value, EntryKind.PAGE_ESCALATED.value} & set(kinds(shared_db))
