"""What nobody answering a page leads to, end to end over HTTP against the emulator, on SQLite and
PostgreSQL, with a manual clock (docs/behaviour.md, Paging): after INCIDENT_PAGE_ESCALATE_AFTER
(5 minutes) counted from the first direct message Slack took, a component's escalation group is
paged once; then, or for a person paged directly, the channel is told with Page again / Page
someone else; Can't take it from everyone counts as nobody; an acknowledgement stops it; a
restart loses no timer."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from e2e_stack import Stack, bot_lines, card_of, sections_of, shown, wait_for, wait_until_no_send_is_in_flight
from paging_world import dm, notices, paging_world, replies
from test_e2e_home import opened_home

from bot.lookup import Where
from bot.render.export import as_data
from bot.render.retro import markdown
from bot.sandbox import ManualClock

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "export.schema.json").read_text())


@pytest.fixture
def world(make_stack: Callable[..., Stack], tmp_path: Path) -> tuple[Stack, ManualClock, str]:
    return paging_world(make_stack, tmp_path)


def escalations(stack: Stack, channel: str) -> list[str]:
    """The escalation lines (read as lines: a run of timeline lines may go as one message)."""
    return [
        line
        for message in bot_lines(stack, channel)
        for line in message.splitlines()
        if ":rotating_light: paged" in line
    ]


def test_a_wait_set_in_seconds_is_said_as_set_not_as_the_moment_the_step_ran(
    make_stack: Callable[..., Stack], tmp_path: Path
) -> None:
    """INCIDENT_PAGE_ESCALATE_AFTER=90s reads "within 1m 30s" (it read "within 1m"), even when the
    step runs a few seconds late (a busy process): the wait said is the one configured."""
    stack, clock, channel = paging_world(make_stack, tmp_path, {"INCIDENT_PAGE_ESCALATE_AFTER": "90s"})
    stack.user("alice").slash("page home", channel=channel)
    stack.settle()
    clock.advance(seconds=89)
    stack.settle()
    assert escalations(stack, channel) == []
    clock.advance(seconds=4)
    stack.settle()
    stack.settle()
    assert escalations(stack, channel) == [
        "`21:42 IST` :rotating_light: paged *dave*: nobody acknowledged the page for Home page within 1m 30s "
        "(@sre-leads, its escalation group)"
    ]
    clock.advance(seconds=90)
    stack.settle()
    stack.settle()
    [notice] = notices(stack, channel)
    assert "nor its escalation group @sre-leads within 1m 30s. Page them again" in shown(notice)


def test_unanswered_the_escalation_group_is_paged_once_then_the_channel_is_told_and_can_page_again(
    world: tuple[Stack, ManualClock, str],
) -> None:
    stack, clock, channel = world
    stack.user("alice").slash("page home", channel=channel)
    stack.settle()
    clock.advance(minutes=4, seconds=59)
    stack.settle()
    assert escalations(stack, channel) == [] and dm(stack, "dave") == []
    clock.advance(seconds=1)
    stack.settle()
    stack.settle()  # a second round finds nothing more to do
    assert escalations(stack, channel) == [
        "`21:46 IST` :rotating_light: paged *dave*: nobody acknowledged the page for Home page within 5m "
        "(@sre-leads, its escalation group)"
    ]
    [page] = dm(stack, "dave")
    assert (
        shown(page)
        .splitlines()[1]
        .startswith("Nobody on call for *Home page* took it: you are in its escalation group, @sre-leads.")
    )
    assert dm(stack, "alice") == []  # she paged: never paged herself
    assert "*Paged*\n:rotating_light: *Home page*: escalated to @sre-leads, waiting" in sections_of(
        card_of(stack, channel).blocks
    )
    clock.advance(minutes=5)
    stack.settle()
    stack.settle()
    [notice] = notices(stack, channel)
    assert shown(notice) == (
        ":warning: <@U0ALICE> Nobody acknowledged the page for *Home page* nor its escalation group @sre-leads "
        "within 5m. Page them again, or someone else?"
    )
    assert any(
        line.endswith(":warning: nobody acknowledged the page for Home page within 5m")
        for line in bot_lines(stack, channel)
    )
    assert len(escalations(stack, channel)) == 1
    # Page again: bob and carol asked anew, their old messages say so; twice pressed, paged once
    stack.user("bob").click(channel, notice.ts, "page.again")
    stack.user("bob").click(channel, notice.ts, "page.again")
    stack.settle()
    said = replies(stack)
    assert said[-2].startswith(
        "INC-1: paged *carol* (on call for *Home page*, @oncall-web); paged *dave*, *alice* (@sre-leads, its "
        "escalation group)."
    )  # "Page them again": the escalation group too (tests/e2e/test_e2e_page_again.py)
    assert said[-1] == ":warning: That page of INC-1 was already paged again: see the newer one."
    old, new = dm(stack, "carol")
    assert shown(old).endswith(":repeat: Paged again at 21:51 IST: answer the newer message.")
    assert shown(new).startswith(":pager: *bob* paged you for *INC-1*")
    assert len(dm(stack, "bob")) == 1  # bob pressed it: he is not paged


def test_an_acknowledgement_stops_the_timer_and_a_late_one_still_counts(world: tuple[Stack, ManualClock, str]) -> None:
    stack, clock, channel = world
    stack.user("alice").slash("page home", channel=channel)
    stack.settle()
    clock.advance(minutes=3)
    [page] = dm(stack, "carol")
    stack.user("carol").click(page.channel, page.ts, "page.acknowledge")
    clock.advance(minutes=30)
    stack.settle()
    assert escalations(stack, channel) == [] and notices(stack, channel) == [] and dm(stack, "dave") == []
    # a person paged directly, nobody answering: the channel is told, and a late answer still counts
    stack.user("alice").slash("page @bob", channel=channel)
    stack.settle()
    clock.advance(minutes=5)
    stack.settle()
    [notice] = notices(stack, channel)
    assert shown(notice).startswith(":warning: <@U0ALICE> Nobody acknowledged the page to *bob* within 5m.")
    [_, bobs] = dm(stack, "bob")
    stack.user("bob").click(bobs.channel, bobs.ts, "page.acknowledge")
    stack.settle()
    assert replies(stack)[-1].startswith("INC-1: thank you, you acknowledged it at 22:19 IST.")
    card = sections_of(card_of(stack, channel).blocks)
    assert any(":white_check_mark: *bob*: acknowledged at 22:19 IST" in section for section in card), card


def test_someone_left_out_of_a_component_s_page_as_already_paged_answers_it_by_acknowledging_their_own(
    world: tuple[Stack, ManualClock, str],
) -> None:
    """bob, paged by name, is left out of `page home` (already paged): his acknowledgement took the
    incident, yet Home page's request went on waiting on carol alone, and @sre-leads was woken 5
    minutes later with "Nobody on call for Home page took it" while bob, on call for it, had."""
    stack, clock, channel = world
    stack.user("alice").slash("page @bob", channel=channel)
    reply = stack.user("alice").slash("page home", channel=channel).body
    stack.settle()
    assert "Already paged and not answered yet, so not paged again: *bob*" in str(reply)
    clock.advance(minutes=1)
    [bobs] = dm(stack, "bob")
    stack.user("bob").click(bobs.channel, bobs.ts, "page.acknowledge")
    stack.settle()
    [carols] = dm(stack, "carol")
    assert shown(carols).endswith(":ok_hand: *bob* acknowledged at 21:42 IST: nothing more to do.")
    lines = [line for message in bot_lines(stack, channel) for line in message.splitlines()]
    assert "`21:42 IST` *bob* :raising_hand: acknowledged the page for Home page: 1m after the page" in lines
    clock.advance(minutes=30)
    stack.settle()
    assert escalations(stack, channel) == [] and notices(stack, channel) == [] and dm(stack, "dave") == []
    card = "\n".join(sections_of(card_of(stack, channel).blocks))
    assert ":white_check_mark: *Home page*: acknowledged by *bob*" in card, card


def test_cant_take_it_from_everyone_paged_escalates_at_once(world: tuple[Stack, ManualClock, str]) -> None:
    stack, _, channel = world
    stack.user("alice").slash("page home", channel=channel)
    stack.settle()
    for person in ("bob", "carol"):
        [page] = dm(stack, person)
        stack.user(person).click(page.channel, page.ts, "page.decline")
    stack.settle()
    assert escalations(stack, channel) == [
        "`21:41 IST` :rotating_light: paged *dave*: nobody paged for Home page can take it "
        "(@sre-leads, its escalation group)"
    ]
    assert len(dm(stack, "dave")) == 1


def test_cant_take_it_from_everyone_after_the_escalation_tells_the_channel_nobody_can(
    world: tuple[Stack, ManualClock, str],
) -> None:
    """Not "nobody acknowledged within 0s": they answered, and said no."""
    stack, _, channel = world
    stack.user("alice").slash("page home", channel=channel)
    stack.settle()
    for person in ("bob", "carol", "dave"):
        stack.settle()
        [page] = dm(stack, person)
        stack.user(person).click(page.channel, page.ts, "page.decline")
    stack.settle()
    [notice] = notices(stack, channel)
    assert shown(notice).startswith(
        ":warning: <@U0ALICE> Nobody paged for *Home page* nor its escalation group @sre-leads can take it. "
        "Page them again, or someone else?"
    )
    lines = [line for message in bot_lines(stack, channel) for line in message.splitlines()]
    assert any(line.endswith(":warning: nobody paged for Home page can take it") for line in lines)


def test_people_paged_together_are_one_page_nobody_can_take_only_once_all_said_no(
    world: tuple[Stack, ManualClock, str],
) -> None:
    """`page @carol @dave` asks both for the same thing: carol's no alone tells the channel
    nothing (dave has not answered); once dave says no too, the channel is told once, for both.
    Before, each person was a page of their own, and carol's no at once said "Nobody paged to
    *carol* can take it"."""
    stack, _, channel = world
    answer = stack.user("alice").slash("page @carol @dave", channel=channel)
    assert answer.json["text"] == (
        "INC-1: paged *carol*, *dave*. Each got a direct message to acknowledge it, and an invitation to the channel."
    )
    stack.settle()
    [carols] = dm(stack, "carol")
    stack.user("carol").click(carols.channel, carols.ts, "page.decline")
    stack.settle()
    assert notices(stack, channel) == []
    lines = [line for message in bot_lines(stack, channel) for line in message.splitlines()]
    assert "`21:41 IST` *alice* :pager: paged *carol*, *dave*" in lines
    assert any(line.endswith("*carol* :no_entry_sign: can't take the page") for line in lines)
    assert "*Paged*\n:pager: *carol*, *dave*: waiting since 21:41 IST" in sections_of(card_of(stack, channel).blocks)
    [daves] = dm(stack, "dave")
    stack.user("dave").click(daves.channel, daves.ts, "page.decline")
    stack.settle()
    [notice] = notices(stack, channel)
    assert shown(notice).startswith(
        ":warning: <@U0ALICE> None of *carol*, *dave* can take it. Page them again, or someone else?"
    )
    # Page again asks both anew, as one page again
    stack.user("alice").click(channel, notice.ts, "page.again")
    stack.settle()
    assert replies(stack)[-1].startswith("INC-1: paged *carol*, *dave*. Each got a direct message")
    assert len(dm(stack, "carol")) == len(dm(stack, "dave")) == 2


