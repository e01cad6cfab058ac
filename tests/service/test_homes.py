"""The App Home through its service, on SQLite and PostgreSQL (docs/behaviour.md, The App Home):
what each person's Home holds (visibility, language, zone, due updates, the last resolved, their
follow-ups), and when it is published again (a change asks, a person at most every 10 s)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from bot.aftermath import AftermathService
from bot.config import Settings, parse_reminders
from bot.domain.catalog import Catalog
from bot.domain.incident import Status
from bot.domain.roles import Role
from bot.home import HomeService
from bot.lookup import Where
from bot.paging import PagingService
from bot.sandbox import ManualClock
from bot.service import IncidentService
from bot.storage import home, members, repository
from bot.storage.db import Database
from bot.storage.members import Member

IST = ZoneInfo("Asia/Kolkata")
TEAM = "T1"
ALICE, BOB, CLAIRE, GUEST = "U0ALICE", "U0BOB", "U0CLAIRE", "U0GUEST"
START = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)


class World:
    """Incidents, follow-ups and the App Home on one database, on a clock the test moves."""

    def __init__(self, db: Database, *, guests_read: bool = False) -> None:
        self.db = db
        self.clock = ManualClock(START)
        cadences = parse_reminders("sev1=30m,sev2=60m,sev3=off,sev4=off")
        self.settings = Settings(zone=IST, languages=("en", "fr"), reminders=cadences, guests_read=guests_read)
        self.incidents = IncidentService(db, zone=IST, clock=self.clock, cadences=cadences, languages=("en", "fr"))
        self.aftermath = AftermathService(db, zone=IST, clock=self.clock)
        self.homes = HomeService(db, self.settings, clock=self.clock)
        with db.write() as session:
            people = [
                Member(ALICE, TEAM, "alice", "Alice", locale="en-US", tz="Asia/Kolkata"),
                Member(BOB, TEAM, "bob", "Bob", locale="en-GB", tz="Europe/London"),
                Member(CLAIRE, TEAM, "claire", "Claire", locale="fr-FR", tz="Europe/Paris"),
                Member(GUEST, TEAM, "guest", "Guest", is_restricted=True),
            ]
            members.put(session=session, members=people, learned_at=START)

    def open(self, title: str, *, actor: str = ALICE, severity: int = 1, private: bool = False) -> int:
        return self.incidents.open(
            team_id=TEAM, actor=actor, title=title, severity=severity, private=private
        ).incident.number

    def publishes(self) -> list[tuple[str, datetime]]:
        """The pending `home.publish` rows: whose Home, not before when."""
        with self.db.engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT payload, not_before FROM effect"
                    " WHERE kind = 'home.publish' AND state = 'pending' ORDER BY id"
                )
            ).all()
        found = []
        for payload, not_before in rows:
            moment = not_before if isinstance(not_before, datetime) else datetime.fromisoformat(str(not_before))
            found.append((json.loads(payload)["user"], moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment))
        return found

    def sent(self) -> None:
        """The sender published every pending Home (as if Slack answered at once)."""
        with self.db.engine.begin() as connection:
            connection.execute(text("UPDATE effect SET state = 'done' WHERE kind = 'home.publish'"))


@pytest.fixture
def world(any_db: Database) -> World:
    return World(any_db)


def numbers(listed: object) -> list[int]:
    return [item.incident.number for item in listed]  # type: ignore[attr-defined]


def test_a_lead_sees_their_incident_with_its_next_public_update_due(world: World) -> None:
    world.open("Checkout fails")
    world.clock.advance(minutes=18)
    alice = world.homes.read(team_id=TEAM, user_id=ALICE)
    assert numbers(alice.mine) == [1] and alice.others == []
    with world.db.read() as session:
        stored = repository.get_by_number(session=session, team_id=TEAM, number=1)
    assert stored is not None and alice.mine[0].due == stored.schedule.due  # the reminders' deadline, as stored
    assert stored.schedule.due == datetime(2022, 2, 17, 16, 45, tzinfo=UTC)  # sev1: 30 min, at the reminders' step
    assert (alice.language, alice.zone, alice.guest) == ("en", IST, False)
    bob = world.homes.read(team_id=TEAM, user_id=BOB)
    assert bob.mine == [] and numbers(bob.others) == [1] and bob.zone == ZoneInfo("Europe/London")


def test_every_role_makes_an_incident_mine(world: World) -> None:
    world.open("Checkout fails")
    world.incidents.set_lead(Where(TEAM, number=1), actor=ALICE, lead=BOB)
    assert numbers(world.homes.read(team_id=TEAM, user_id=BOB).mine) == [1]
    assert numbers(world.homes.read(team_id=TEAM, user_id=ALICE).others) == [1]  # opened it, holds no role now


def test_a_private_incident_is_only_on_its_peoples_homes(world: World) -> None:
    world.open("Card numbers in the logs", private=True)
    world.open("Search is slow", severity=3)
    assert numbers(world.homes.read(team_id=TEAM, user_id=ALICE).mine) == [1, 2]
    assert numbers(world.homes.read(team_id=TEAM, user_id=BOB).others) == [2]
    world.incidents.set_role(Where(TEAM, number=1), actor=ALICE, role=Role.SCRIBE, person=BOB)
    assert numbers(world.homes.read(team_id=TEAM, user_id=BOB).mine) == [1]


def test_a_guest_reads_nothing_by_default(world: World) -> None:
    world.open("Search is slow")
    guest = world.homes.read(team_id=TEAM, user_id=GUEST)
    assert (guest.guest, guest.reads) == (True, False)
    assert not (guest.mine or guest.others or guest.resolved or guest.follow_ups or guest.pages)


def test_a_guest_where_guests_may_read_reads_public_incidents_only_and_declares_nothing(any_db: Database) -> None:
    world = World(any_db, guests_read=True)  # INCIDENT_GUESTS_READ=true
    world.open("Card numbers in the logs", private=True)
    world.open("Search is slow")
    guest = world.homes.read(team_id=TEAM, user_id=GUEST)
    assert guest.guest and guest.reads and guest.mine == [] and numbers(guest.others) == [2]
    assert guest.alert_groups is None and guest.oncall is None and guest.pages is None


def test_someone_the_bot_has_never_heard_of_reads_what_a_guest_may(any_db: Database) -> None:
    world = World(any_db, guests_read=True)
    world.open("Card numbers in the logs", private=True)
    stranger = world.homes.read(team_id=TEAM, user_id="U0STRANGER")
    assert stranger.guest and stranger.others == []
    assert not World(any_db).homes.read(team_id=TEAM, user_id="U0STRANGER").reads


def test_a_french_locale_picks_french_and_their_zone(world: World) -> None:
    claire = world.homes.read(team_id=TEAM, user_id=CLAIRE)
    assert (claire.language, claire.zone) == ("fr", ZoneInfo("Europe/Paris"))


def test_the_last_five_resolved_with_their_durations_and_my_follow_ups(world: World) -> None:
    for number in range(1, 8):
        world.open(f"Outage {number}")
        world.clock.advance(minutes=10 * number)
        world.incidents.close(Where(TEAM, number=number), actor=ALICE)
    world.aftermath.add_follow_up(Where(TEAM, number=7), actor=ALICE, text="Alert on 5xx", owner=BOB, due=None)
    world.aftermath.add_follow_up(Where(TEAM, number=6), actor=ALICE, text="Runbook", owner=BOB, due="2022-02-24")
    bob = world.homes.read(team_id=TEAM, user_id=BOB)
    assert numbers(bob.resolved) == [7, 6, 5, 4, 3]
    assert [item.lasted for item in bob.resolved][:2] == [timedelta(minutes=70), timedelta(minutes=60)]
    assert [(item.text, str(item.due)) for item in bob.follow_ups] == [
        ("Runbook", "2022-02-24"),
        ("Alert on 5xx", "None"),
    ]


def test_opening_the_home_queues_one_publish_and_at_most_one_every_ten_seconds(world: World) -> None:
    world.homes.opened(team_id=TEAM, user_id=ALICE)
    world.homes.opened(team_id=TEAM, user_id=ALICE)  # opened again before it went: nothing more to do
    assert world.publishes() == [(ALICE, START)]
    world.sent()
    world.clock.advance(seconds=3)
    world.homes.opened(team_id=TEAM, user_id=ALICE)
    assert world.publishes() == [(ALICE, START + timedelta(seconds=10))]  # 10 s after the previous one


def test_a_change_refreshes_the_homes_opened_in_the_last_seven_days(world: World) -> None:
    world.homes.opened(team_id=TEAM, user_id=BOB)
    world.clock.advance(days=8)
    world.homes.opened(team_id=TEAM, user_id=ALICE)
    world.sent()
    world.clock.advance(seconds=20)
    world.open("Checkout fails")  # recorded with its refresh request, in its own transaction
    assert world.homes.refresh(team_id=TEAM) == 1
    assert world.publishes() == [(ALICE, world.clock.now)]  # bob opened his 8 days ago
    assert world.homes.refresh(team_id=TEAM) == 0  # the request was taken


def test_changes_in_a_burst_make_one_publish_a_person(world: World) -> None:
    world.homes.opened(team_id=TEAM, user_id=ALICE)
    world.sent()
    world.open("Checkout fails")
    world.homes.refresh(team_id=TEAM)
    for status in ("identified", "monitoring"):
        world.incidents.set_status(Where(TEAM, number=1), actor=ALICE, status=Status(status))
        world.homes.refresh(team_id=TEAM)
    assert world.publishes() == [(ALICE, START + timedelta(seconds=10))]


def test_nobody_looking_means_no_refresh_is_even_asked_for(world: World) -> None:
    world.open("Checkout fails")
    with world.db.read() as session:
        assert home.refresh_requests(session=session) == 0


def test_a_note_changes_nothing_a_home_shows_and_asks_for_no_refresh(world: World) -> None:
    world.homes.opened(team_id=TEAM, user_id=ALICE)
    world.open("Checkout fails")
    world.homes.refresh(team_id=TEAM)
    world.incidents.note(Where(TEAM, number=1), actor=ALICE, text="looking at the load balancer")
    with world.db.read() as session:
        assert home.refresh_requests(session=session) == 0


def test_a_page_waits_on_the_paged_persons_home_until_they_answer(world: World) -> None:
    paging = PagingService(world.db, zone=IST, clock=world.clock, catalog=Catalog())
    world.open("Checkout fails")
    world.homes.opened(team_id=TEAM, user_id=BOB)
    world.clock.advance(minutes=2)
    paging.page(Where(TEAM, number=1), actor=ALICE, people=[BOB])
    assert world.homes.refresh(team_id=TEAM) == 0  # bob's first publish still waits: it will show the page
    world.clock.advance(minutes=3)
    [page] = world.homes.read(team_id=TEAM, user_id=BOB).pages or []
    assert (page.incident.number, page.paged_by, page.paged_at) == (1, ALICE, START + timedelta(minutes=2))
    assert world.homes.read(team_id=TEAM, user_id=ALICE).pages == []
    paging.acknowledge(page_id=page.page_id, actor=BOB)
    assert world.homes.read(team_id=TEAM, user_id=BOB).pages == []
