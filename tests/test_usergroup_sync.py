"""The user groups pages reach, kept current without asking Slack before an ack: the member sync's
round reads them (usergroups.list, then usergroups.users.list per group, Retry-After honoured), the
subteam_* events change them at once, a newer description is never undone by an older one, and a
group nobody has heard of is looked up once, bounded. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient

from bot.domain.usergroups import KnownGroup, NoSuchGroup
from bot.member_sync import MemberSync
from bot.sandbox import ManualClock
from bot.storage import usergroups
from bot.storage.db import Database
from bot.usergroup_sync import GroupSyncFailed, SlackUserGroup, UserGroupChanged, UserGroupMembersChanged, UserGroupSync
from slack_emulator import SlackEmulator

START = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emu:
        yield emu
        assert emu.internal_errors == []


class FakeSleep:
    def __init__(self) -> None:
        self.slept: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)


def make_sync(db: Database, emulator: SlackEmulator) -> tuple[UserGroupSync, FakeSleep]:
    sleep = FakeSleep()
    client = WebClient(token=emulator.bot_token, base_url=emulator.api_url)
    return UserGroupSync(db, client, clock=ManualClock(START), sleep=sleep), sleep


def stored(db: Database, handle: str) -> KnownGroup | None:
    with db.read() as session:
        return usergroups.by_handle(session=session, handle=handle)


def test_a_round_stores_every_group_with_its_members_and_knows_disabled_ones(
    any_db: Database, emulator: SlackEmulator
) -> None:
    web = emulator.add_usergroup("oncall-web", members=["bob", "alice"], name="Web on call")
    old = emulator.add_usergroup("old-team", members=["bob"])
    emulator.workspace.usergroups[old].deleted = 1700000000
    sync, _ = make_sync(any_db, emulator)
    assert sync.run() == 2
    assert stored(any_db, "@Oncall-Web") == KnownGroup(web, "oncall-web", "Web on call", ("U0BOB", "U0ALICE"))
    assert stored(any_db, "old-team") == KnownGroup(old, "old-team", "Old team", (), disabled=True)
    asked = [call.args.get("usergroup") for call in emulator.calls("usergroups.users.list")]
    assert asked == [web]  # a disabled group's members are never paged: not asked for


def test_a_rate_limited_call_is_made_again_after_exactly_retry_after(
    sqlite_db: Database, emulator: SlackEmulator
) -> None:
    emulator.add_usergroup("oncall-web", members=["bob"])
    emulator.rate_limit_next("usergroups.users.list", retry_after=7)
    sync, sleep = make_sync(sqlite_db, emulator)
    assert sync.run() == 1
    assert sleep.slept == [7.0]
    group = stored(sqlite_db, "oncall-web")
    assert group is not None and group.members == ("U0BOB",)


def test_a_workspace_without_user_groups_leaves_the_member_sync_done(
    sqlite_db: Database, emulator: SlackEmulator
) -> None:
    emulator.fail_next("usergroups.list", status=500, times=1)
    sync, _ = make_sync(sqlite_db, emulator)
    with pytest.raises(GroupSyncFailed, match=r"usergroups\.list failed: HTTP 500"):
        sync.run()
    client = WebClient(token=emulator.bot_token, base_url=emulator.api_url)
    emulator.fail_next("usergroups.list", status=500, times=1)
    members = MemberSync(
        sqlite_db, client, clock=ManualClock(START), sleep=FakeSleep(), workspace=lambda: "T0EMULATOR", also=sync.run
    )
    assert members.run() == 5  # the members stand; the groups' failure is logged


def test_events_change_a_group_at_once_and_an_older_description_never_undoes_a_newer_one(
    any_db: Database, emulator: SlackEmulator
) -> None:
    sync, _ = make_sync(any_db, emulator)
    created = SlackUserGroup("S0WEB", "oncall-web", "T0EMULATOR", "Web on call", updated=100, users=("U0BOB",))
    sync.learn(UserGroupChanged(created))
    sync.learn(UserGroupMembersChanged("S0WEB", added=("U0ALICE",), removed=("U0BOB",), updated=200))
    assert stored(any_db, "oncall-web") == KnownGroup("S0WEB", "oncall-web", "Web on call", ("U0ALICE",))
    stale = SlackUserGroup("S0WEB", "oncall-web", "T0EMULATOR", "Web on call", updated=150, users=("U0BOB",))
    sync.learn(UserGroupChanged(stale))  # read before the change above, arriving after it
    sync.learn(UserGroupMembersChanged("S0WEB", added=("U0BOB",), removed=(), updated=120))
    assert stored(any_db, "oncall-web") == KnownGroup("S0WEB", "oncall-web", "Web on call", ("U0ALICE",))
    renamed = SlackUserGroup("S0WEB", "web-oncall", "T0EMULATOR", "Web", updated=300, users=None)  # cut short
    sync.learn(UserGroupChanged(renamed))
    assert stored(any_db, "web-oncall") == KnownGroup("S0WEB", "web-oncall", "Web", ("U0ALICE",))
    assert stored(any_db, "oncall-web") is None


def test_a_group_nobody_has_heard_of_is_looked_up_once_and_stored(any_db: Database, emulator: SlackEmulator) -> None:
    group_id = emulator.add_usergroup("db-oncall", members=["alice"])
    sync, _ = make_sync(any_db, emulator)
    found = sync.look_up(group_id, "@db-oncall")
    assert found == KnownGroup(group_id, "db-oncall", "db-oncall", ("U0ALICE",))
    assert stored(any_db, "db-oncall") == found
    with pytest.raises(NoSuchGroup):  # Slack answered: there is none (not "could not tell")
        sync.look_up("S0NOPE", "@nope")
    assert stored(any_db, "nope") is None
    emulator.down()
    assert sync.look_up(group_id, "@db-oncall") is None  # Slack away: no answer, nothing waits long