def test_one_of_the_people_paged_together_takes_it_for_all_and_silence_waits_for_all(
    world: tuple[Stack, ManualClock, str],
) -> None:
    stack, clock, channel = world
    alice = stack.user("alice")
    alice.slash("page @carol @dave", channel=channel)
    stack.settle()
    [daves] = dm(stack, "dave")
    stack.user("dave").click(daves.channel, daves.ts, "page.acknowledge")
    stack.settle()
    assert shown(dm(stack, "carol")[0]).endswith(":ok_hand: *dave* acknowledged at 21:41 IST: nothing more to do.")
    record = stack.runtime.aftermath.record(Where("T0EMULATOR", number=1))
    assert "| carol | carol, dave (direct) | alice |" in markdown(record)
    data = as_data(record)
    jsonschema.validate(data, SCHEMA, format_checker=jsonschema.FormatChecker())
    carol, dave = stack.emulator.user("carol").id, stack.emulator.user("dave").id
    assert [page["for"] for page in data["pages"]] == [{"kind": "person", "id": f"{carol},{dave}", "name": ""}] * 2
    card = sections_of(card_of(stack, channel).blocks)
    assert "*Paged*\n:white_check_mark: *carol*, *dave*: acknowledged by *dave* at 21:41 IST" in card
    # bob says no, erin says nothing: the channel is told once the escalation time has passed
    stack.emulator.add_user("erin", real_name="Erin Diaz")
    alice.slash("page @bob @erin", channel=channel)
    stack.settle()
    [bobs] = dm(stack, "bob")
    stack.user("bob").click(bobs.channel, bobs.ts, "page.decline")
    stack.settle()
    assert notices(stack, channel) == []
    clock.advance(minutes=5)
    stack.settle()
    stack.settle()
    [notice] = notices(stack, channel)
    assert shown(notice).startswith(
        ":warning: <@U0ALICE> Nobody acknowledged the page to *bob*, *erin* within 5m. "
        "Page them again, or someone else?"
    )


