"""Resolving an incident ends its pages still waiting for an answer, end to end over HTTP against the
emulator, on SQLite and PostgreSQL, with a manual clock (docs/behaviour.md, Paging): no escalation
ever fires for them (also after a restart), the card's *Paged* list says they ended with the
resolution, each direct message still asking is edited to say no answer is needed, and a click on
an old button answers and stores nothing. A reopening leaves them ended; paging again works.

Before, they stayed "waiting" on the card and in the messages until their escalation time, then
turned "nobody answered" with no notice."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from e2e_stack import Stack, bot_lines, card_of, sections_of, shown
from paging_world import dm, notices, paging_world, replies
from test_e2e_home import opened_home

from bot.lookup import Where
from bot.render.export import as_data
from bot.render.retro import markdown
from bot.sandbox import ManualClock

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "export.schema.json").read_text())

ENDED_CARD = "*Paged*\n:heavy_minus_sign: *Home page*: ended when the incident was resolved"


@pytest.fixture
def world(make_stack: Callable[..., Stack], tmp_path: Path) -> tuple[Stack, ManualClock, str]:
    return paging_world(make_stack, tmp_path)


def lines_of(stack: Stack, channel: str) -> list[str]:
    """The bot's lines in the channel (a run of timeline lines may go as one message)."""
    return [line for message in bot_lines(stack, channel) for line in message.splitlines()]


def has_buttons(message: Any) -> bool:
    return any(block["type"] == "actions" for block in message.blocks)


def test_resolving_ends_the_waiting_pages_the_card_and_messages_say_so_and_nothing_escalates(
    world: tuple[Stack, ManualClock, str],
) -> None:
    stack, clock, channel = world
    stack.user("alice").slash("page home", channel=channel)
    stack.settle()
    clock.advance(minutes=2)
    stack.user("alice").slash("close Rolled back", channel=channel)
    stack.settle()
    for person in ("bob", "carol"):
        [message] = dm(stack, person)
        assert shown(message).endswith(":heavy_minus_sign: No answer needed: INC-1 was resolved at 21:43 IST.")
        assert not has_buttons(message)
    assert ENDED_CARD in sections_of(card_of(stack, channel).blocks)
    assert "Nobody is paging you." in opened_home(stack, "bob")
    clock.advance(hours=1)  # far past the escalation time
    stack.settle()
    stack.settle()
    assert dm(stack, "dave") == []  # the escalation group is never paged
    assert notices(stack, channel) == []
    assert not any("nobody acknowledged" in line or ":rotating_light:" in line for line in lines_of(stack, channel))
    card = sections_of(card_of(stack, channel).blocks)
    assert ENDED_CARD in card and not any("nobody answered" in section for section in card)


def test_resolving_with_the_status_command_ends_an_escalated_page_too(world: tuple[Stack, ManualClock, str]) -> None:
    stack, clock, channel = world
    stack.user("alice").slash("page home", channel=channel)
    stack.settle()
    clock.advance(minutes=5)
    stack.settle()
    [daves] = dm(stack, "dave")  # nobody answered: escalated to @sre-leads
    stack.user("alice").slash("status resolved Fixed", channel=channel)
    stack.settle()
    assert shown(dm(stack, "dave")[0]).endswith("No answer needed: INC-1 was resolved at 21:46 IST.")
    assert not has_buttons(dm(stack, "dave")[0]) and daves.ts == dm(stack, "dave")[0].ts  # edited in place
    assert ENDED_CARD in sections_of(card_of(stack, channel).blocks)
    clock.advance(minutes=30)
    stack.settle()
    stack.settle()
    assert notices(stack, channel) == []


def test_after_a_restart_a_resolved_incident_s_pages_never_escalate(
    make_stack: Callable[..., Stack], tmp_path: Path
) -> None:
    stack, clock, channel = paging_world(make_stack, tmp_path)
    stack.user("alice").slash("page home", channel=channel)
    stack.settle()
    clock.advance(minutes=1)
    stack.user("alice").slash("close", channel=channel)
    stack.settle()
    stack.server.shutdown()
    stack.runtime.stop()
    clock.advance(minutes=10)
    restarted = make_stack(
        clock=clock, emulator=stack.emulator, settings={"INCIDENT_CATALOG": str(tmp_path / "catalog.toml")}
    )
    restarted.settle()
    restarted.settle()
    assert dm(restarted, "dave") == [] and notices(restarted, channel) == []
    assert ENDED_CARD in sections_of(card_of(restarted, channel).blocks)


