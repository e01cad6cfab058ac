"""The member check: from the database or the recent cache, events applied at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.errors import Forbidden, SlackUnavailable
from bot.members import CACHE_SECONDS, MemberCheck, RecentMembers, SlackUser, read_user
from bot.storage.db import Database
from bot.storage.members import Member, get
from slack_emulator import SlackEmulator

NOW = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emu:
        yield emu


def check(db: Database, emulator: SlackEmulator, monotonic: FakeMonotonic) -> MemberCheck:
    client = WebClient(token=emulator.bot_token, base_url=emulator.api_url)
    return MemberCheck(db, client, clock=lambda: NOW, recent=RecentMembers(monotonic=monotonic))


def bob(**changes: Any) -> SlackUser:
    """Bob as a user_change event describes him."""
    user: dict[str, Any] = {"id": "U0BOB", "team_id": "T0EMULATOR", "name": "bob", "real_name": "Bob Martin"}
    return read_user({**user, "profile": {"display_name": "bob", "real_name": "Bob Martin"}, **changes})


def test_a_known_member_is_checked_without_slack_and_then_without_the_database(
    sqlite_db: Database, emulator: SlackEmulator
) -> None:
    members = check(sqlite_db, emulator, FakeMonotonic())
    members.learn(bob())
    emulator.down()
    members.ensure_can_change("U0BOB")
    members.db = None  # type: ignore[assignment]  # any database access would now fail
    members.ensure_can_change("U0BOB")
    assert emulator.calls("users.info") == []


def test_a_user_change_in_this_process_applies_to_the_very_next_check(
    sqlite_db: Database, emulator: SlackEmulator
) -> None:
    members = check(sqlite_db, emulator, FakeMonotonic())
    members.learn(bob())
    members.ensure_can_change("U0BOB")
    members.learn(bob(is_restricted=True))
    with pytest.raises(Forbidden, match="Workspace guests cannot change incidents"):
        members.ensure_can_change("U0BOB")


def test_a_guest_reads_nothing_unless_guests_may_read_and_then_nobody_is_looked_up(
    sqlite_db: Database, emulator: SlackEmulator
) -> None:
    members = check(sqlite_db, emulator, FakeMonotonic())
    members.learn(bob())
    members.ensure_can_read("U0BOB")
    members.learn(bob(is_restricted=True))
    with pytest.raises(Forbidden, match="Workspace guests cannot read incidents here"):
        members.ensure_can_read("U0BOB")
    members.learn(bob(is_restricted=True, is_ultra_restricted=True))
    with pytest.raises(Forbidden, match="Workspace guests cannot read incidents here"):
        members.ensure_can_read("U0BOB")
    client = WebClient(token=emulator.bot_token, base_url=emulator.api_url)
    allowed = MemberCheck(sqlite_db, client, clock=lambda: NOW, guests_read=True)
    allowed.ensure_can_read("U0BOB")
    allowed.ensure_can_read("U0NOBODY")  # unknown: not even asked about
    assert emulator.calls("users.info") == []
    with pytest.raises(Forbidden, match="Workspace guests cannot change incidents"):
        allowed.ensure_can_change("U0BOB")


def test_another_process_sees_a_user_change_once_its_cache_entry_expires(
    sqlite_db: Database, emulator: SlackEmulator
) -> None:
    clock = FakeMonotonic()
    here, there = check(sqlite_db, emulator, clock), check(sqlite_db, emulator, clock)
    here.learn(bob())
    there.ensure_can_change("U0BOB")  # cached there
    here.learn(bob(is_restricted=True, is_ultra_restricted=True))
    there.ensure_can_change("U0BOB")  # still cached: the documented delay
    clock.now += CACHE_SECONDS + 1
    with pytest.raises(Forbidden):
        there.ensure_can_change("U0BOB")


def test_the_recent_cache_keeps_at_most_its_size_dropping_the_least_recently_used() -> None:
    recent = RecentMembers(size=2, monotonic=FakeMonotonic())
    people = [Member(user_id=f"U{n}", team_id="T", display_name=f"p{n}", real_name="") for n in range(3)]
    recent.put(people[0])
    recent.put(people[1])
    assert recent.get("U0") == people[0]  # now the most recently used
    recent.put(people[2])
    assert (recent.get("U0"), recent.get("U1"), recent.get("U2")) == (people[0], None, people[2])


def test_a_locale_and_zone_slack_said_are_kept_when_an_event_does_not_repeat_them(any_db: Database) -> None:
    """users.list (with `include_locale`) says them; a `user_change` may not: what the App Home is
    labelled in stays (bot.domain.home), and a new one replaces it."""
    with SlackEmulator() as emulator:
        members = check(any_db, emulator, FakeMonotonic())
        members.learn(bob(locale="fr-FR", tz="Europe/Paris"))
        members.learn(bob(is_restricted=True))  # an event without them
        with any_db.read() as session:
            stored = get(session=session, user_id="U0BOB")
        assert stored is not None and (stored.locale, stored.tz, stored.is_guest) == ("fr-FR", "Europe/Paris", True)
        members.learn(bob(locale="en-GB"))
        with any_db.read() as session:
            assert get(session=session, user_id="U0BOB").locale == "en-GB"  # type: ignore[union-attr]


def test_someone_unknown_is_looked_up_with_their_locale(sqlite_db: Database, emulator: SlackEmulator) -> None:
    emulator.add_user("claire", locale="fr-FR", tz="Europe/Paris")
    members = check(sqlite_db, emulator, FakeMonotonic())
    members.look_up_unknown([emulator.user("claire").id])
    [call] = emulator.calls("users.info")
    assert call.args.get("include_locale") in (True, "true", "1", "True")
    with sqlite_db.read() as session:
        claire = get(session=session, user_id=emulator.user("claire").id)
    assert claire is not None and (claire.locale, claire.tz) == ("fr-FR", "Europe/Paris")


class SlowSlack(FakeMonotonic):
    """Every users.info Slack has answered took a whole second (the most a lookup waits)."""

    def __init__(self, emulator: SlackEmulator) -> None:
        super().__init__()
        self.emulator = emulator

    def __call__(self) -> float:
        return self.now + len(self.emulator.calls("users.info"))


def test_people_named_are_looked_up_within_a_budget_and_stored_only_once_all_are_known(
    sqlite_db: Database, emulator: SlackEmulator
) -> None:
    newcomers = [emulator.add_user(name).id for name in ("erin", "frank", "hana")]
    members = check(sqlite_db, emulator, SlowSlack(emulator))
    with pytest.raises(SlackUnavailable) as refused:
        members.look_up_people(newcomers)
    assert f"(`{newcomers[2]}`)" in refused.value.message and "too slow" in refused.value.message
    assert len(emulator.calls("users.info")) == 2, "a third could end past the budget (2 s): it is not begun"
    with sqlite_db.read() as session:
        assert [get(session=session, user_id=user_id) for user_id in newcomers] == [None] * 3, "nothing stored"
    members = check(sqlite_db, emulator, FakeMonotonic())
    assert members.look_up_people([*newcomers, "U0NOBODY"]) == {"U0NOBODY"}
    with sqlite_db.read() as session:
        assert all(get(session=session, user_id=user_id) for user_id in newcomers)