def test_one_person_paged_is_named_in_the_reply_and_the_notice(world: tuple[Stack, ManualClock, str]) -> None:
    """Not "Each got a direct message" nor "Page them again" for one person."""
    stack, _, channel = world
    answer = stack.user("alice").slash("page @bob", channel=channel)
    assert answer.json["text"] == (
        "INC-1: paged *bob*. They got a direct message to acknowledge it, and an invitation to the channel."
    )
    stack.settle()
    [bobs] = dm(stack, "bob")
    stack.user("bob").click(bobs.channel, bobs.ts, "page.decline")
    stack.settle()
    [notice] = notices(stack, channel)
    assert shown(notice).startswith(":warning: <@U0ALICE> *bob* can't take it. Page *bob* again, or someone else?")


def test_an_escalated_page_says_on_the_home_through_which_group_and_since_when(
    world: tuple[Stack, ManualClock, str],
) -> None:
    """dave is in @sre-leads, not @oncall-web: his Home says the page escalated to him, as his
    direct message does, and counts from the escalation. Before: "paged through @oncall-web by
    *alice*"."""
    stack, clock, channel = world
    stack.user("alice").slash("page home", channel=channel)
    stack.settle()
    clock.advance(minutes=5)
    stack.settle()
    stack.settle()
    assert len(dm(stack, "dave")) == 1
    clock.advance(minutes=2)
    dave = opened_home(stack, "dave")
    assert "sev1 · nobody on call for *Home page* took it: escalated to you through @sre-leads 2 min ago" in dave, dave
    assert "@oncall-web" not in dave.split("Pages waiting for you")[1].split("On call")[0]
    assert "sev1 · paged through @oncall-web by *alice* 7 min ago" in opened_home(stack, "bob")


