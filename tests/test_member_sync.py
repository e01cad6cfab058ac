"""The users.list sync: every page, Retry-After honoured exactly, one process at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient

from bot.member_sync import LEASE, MemberSync, MemberSyncThread, SyncFailed
from bot.sandbox import ManualClock
from bot.storage import members as stored
from bot.storage.db import Database
from bot.storage.members import Member
from slack_emulator import SlackEmulator

START = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)
TEAM_ID = "T0EMULATOR"  # the emulator's workspace, as auth.test says


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emu:
        yield emu
        assert emu.internal_errors == []


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


class FakeSleep:
    def __init__(self) -> None:
        self.slept: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)


def make_sync(
    db: Database, emulator: SlackEmulator, clock: ManualClock, *, on_page: Callable[[], None] = lambda: None
) -> tuple[MemberSync, FakeSleep]:
    sleep = FakeSleep()
    client = WebClient(token=emulator.bot_token, base_url=emulator.api_url)
    return MemberSync(
        db, client, clock=clock, sleep=sleep, workspace=lambda: TEAM_ID, on_page=on_page, page_size=2
    ), sleep


def stored_member(db: Database, user_id: str) -> Member | None:
    with db.read() as session:
        return stored.get(session=session, user_id=user_id)


def stored_count(db: Database) -> int:
    with db.read() as session:
        return stored.count(session=session)


def test_a_sync_walks_every_page_and_stores_every_member(
    any_db: Database, emulator: SlackEmulator, clock: ManualClock
) -> None:
    sync, _ = make_sync(any_db, emulator, clock)
    assert sync.run() == 5
    cursors = [call.args.get("cursor") for call in emulator.calls("users.list")]
    assert len(cursors) == 3 and cursors[0] is None and len(set(cursors)) == 3
    assert stored_count(any_db) == 5
    gina = stored_member(any_db, "U0GINA")
    assert gina is not None and gina.is_guest and gina.real_name == "Gina Guest"
    alice = stored_member(any_db, "U0ALICE")
    assert alice == Member(
        user_id="U0ALICE",
        team_id="T0EMULATOR",
        display_name="alice",
        real_name="Alice Sharma",
        locale="en-US",  # asked for (`include_locale`): what the App Home's labels are in
        tz="Asia/Kolkata",
    )
    bot = stored_member(any_db, "U0BOT")
    assert bot is not None and bot.is_bot


def test_a_rate_limited_page_is_asked_again_after_exactly_retry_after(
    sqlite_db: Database, emulator: SlackEmulator, clock: ManualClock
) -> None:
    pages_stored: list[int] = []

    def after_page() -> None:
        pages_stored.append(1)
        if len(pages_stored) == 1:
            emulator.rate_limit_next("users.list", retry_after=7)

    sync, sleep = make_sync(sqlite_db, emulator, clock, on_page=after_page)
    assert sync.run() == 5
    calls = emulator.calls("users.list")
    assert [call.status for call in calls] == [200, 429, 200, 200]
    assert calls[1].args.get("cursor") == calls[2].args.get("cursor") is not None
    assert sleep.slept == [7.0]
    assert stored_count(sqlite_db) == 5


def test_a_failing_page_ends_the_round_and_the_next_try_starts_over(
    sqlite_db: Database, emulator: SlackEmulator, clock: ManualClock
) -> None:
    sync, sleep = make_sync(sqlite_db, emulator, clock, on_page=lambda: emulator.fail_next("users.list", status=503))
    with pytest.raises(SyncFailed, match="HTTP 503"):
        sync.run()
    assert stored_count(sqlite_db) == 2  # the first page stays
    assert sleep.slept == []  # a 503 is not a rate limit: no waiting, the round ends
    emulator.clear_faults()
    sync.on_page = lambda: None
    assert sync.run() == 5  # the lease was given back unfinished, so the next try syncs


def test_one_process_syncs_every_few_hours_and_the_others_skip(
    any_db: Database, emulator: SlackEmulator, clock: ManualClock
) -> None:
    first, _ = make_sync(any_db, emulator, clock)
    second, _ = make_sync(any_db, emulator, clock)
    assert first.run() == 5
    assert second.run() is None
    clock.advance(hours=3, minutes=59)
    assert second.run() is None
    clock.advance(minutes=1)
    assert second.run() == 5
    assert first.run() is None


def test_a_process_that_died_mid_sync_does_not_block_the_others_past_its_lease(
    sqlite_db: Database, emulator: SlackEmulator, clock: ManualClock
) -> None:
    with sqlite_db.write() as session:
        assert stored.claim_sync(
            session=session,
            team_id=TEAM_ID,
            worker="gone",
            now=clock(),
            every=timedelta(hours=4),
            lease=timedelta(minutes=30),
        )
    sync, _ = make_sync(sqlite_db, emulator, clock)
    assert sync.run() is None
    clock.advance(minutes=31)
    assert sync.run() == 5


def test_a_page_fetched_before_a_user_change_event_does_not_undo_it(any_db: Database) -> None:
    member = Member(user_id="U0BOB", team_id="T0EMULATOR", display_name="bob", real_name="Bob Martin")
    guest = Member(**{**member.__dict__, "is_restricted": True})
    with any_db.write() as session:
        stored.put(session=session, members=[guest], learned_at=START + timedelta(seconds=5))  # the event
    with any_db.write() as session:
        stored.put(session=session, members=[member], learned_at=START)  # the page, asked for earlier
    assert stored_member(any_db, "U0BOB") == guest
    with any_db.write() as session:
        stored.put(session=session, members=[member], learned_at=START + timedelta(seconds=6))  # newer news
    assert stored_member(any_db, "U0BOB") == member


def test_start_waits_for_the_first_round_even_when_slack_is_down(
    sqlite_db: Database, emulator: SlackEmulator, clock: ManualClock
) -> None:
    emulator.down()
    sync, _ = make_sync(sqlite_db, emulator, clock)
    thread = MemberSyncThread(sync, first_wait=30).start()
    try:
        assert thread.first_round.is_set()
        assert stored_count(sqlite_db) == 0
    finally:
        thread.stop()
    emulator.up()
    assert sync.run() == 5  # the failed round left the lease free


def test_each_workspace_has_its_own_sync_lease(any_db: Database, emulator: SlackEmulator, clock: ManualClock) -> None:
    """A sync of another workspace sharing the database does not stop this one's for 4 hours."""
    with any_db.write() as session:
        assert stored.claim_sync(
            session=session, team_id="T0OTHER", worker="other", now=clock(), every=timedelta(hours=4), lease=LEASE
        )
        stored.release_sync(session=session, team_id="T0OTHER", worker="other", finished_at=clock())
    sync, _ = make_sync(any_db, emulator, clock)
    assert sync.run() == 5


def test_no_sync_before_slack_says_which_workspace_the_token_serves(
    sqlite_db: Database, emulator: SlackEmulator, clock: ManualClock
) -> None:
    client = WebClient(token=emulator.bot_token, base_url=emulator.api_url)
    sync = MemberSync(sqlite_db, client, clock=clock, sleep=FakeSleep(), workspace=lambda: None)
    with pytest.raises(SyncFailed, match="workspace is not known yet"):
        sync.run()
    assert emulator.calls("users.list") == []
