"""A follow-up of a private incident, owned by someone the incident does not involve
(docs/behaviour.md, Private incidents): their App Home lists it with the incident's name only,
never its title, and `followup done` works for them; anyone else outside the incident is refused
with a reply and nothing stored. Overdue, it is reminded to them directly, its private channel being
one they are not in. On both backends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from e2e_stack import Stack, shown
from paging_world import dm
from test_e2e_home import opened_home

from bot.sandbox import ManualClock, Sandbox
from slack_emulator import SlackEmulator

TITLE = "SECRET layoffs data exposed"


def replies(stack: Stack) -> list[str]:
    return [str(post.body.get("text", "")) for post in stack.emulator.response_url_posts()]


@pytest.fixture
def follow_up(stack: Stack) -> Stack:
    """Private INC-1 opened and closed by bob, with follow-up #1 owned by carol (not part of it)."""
    stack.emulator.add_user("carol", real_name="Carol Jones")
    stack.emulator.add_user("dave", real_name="Dave Kim")
    stack.user("bob").slash(f"open --private sev1 {TITLE}")
    stack.settle()
    assert stack.user("bob").slash("followup INC-1 Rotate keys @carol").json["text"].startswith("Follow-up #1")
    stack.user("bob").slash("close INC-1 contained")
    stack.settle()
    return stack


def test_its_owner_sees_it_on_their_home_without_the_title_and_finishes_it(follow_up: Stack) -> None:
    stack = follow_up
    home = opened_home(stack, "carol")
    assert "• #1 Rotate keys · *INC-1* :lock: · " in home
    assert TITLE not in home and "SECRET" not in str(stack.emulator.home("carol").body)
    assert stack.user("carol").slash("followup done 1").json["text"] == "Follow-up #1 is done."
    stack.settle()
    assert "Rotate keys" not in opened_home(stack, "carol")
    assert "finished follow-up #1: Rotate keys" in str(stack.user("bob").slash("timeline INC-1").json)


def test_someone_else_outside_the_incident_cannot_finish_it_and_nothing_is_stored(
    follow_up: Stack, unchanged: Any
) -> None:
    stack = follow_up
    with unchanged(stack.runtime.db):
        answer = stack.user("dave").slash("followup done 1").json["text"]
        stack.settle()
    assert answer == (
        ":warning: Follow-up #1 belongs to INC-1, which is private: only its owner, the incident's opener and "
        "role holders, or anyone in the incident's own channel can finish it."
    )
    assert "Rotate keys" not in opened_home(stack, "dave")
    assert stack.user("bob").slash("followup done 1").json["text"] == "Follow-up #1 is done."  # its opener may


def test_overdue_it_is_reminded_to_its_owner_directly_not_in_the_channel_they_are_not_in(
    make_stack: Callable[..., Sandbox],
) -> None:
    clock = ManualClock(datetime(2022, 2, 18, 12, 30, tzinfo=UTC))
    stack = make_stack(clock=clock, emulator=SlackEmulator(clock=clock.timestamp))
    carol = stack.emulator.add_user("carol", real_name="Carol Jones")
    stack.user("bob").slash(f"open --private sev1 {TITLE}")
    stack.settle()
    channel = stack.channel_of(1)
    stack.user("bob").slash("followup Rotate keys @carol due 2022-02-19", channel=channel)
    stack.user("bob").slash("followup Audit access @bob due 2022-02-19", channel=channel)
    stack.settle()
    clock.advance(days=5, minutes=1)
    stack.settle()
    stack.settle()  # a second round sends nothing more
    told = [shown(m) for m in dm(stack, "carol")]
    assert told == [
        f"<@{carol.id}> follow-up #1 of INC-1 was due 2022-02-19 (4 days ago): Rotate keys\n"
        "When it is done: `/incident followup done 1`."
    ]
    in_channel = [shown(m) for m in stack.emulator.messages(channel) if "was due" in shown(m)]
    assert len(in_channel) == 1 and "Audit access" in in_channel[0]  # bob's, where bob is