def test_an_escalation_group_that_cannot_be_paged_is_said_with_why_in_the_notice(
    world: tuple[Stack, ManualClock, str],
) -> None:
    """Before, the notice said only "Nobody acknowledged the page for *Home page* within 5m.", as if
    @sre-leads had been paged and had not answered either."""
    stack, clock, channel = world
    assert stack.emulator.admin.disable_usergroup("sre-leads").status == 200
    stack.user("alice").slash("page home", channel=channel)
    stack.settle()
    clock.advance(minutes=5)
    stack.settle()
    stack.settle()
    [notice] = notices(stack, channel)
    assert shown(notice).startswith(
        ":warning: <@U0ALICE> Nobody acknowledged the page for *Home page* within 5m. Its escalation group "
        "@sre-leads could not be paged: disabled in Slack. Page them again, or someone else?"
    )
    assert dm(stack, "dave") == []


def test_an_escalation_group_nobody_of_can_be_paged_names_each_and_why(
    world: tuple[Stack, ManualClock, str],
) -> None:
    stack, clock, channel = world
    alice = stack.user("alice")
    alice.slash("page @dave", channel=channel)  # dave's page still waits: he is not paged twice
    alice.slash("page home", channel=channel)  # alice pages: never herself
    stack.settle()
    [bobs] = dm(stack, "bob")
    stack.user("bob").click(bobs.channel, bobs.ts, "page.decline")
    [carols] = dm(stack, "carol")
    stack.user("carol").click(carols.channel, carols.ts, "page.decline")
    stack.settle()
    assert [shown(notice).split(". Page")[0] for notice in notices(stack, channel)] == [
        ":warning: <@U0ALICE> Nobody paged for *Home page* can take it. Its escalation group @sre-leads could not "
        "be paged: nobody in it can be: *dave* (already paged, not answered yet), *alice* (the one paging)"
    ]
    assert len(dm(stack, "dave")) == 1
    assert stack.emulator.admin.set_usergroup_members("sre-leads", []).status == 200
    clock.advance(minutes=1)
    stack.settle()
    [notice] = notices(stack, channel)
    stack.user("alice").click(channel, notice.ts, "page.again")
    stack.settle()
    for person in ("bob", "carol"):
        page = dm(stack, person)[-1]
        stack.user(person).click(page.channel, page.ts, "page.decline")
    stack.settle()
    assert shown(notices(stack, channel)[-1]).startswith(
        ":warning: <@U0ALICE> Nobody paged for *Home page* can take it. Its escalation group @sre-leads could not "
        "be paged: it has no members. Page them again"
    )