def test_a_click_on_an_ended_page_answers_and_stores_nothing_even_after_a_reopen_and_paging_again_works(
    world: tuple[Stack, ManualClock, str], unchanged: Callable[..., Any]
) -> None:
    stack, clock, channel = world
    stack.user("alice").slash("page @bob", channel=channel)
    stack.settle()
    [old] = dm(stack, "bob")
    stack.user("alice").slash("close Rolled back", channel=channel)
    stack.settle()
    ended = ":warning: This page ended when INC-1 was resolved: it needs no answer."
    with unchanged(stack.runtime.db):
        for action in ("page.acknowledge", "page.decline"):
            stack.user("bob").click_as_shown(old.channel, old.ts, old.blocks, action)  # as his Slack still showed it
            stack.settle()
            assert replies(stack)[-1] == ended
    stack.user("alice").slash("reopen It came back", channel=channel)
    stack.settle()
    with unchanged(stack.runtime.db):  # the reopening does not bring the old page back
        stack.user("bob").click_as_shown(old.channel, old.ts, old.blocks, "page.acknowledge")
        stack.settle()
    assert replies(stack)[-1] == ended
    assert "*Paged*\n:heavy_minus_sign: *bob*: ended when the incident was resolved" in sections_of(
        card_of(stack, channel).blocks
    )
    clock.advance(minutes=1)
    answer = stack.user("alice").slash("page @bob", channel=channel)  # not "already paged": it ended
    assert answer.json["text"].startswith("INC-1: paged *bob*.")
    stack.settle()
    first, new = dm(stack, "bob")
    assert shown(first).endswith("No answer needed: INC-1 was resolved at 21:41 IST.")  # left as it was
    assert has_buttons(new)
    stack.user("bob").click(new.channel, new.ts, "page.acknowledge")
    stack.settle()
    assert replies(stack)[-1].startswith("INC-1: thank you, you acknowledged it at 21:42 IST.")
    assert any(
        line.endswith("*bob* :raising_hand: acknowledged the page: 0s after the page")
        for line in lines_of(stack, channel)
    )


def test_a_page_answered_before_the_resolution_stays_answered_and_its_old_buttons_change_nothing(
    world: tuple[Stack, ManualClock, str], unchanged: Callable[..., Any]
) -> None:
    stack, _, channel = world
    stack.user("alice").slash("page @bob", channel=channel)
    stack.settle()
    [old] = dm(stack, "bob")
    stack.user("bob").click(old.channel, old.ts, "page.decline")
    stack.settle()
    stack.user("alice").slash("close", channel=channel)
    stack.settle()
    assert shown(dm(stack, "bob")[0]).endswith(":no_entry_sign: You said you can't take it (21:41 IST).")
    with unchanged(stack.runtime.db):
        stack.user("bob").click_as_shown(old.channel, old.ts, old.blocks, "page.acknowledge")
        stack.settle()
    assert replies(stack)[-1] == ":warning: INC-1 is resolved: this page needs no answer now."


def test_the_retrospective_and_the_export_say_which_pages_the_resolution_ended(
    world: tuple[Stack, ManualClock, str],
) -> None:
    stack, clock, channel = world
    stack.user("alice").slash("page home", channel=channel)
    stack.settle()
    clock.advance(minutes=2)
    stack.user("alice").slash("close", channel=channel)
    stack.settle()
    record = stack.runtime.aftermath.record(Where("T0EMULATOR", number=1))
    document = markdown(record)
    assert (
        "| bob | Home page (oncall) | alice | 2022-02-17 21:41 IST (16:11 UTC) | no answer, ended when the incident "
        "was resolved 2022-02-17 21:43 IST (16:13 UTC) |  |"
    ) in document.splitlines()
    data = as_data(record)
    jsonschema.validate(data, SCHEMA, format_checker=jsonschema.FormatChecker())  # "ended" is a documented answer
    assert [(page["person"]["name"], page["answer"]) for page in data["pages"]] == [
        ("bob", "ended"),
        ("carol", "ended"),
    ]
