"""An incident made private takes back what the bot had posted about it for anyone to read
(docs/behaviour.md, Private incidents): its announcement and its published updates are edited to
say only that an incident was made private, the reply says so, and a correction or a close later
does not bring them back. On both backends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from e2e_stack import KOLKATA, Stack, shown
from slack_sdk import WebClient
from status_site import drafts_of, publish

from bot.render.withdrawn import WITHDRAWN
from bot.sandbox import ManualClock
from slack_emulator import ANNOUNCE, STATUS

TITLE = "Payroll DB exfiltration suspected"
UPDATE = "Some payroll pages are slow; we are looking into it."
MOVE = "incident.move_private"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2022, 2, 17, 21, 41, tzinfo=KOLKATA))


def everything_in(stack: Stack, channel: str) -> str:
    """Every message of the channel as a person reads it: text, blocks and buttons."""
    return "\n".join(f"{m.text} {m.blocks}" for m in stack.emulator.messages(channel))


def opened_announced_and_published(stack: Stack, clock: ManualClock) -> str:
    """INC-1 opened public (announced), one English short update published; its channel."""
    stack.user("alice").slash(f"open sev1 {TITLE}")
    stack.settle()
    channel = stack.channel_of(1)
    clock.set(datetime(2022, 2, 17, 21, 47, tzinfo=KOLKATA))
    stack.user("alice").slash("draft en short", channel=channel)
    stack.settle()
    publish(stack, channel, "English · short", text=UPDATE)
    assert TITLE in everything_in(stack, ANNOUNCE) and UPDATE in everything_in(stack, STATUS)
    return channel


def test_made_private_its_announcement_and_published_update_are_withdrawn_and_the_reply_says_so(
    make_stack: Callable[..., Stack], clock: ManualClock
) -> None:
    stack = make_stack(clock=clock)
    channel = opened_announced_and_published(stack, clock)
    answer = stack.user("alice").slash("private", channel=channel).json["text"]
    assert (
        f":lock: Its announcement in <#{ANNOUNCE}> and its published update in <#{STATUS}> are being edited "
        "to say only that an incident was made private: no title, no link, none of their words. "
        "Mails already sent to status page subscribers cannot be taken back."
    ) in answer
    stack.settle()
    (announcement,) = stack.emulator.messages(ANNOUNCE)
    (post,) = [m for m in stack.emulator.messages(STATUS) if m.user == "U0BOT"]
    for message in (announcement, post):
        assert shown(message) == WITHDRAWN and message.text == WITHDRAWN
        assert "actions" not in str(message.blocks)  # no Edit under the withdrawn update
    assert TITLE not in everything_in(stack, ANNOUNCE) and "<#" not in everything_in(stack, ANNOUNCE)
    assert UPDATE not in everything_in(stack, STATUS)

    # correcting the update (its draft message's Edit) and closing bring nothing back
    (draft,) = [m for m in drafts_of(stack, channel) if m.user == "U0BOT"]
    stack.user("alice").click(channel, draft.ts, "draft.correct")
    stack.settle()
    (view,) = stack.emulator.views(stack.emulator.user("alice").id, open_only=True)
    stack.user("alice").submit_view(view.id, {"text": "Payroll data was copied out."})
    stack.user("alice").slash("close Contained", channel=channel)
    stack.settle()
    assert [shown(m) for m in stack.emulator.messages(ANNOUNCE)] == [WITHDRAWN]
    assert [shown(m) for m in stack.emulator.messages(STATUS) if m.user == "U0BOT"] == [WITHDRAWN]


def test_made_private_after_its_close_both_announcements_are_withdrawn(
    make_stack: Callable[..., Stack], clock: ManualClock
) -> None:
    stack = make_stack(clock=clock)
    stack.user("alice").slash(f"open sev2 {TITLE}")
    stack.settle()
    channel = stack.channel_of(1)
    stack.user("alice").slash("close Contained", channel=channel)
    stack.settle()
    assert len(stack.emulator.messages(ANNOUNCE)) == 2
    answer = stack.user("alice").slash("private", channel=channel).json["text"]
    assert f":lock: Its 2 announcements in <#{ANNOUNCE}> are being edited" in answer
    assert "Mails already sent" not in answer  # nothing was published
    stack.settle()
    assert [shown(m) for m in stack.emulator.messages(ANNOUNCE)] == [WITHDRAWN, WITHDRAWN]


def test_an_incident_opened_private_and_made_public_then_private_again_has_nothing_to_withdraw(
    make_stack: Callable[..., Stack], clock: ManualClock
) -> None:
    stack = make_stack(clock=clock)
    stack.user("alice").slash(f"open --private sev2 {TITLE}")
    stack.settle()
    channel = stack.channel_of(1)
    stack.user("alice").slash("public", channel=channel)
    answer = stack.user("alice").slash("private", channel=channel).json["text"]
    assert answer.startswith("INC-1: now *private*") and "being edited" not in answer
    stack.settle()
    assert stack.emulator.messages(ANNOUNCE) == []


def test_moved_to_a_new_private_channel_its_announcement_stays_withdrawn_and_nothing_public_names_it(
    make_stack: Callable[..., Stack], clock: ManualClock
) -> None:
    stack = make_stack(clock=clock)
    channel = opened_announced_and_published(stack, clock)
    stack.user("alice").slash("private", channel=channel)
    offers = [e for e in stack.emulator.ephemerals(channel, "alice") if MOVE in str(e.blocks)]
    stack.user("alice").click_ephemeral(channel, offers[-1].ts, MOVE)
    stack.settle()
    assert stack.channel_of(1) != channel and stack.emulator.channel(stack.channel_of(1)).is_private
    assert [shown(m) for m in stack.emulator.messages(ANNOUNCE)] == [WITHDRAWN]
    assert [shown(m) for m in stack.emulator.messages(STATUS) if m.user == "U0BOT"] == [WITHDRAWN]
    stack.user("alice").slash("close Contained", channel=stack.channel_of(1))
    stack.settle()
    assert TITLE not in everything_in(stack, ANNOUNCE) + everything_in(stack, STATUS)


def test_an_announcement_slack_will_not_edit_keeps_no_other_post_showing(
    make_stack: Callable[..., Stack], clock: ManualClock
) -> None:
    """The announcement channel was archived since (Slack answers `is_inactive` to its edit): the
    published update in the status channel is withdrawn all the same."""
    stack = make_stack(clock=clock)
    channel = opened_announced_and_published(stack, clock)
    archived = WebClient(token=stack.emulator.bot_token, base_url=stack.emulator.api_url).conversations_archive(
        channel=ANNOUNCE
    )
    assert archived["ok"]
    stack.user("alice").slash("private", channel=channel)
    stack.settle()
    assert [shown(m) for m in stack.emulator.messages(STATUS) if m.user == "U0BOT"] == [WITHDRAWN]
    assert TITLE in everything_in(stack, ANNOUNCE)  # Slack keeps it: an archived channel's messages stay as they are