def test_a_page_sent_while_slack_was_down_waits_its_full_time_from_when_it_was_sent(
    world: tuple[Stack, ManualClock, str],
) -> None:
    stack, clock, channel = world
    stack.emulator.down()
    before = len(stack.emulator.calls())
    answer = stack.user("alice").slash("page home", channel=channel)
    assert answer.json["text"].startswith("INC-1: paged *bob*, *carol*")
    wait_for(lambda: len(stack.emulator.calls()) > before, timeout=15)  # the sender tries and fails
    wait_until_no_send_is_in_flight(stack)  # and records it before time moves on
    clock.advance(minutes=10)
    stack.emulator.up()
    stack.settle()
    assert len(dm(stack, "bob")) == 1 and escalations(stack, channel) == []
    clock.advance(minutes=4)
    stack.settle()
    assert escalations(stack, channel) == []
    clock.advance(minutes=1)
    stack.settle()
    assert len(escalations(stack, channel)) == 1
    assert escalations(stack, channel)[0].startswith("`21:56 IST` :rotating_light: paged *dave*")


def test_after_a_restart_the_escalation_happens_once_at_its_time(
    make_stack: Callable[..., Stack], tmp_path: Path
) -> None:
    stack, clock, channel = paging_world(make_stack, tmp_path)
    stack.user("alice").slash("page home", channel=channel)
    stack.settle()
    stack.server.shutdown()
    stack.runtime.stop()  # the web process dies; the page and its time are in the database
    clock.advance(minutes=3)
    settings = {"INCIDENT_CATALOG": str(tmp_path / "catalog.toml")}
    restarted = make_stack(clock=clock, emulator=stack.emulator, settings=settings)
    restarted.settle()
    assert escalations(restarted, channel) == []
    clock.advance(minutes=2)
    restarted.settle()
    restarted.settle()
    assert escalations(restarted, channel) == [
        "`21:46 IST` :rotating_light: paged *dave*: nobody acknowledged the page for Home page within 5m "
        "(@sre-leads, its escalation group)"
    ]
    assert len(dm(restarted, "dave")) == 1


