"""After the fire end to end, over HTTP against the emulator, on SQLite and PostgreSQL
(docs/behaviour.md, After the fire): the recurrence line in the channel, the retrospective
uploaded as a Markdown file with slack_sdk's own upload flow, and reminders sent by the
scheduler's round once, whatever the number of rounds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from e2e_stack import shown
from markdown_it import MarkdownIt

from bot.sandbox import ManualClock, Sandbox
from slack_emulator import SlackEmulator


def _clocked(make_stack: Callable[..., Sandbox], when: datetime) -> tuple[Sandbox, ManualClock]:
    clock = ManualClock(when)
    return make_stack(clock=clock, emulator=SlackEmulator(clock=clock.timestamp)), clock


def test_the_second_outage_in_a_week_says_so_and_its_retrospective_is_uploaded(
    make_stack: Callable[..., Sandbox],
) -> None:
    stack, clock = _clocked(make_stack, datetime(2022, 2, 11, 8, 35, tzinfo=UTC))
    alice = stack.user("alice")
    alice.slash("open sev2 Something went wrong on home page")
    stack.settle()
    clock.advance(minutes=62)
    alice.slash("close", channel=stack.channel_of(1))
    stack.settle()
    clock.advance(days=6, hours=6, minutes=34)  # 2022-02-17 16:11 UTC, 21:41 IST
    alice.slash("open sev1 Something went wrong on the home page")
    stack.settle()
    channel = stack.channel_of(2)
    said = [shown(message) for message in stack.emulator.messages(channel)]
    assert any(
        ":repeat: 2nd similar incident in 7 days: INC-1 “Something went wrong on home page” (Feb 11, 1h 2m)" in text
        for text in said
    ), said
    alice.slash("followup Alert on home page 5xx @bob due 2022-02-24", channel=channel)
    alice.slash("retro", channel=channel)
    stack.settle()
    (uploaded,) = stack.emulator.files.shared_in(channel)
    assert (uploaded.name, uploaded.title) == ("INC-2-retrospective.md", "INC-2 retrospective, 2022-02-17 21:41:00 IST")
    document = uploaded.content.decode("utf-8")
    assert document.startswith("# INC-2: Something went wrong on the home page\n")
    assert "> **Draft:** the incident is still open" in document
    assert "- INC-1 Something went wrong on home page (2022-02-11, 1h 2m)" in document
    assert "- [ ] #1 Alert on home page 5xx (owner bob, due 2022-02-24)" in document
    assert not [t for t in MarkdownIt("commonmark").parse(document) if t.type in ("html_block", "html_inline")]
    share = [m for m in stack.emulator.messages(channel) if m.files]
    assert len(share) == 1 and "Retrospective of INC-2 (a draft: the incident is still open)" in share[0].text


def test_reminders_after_the_fire_come_once_from_the_scheduler_round(make_stack: Callable[..., Sandbox]) -> None:
    stack, clock = _clocked(make_stack, datetime(2022, 2, 18, 12, 30, tzinfo=UTC))  # a Friday
    alice = stack.user("alice")
    alice.slash("open sev2 Search is slow")
    stack.settle()
    channel = stack.channel_of(1)
    alice.slash("followup Add a latency alert @bob due 2022-02-19", channel=channel)
    alice.slash("close", channel=channel)
    stack.settle()
    clock.advance(days=5, minutes=1)  # Wednesday: three working days after the close, and the follow-up overdue
    stack.settle()
    stack.settle()  # a second round (another process) sends nothing more
    notices = [shown(m) for m in stack.emulator.messages(channel) if "still to do" in shown(m) or "was due" in shown(m)]
    bob, lead = "U0BOB", "U0ALICE"
    assert sorted(notices) == sorted(
        [
            f"<@{bob}> follow-up #1 of INC-1 was due 2022-02-19 (4 days ago): Add a latency alert\n"
            "When it is done: `/incident followup done 1`.",
            f"<@{lead}> the retrospective of INC-1 is still to do, 3 working days after the close. "
            "`/incident retro` builds it from the record; `/incident retro done` or "
            "`/incident retro waived &lt;reason&gt;` records the decision.",
        ]
    ), notices
