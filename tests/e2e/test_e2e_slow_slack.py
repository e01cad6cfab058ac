"""A Slack call slower than the bot's client timeout: Slack posted, the bot saw a timeout and
retries; the retry finds the message by its effect id in the channel's history and posts nothing
twice: a timeline line appears once, a published update is published once.

The bot's Slack timeout is shortened (`slack_timeout`) and the emulator answers just later than it,
so no test waits 30 real seconds; the bot runs on a `ManualClock`, so its retry waits for the test.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from e2e_stack import Stack, bot_lines, wait_for
from sqlmodel import col, select
from test_e2e_drafts import INC_1, draft_text, find_draft, status_posts

from bot.domain.incident import EntryKind
from bot.outbox.failures import failed_ambiguously
from bot.sandbox import ManualClock
from bot.storage.effect_tables import EffectRow
from bot.storage.tables import DraftRow
from slack_emulator import STATUS

TIMEOUT = 2  # seconds: the bot's Slack client timeout in these tests
SLOWER = 2.6  # how long the emulator takes to answer chat.postMessage: longer than TIMEOUT


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def stack(make_stack: Callable[..., Stack], clock: ManualClock) -> Stack:
    return make_stack(clock=clock, slack_timeout=TIMEOUT)  # on SQLite and PostgreSQL


def timed_out_effects(stack: Stack) -> list[str]:
    """The kinds of the pending effects whose last attempt may have reached Slack."""
    with stack.runtime.db.read() as session:
        rows = session.exec(select(EffectRow).where(col(EffectRow.state) == "pending")).all()
    return [row.kind for row in rows if failed_ambiguously(row.last_error)]


def slow_post(stack: Stack, clock: ManualClock, act: Callable[[], object], landed: Callable[[], bool]) -> str:
    """Do `act` while chat.postMessage answers later than the bot waits; once Slack has posted and
    the bot has recorded its timeout, Slack is fast again and the retry is due. The effect's kind."""
    stack.emulator.set_latency(SLOWER, "chat.postMessage")
    act()
    wait_for(landed, timeout=15)  # Slack posted it, although the bot gave up waiting
    (kind,) = wait_for(lambda: timed_out_effects(stack), timeout=15)
    stack.emulator.set_latency(0.0, "chat.postMessage")
    clock.advance(seconds=31)  # past any backoff
    stack.settle()
    return kind


def test_a_note_whose_post_timed_out_after_slack_posted_it_appears_once(stack: Stack, clock: ManualClock) -> None:
    alice = stack.user("alice")
    alice.slash("open sev1 Payments are down")
    stack.settle()
    channel = stack.channel_of(1)

    def notes() -> list[str]:
        return [line for line in bot_lines(stack, channel) if "rolled back the deploy" in line]

    kind = slow_post(stack, clock, lambda: alice.slash("note INC-1 rolled back the deploy"), lambda: bool(notes()))
    assert kind == "timeline.post"
    assert len(notes()) == 1
    alice.slash("note INC-1 error rate back to normal")  # and the queue behind it moves on
    stack.settle()
    assert [line for line in bot_lines(stack, channel) if "error rate back to normal" in line] != []
    assert len(notes()) == 1


def test_a_publish_whose_post_timed_out_after_slack_posted_it_is_published_once(
    stack: Stack, clock: ManualClock
) -> None:
    stack.emulator.add_bot_to(STATUS)  # it has published there before: the post itself is what is slow
    stack.user("alice").slash("open sev1 Home page broken")
    stack.settle()
    channel = stack.channel_of(1)
    stack.user("alice").slash("impact Users see 'Something went wrong' on the home page", channel=channel)
    stack.user("alice").slash("draft en short", channel=channel)
    stack.settle()
    draft = find_draft(stack, channel, "English · short")
    words = draft_text(draft)

    kind = slow_post(
        stack,
        clock,
        lambda: stack.user("bob").click(channel, draft.ts, "draft.publish"),
        lambda: bool(status_posts(stack)),
    )
    assert kind == "draft.publish"
    assert status_posts(stack) == [words]
    published = [e for e in stack.runtime.service.timeline(INC_1).entries if e.kind is EntryKind.PUBLISHED]
    assert len(published) == 1
    after = find_draft(stack, channel, "English · short")
    assert "Published by" in str(after.blocks) and "draft.publish" not in str(after.blocks)
    with stack.runtime.db.read() as session:
        recorded = session.exec(select(DraftRow.published_ts).where(DraftRow.message_ts == draft.ts)).one()
    assert recorded == next(m.ts for m in stack.emulator.messages(STATUS) if m.user == "U0BOT")


def test_a_retrospective_whose_upload_timed_out_after_slack_shared_it_is_shared_once(
    stack: Stack, clock: ManualClock
) -> None:
    stack.user("alice").slash("open sev1 Home page broken")
    stack.settle()
    channel = stack.channel_of(1)
    stack.emulator.set_latency(SLOWER, "files.completeUploadExternal")
    stack.user("alice").slash("retro", channel=channel)
    wait_for(lambda: stack.emulator.files.shared_in(channel), timeout=15)  # shared, though the bot gave up
    (kind,) = wait_for(lambda: timed_out_effects(stack), timeout=15)
    assert kind == "retro.upload"
    stack.emulator.set_latency(0.0, "files.completeUploadExternal")
    clock.advance(seconds=31)
    stack.settle()
    assert len(stack.emulator.files.shared_in(channel)) == 1
    assert len([m for m in stack.emulator.messages(channel) if m.files]) == 1