def test_the_retrospective_and_the_export_list_every_page_with_its_times(world: tuple[Stack, ManualClock, str]) -> None:
    stack, clock, channel = world
    stack.user("alice").slash("page home", channel=channel)
    stack.settle()
    [bobs] = dm(stack, "bob")
    stack.user("bob").click(bobs.channel, bobs.ts, "page.decline")
    clock.advance(minutes=5)
    stack.settle()
    [daves] = dm(stack, "dave")
    clock.advance(minutes=1)
    stack.user("dave").click(daves.channel, daves.ts, "page.acknowledge")
    stack.settle()
    record = stack.runtime.aftermath.record(Where("T0EMULATOR", number=1))
    document = markdown(record)
    pages = document[document.index("## Pages") : document.index("## Public updates")].splitlines()
    assert pages[2:6] == [
        "| paged | for | paged by | sent | answer | escalated |",
        "|---|---|---|---|---|---|",
        "| bob | Home page (oncall) | alice | 2022-02-17 21:41 IST (16:11 UTC) | can't take it, 2022-02-17 21:41 IST "
        "(16:11 UTC) | 2022-02-17 21:46 IST (16:16 UTC) |",
        "| carol | Home page (oncall) | alice | 2022-02-17 21:41 IST (16:11 UTC) | taken by dave, 2022-02-17 21:47 IST "
        "(16:17 UTC) | 2022-02-17 21:46 IST (16:16 UTC) |",
    ]
    assert pages[6].startswith(
        "| dave | Home page (escalation) | alice | 2022-02-17 21:46 IST (16:16 UTC) | acknowledged"
    )
    data = as_data(record)
    jsonschema.validate(data, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert [(page["person"]["name"], page["why"], page["answer"]) for page in data["pages"]] == [
        ("bob", "oncall", "declined"),
        ("carol", "oncall", "taken"),
        ("dave", "escalation", "acknowledged"),
    ]
    assert data["pages"][2]["sent_at"] == "2022-02-17T16:16:00Z"
    assert data["pages"][2]["acknowledged_at"] == data["pages"][0]["acknowledged_at"] == "2022-02-17T16:17:00Z"
    assert data["pages"][0]["escalated_at"] == "2022-02-17T16:16:00Z"


def test_someone_nobody_heard_from_can_be_paged_again_by_command_even_after_a_resolve_and_a_reopen(
    world: tuple[Stack, ManualClock, str],
) -> None:
    """A page nobody answered (the channel was told) or ended by the incident's resolution no longer
    counts as waiting: `/incident page` pages the person anew, as *Page again* would. Before, after a
    resolve and a reopen nobody paged then could ever be paged again for the incident ("Already
    paged and not answered yet"), with no button to do it."""
    stack, clock, channel = world
    alice = stack.user("alice")
    alice.slash("page @dave", channel=channel)
    stack.settle()
    clock.advance(minutes=2)
    alice.slash("close", channel=channel)
    stack.settle()
    clock.advance(hours=3)  # the resolution ended dave's page: nothing falls due
    stack.settle()
    alice.slash("reopen it broke again", channel=channel)
    stack.settle()
    answer = alice.slash("page @dave", channel=channel)
    assert answer.json["text"] == (
        "INC-1: paged *dave*. They got a direct message to acknowledge it, and an invitation to the channel."
    )
    stack.settle()
    first, second = dm(stack, "dave")
    assert shown(first).endswith(":heavy_minus_sign: No answer needed: INC-1 was resolved at 21:43 IST.")
    assert not any(block["type"] == "actions" for block in first.blocks)
    assert any(block["type"] == "actions" for block in second.blocks)
    again = alice.slash("page @dave", channel=channel)  # the new page waits: not paged twice
    assert "Already paged and not answered yet, so not paged again: *dave* (since 00:43 IST)" in again.json["text"]
    clock.advance(minutes=5)
    stack.settle()
    stack.settle()
    assert len(notices(stack, channel)) == 1  # the new page's own timer: nobody answered, the channel is told
    told = alice.slash("page @dave", channel=channel)  # as the notice asks: "Page *dave* again"
    assert told.json["text"].startswith("INC-1: paged *dave*.")
    stack.settle()
    assert len(dm(stack, "dave")) == 3
    assert shown(dm(stack, "dave")[1]).endswith(":repeat: Paged again at 00:48 IST: answer the newer message.")
