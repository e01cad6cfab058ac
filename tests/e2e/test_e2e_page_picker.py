"""*Page someone else* end to end, over HTTP against the emulator, on SQLite and PostgreSQL
(docs/behaviour.md, Paging): the button under "nobody answered" opens a picker (people, and the
catalog's components with an on-call group); its submission pages as `/incident page` does, with
the same refusals, shown in the picker with nothing stored."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from e2e_stack import Stack, bot_lines, sections_of, shown
from paging_world import START, dm, notices, replies, told_nobody_answered

from bot.sandbox import ManualClock
from slack_emulator import SlackEmulator
from slack_emulator.records import View

NOTHING_CHOSEN = "Choose whom to page: people, or a component's on-call group."


@pytest.fixture
def world(make_stack: Callable[..., Stack], tmp_path: Path) -> tuple[Stack, ManualClock, str]:
    """INC-1 with dave paged directly by alice and nobody answering: the channel was told."""
    stack, clock, channel = told_nobody_answered(make_stack, tmp_path, "page @dave")
    assert len(notices(stack, channel)) == 1
    return stack, clock, channel


def picker_of(stack: Stack, person: str, channel: str) -> View:
    """`person` presses *Page someone else* under the notice: the picker opened for them."""
    [notice] = notices(stack, channel)
    assert stack.user(person).click(channel, notice.ts, "page.someone_else").status == 200
    stack.settle()
    [picker] = stack.emulator.views(person, open_only=True)
    return picker


def ids(stack: Stack, *names: str) -> list[str]:
    return [stack.emulator.user(name).id for name in names]


def test_the_picker_pages_people_and_on_call_groups_as_the_command_does(
    world: tuple[Stack, ManualClock, str],
) -> None:
    stack, _, channel = world
    picker = picker_of(stack, "alice", channel)
    assert picker.body["callback_id"] == "incident.page_picker"
    inputs = {block["block_id"]: block["element"] for block in picker.body["blocks"] if block["type"] == "input"}
    assert inputs["page_people"]["type"] == "multi_users_select"
    assert [option["text"]["text"] for option in inputs["page_components"]["options"]] == ["Home page"]  # has oncall
    assert sections_of(picker.body["blocks"])[0].startswith("Whom should I page for *INC-1*?")

    chosen = {"page_people": ids(stack, "gina"), "page_components": ["home"]}
    answer = stack.user("alice").submit_view(picker.id, chosen)
    assert answer.status == 200
    said = (
        "INC-1: paged *bob*, *carol* (on call for *Home page*, @oncall-web). Each got a direct message to "
        "acknowledge it, and an invitation to the channel.\nNot paged: *gina* (a workspace guest), "
        "*incident-bot* (an app)."
    )
    assert answer.json["response_action"] == "update"
    [shown_after] = [view for view in stack.emulator.views("alice") if view.id == picker.id]
    assert sections_of(shown_after.body["blocks"]) == [said]
    stack.settle()
    [bobs], [carols] = dm(stack, "bob"), dm(stack, "carol")
    assert shown(carols).startswith(":pager: *alice* paged you for *INC-1* (sev1)")
    assert shown(bobs).startswith(":pager: *alice* paged you for *INC-1* (sev1)")
    assert dm(stack, "gina") == []
    assert any(
        line.endswith("*alice* :pager: paged *bob*, *carol*: on call for Home page (@oncall-web)")
        for line in bot_lines(stack, channel)
    )
    # the same page typed: the same rules (all of them waiting now), the same words
    typed = stack.user("alice").slash("page @gina home", channel=channel)
    assert typed.json["text"].startswith(":warning: Nobody was paged for INC-1.\nNot paged: *gina*")
    # a person picked is paged directly; dave, whom nobody heard from (the channel was told), anew
    again = picker_of(stack, "bob", channel)
    answer = stack.user("bob").submit_view(again.id, {"page_people": ids(stack, "dave", "alice")})
    assert sections_of(stack.emulator.views("bob")[-1].body["blocks"]) == [
        "INC-1: paged *dave*, *alice*. Each got a direct message to acknowledge it, and an invitation to the channel."
    ]
    stack.settle()
    assert len(dm(stack, "alice")) == 1
    old, new = dm(stack, "dave")
    assert shown(old).endswith(":repeat: Paged again at 21:46 IST: answer the newer message.")
    assert shown(new).startswith(":pager: *bob* paged you for *INC-1* (sev1)")


BAD_PICKS: list[tuple[dict[str, Any], str]] = [
    ({}, NOTHING_CHOSEN),
    ({"page_people": [], "page_components": []}, NOTHING_CHOSEN),
    ({"page_people": ["gina"]}, "Nobody was paged for INC-1.\nNot paged: *gina* (a workspace guest)."),
    ({"page_people": ["alice"]}, "Nobody was paged for INC-1.\nNot paged: *alice* (the one paging)."),
    ({"page_people": ["incident-bot"]}, "Not paged: *incident-bot* (an app)."),
]


@pytest.mark.parametrize(("picked", "said"), BAD_PICKS, ids=[str(picked) for picked, _ in BAD_PICKS])
def test_a_pick_that_pages_nobody_is_refused_in_the_picker_and_stores_nothing(
    world: tuple[Stack, ManualClock, str], unchanged: Callable[..., Any], picked: dict[str, Any], said: str
) -> None:
    stack, _, channel = world
    picker = picker_of(stack, "alice", channel)
    values = {block: ids(stack, *chosen) if block == "page_people" else chosen for block, chosen in picked.items()}
    with unchanged(stack.runtime.db):
        answer = stack.user("alice").submit_view(picker.id, values)
        stack.settle()
    assert answer.json["response_action"] == "errors"
    assert said in answer.json["errors"]["page_people"], answer.json
    assert stack.emulator.views("alice", open_only=True)[0].id == picker.id  # still open, to choose again
    assert all(dm(stack, person) == [] for person in ("bob", "carol", "gina", "alice"))


def test_a_deactivated_account_a_guest_and_an_app_picked_are_each_named_and_none_is_paged(
    world: tuple[Stack, ManualClock, str], unchanged: Callable[..., Any]
) -> None:
    stack, _, channel = world
    assert stack.emulator.admin.deactivate("carol").status == 200  # the bot hears it at once (user_change)
    picker = picker_of(stack, "alice", channel)
    picked = {"page_people": ids(stack, "carol", "gina", "incident-bot")}
    with unchanged(stack.runtime.db):
        answer = stack.user("alice").submit_view(picker.id, picked)
        stack.settle()
    assert answer.json["errors"] == {
        "page_people": "Nobody was paged for INC-1.\nNot paged: *carol* (deactivated), *gina* (a workspace guest), "
        "*incident-bot* (an app)."
    }
    assert dm(stack, "carol") == [] and dm(stack, "gina") == []


def test_a_resolved_incident_a_guest_and_a_private_incident_keep_their_rules(
    world: tuple[Stack, ManualClock, str], unchanged: Callable[..., Any]
) -> None:
    stack, clock, channel = world
    # a guest pressing is told, and no picker opens
    [notice] = notices(stack, channel)
    with unchanged(stack.runtime.db):
        stack.user("gina").click(channel, notice.ts, "page.someone_else")
        stack.settle()
    assert "Workspace guests cannot change incidents" in replies(stack)[-1]
    assert stack.emulator.views("gina") == []
    # resolved while the picker was open: refused in it
    picker = picker_of(stack, "alice", channel)
    stack.user("alice").slash("close", channel=channel)
    stack.settle()
    with unchanged(stack.runtime.db):
        answer = stack.user("alice").submit_view(picker.id, {"page_people": ids(stack, "carol")})
    assert answer.json["errors"] == {"page_people": "INC-1 is resolved: reopen it first to page people for it."}
    # a private incident: carol is in none of its roles, but pressed in its channel, so she may page
    stack.user("alice").slash("open --private sev2 Card numbers in the logs")
    stack.settle()
    private = stack.channel_of(2)
    stack.user("alice").slash("page @dave", channel=private)
    stack.settle()
    clock.advance(minutes=5)
    stack.settle()
    stack.settle()
    picker = picker_of(stack, "carol", private)
    answer = stack.user("carol").submit_view(picker.id, {"page_people": ids(stack, "bob")})
    assert answer.json["response_action"] == "update", answer.json
    stack.settle()
    assert shown(dm(stack, "bob")[-1]).startswith(":pager: *carol* paged you for *INC-2* (sev2)")
    # the same from outside its channel is refused
    assert "INC-2 is private" in stack.user("carol").slash("page INC-2 @bob").json["text"]


def test_more_on_call_components_than_a_menu_holds_are_searched_as_the_person_types(
    make_stack: Callable[..., Stack], tmp_path: Path
) -> None:
    services = "".join(
        f'[[component]]\nid = "svc-{n:03}"\nname = "Service {n}"\noncall = "oncall-web"\n\n' for n in range(1, 121)
    )
    (tmp_path / "catalog.toml").write_text(services + '[[component]]\nid = "api"\nname = "Public API"\n')
    clock = ManualClock(START)
    emulator = SlackEmulator(clock=clock.timestamp)
    emulator.add_user("dave")
    emulator.add_usergroup("oncall-web", members=["bob"])
    stack = make_stack(clock=clock, emulator=emulator, settings={"INCIDENT_CATALOG": str(tmp_path / "catalog.toml")})
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.settle()
    channel = stack.channel_of(1)
    stack.user("alice").slash("page @dave", channel=channel)
    stack.settle()
    clock.advance(minutes=5)
    stack.settle()
    stack.settle()
    picker = picker_of(stack, "alice", channel)
    [element] = [b["element"] for b in picker.body["blocks"] if b.get("block_id") == "page_components"]
    assert (element["type"], element["min_query_length"]) == ("multi_external_select", 0)
    alice = stack.user("alice")
    assert len(alice.type_in_menu(picker.id, "page_components").json["options"]) == 100, "Slack's most in one answer"
    found = [
        option["value"] for option in alice.type_in_menu(picker.id, "page_components", "SERVICE 11").json["options"]
    ]
    assert found == ["svc-011", *(f"svc-{n}" for n in range(110, 120))]
    assert alice.type_in_menu(picker.id, "page_components", "public api").json == {"options": []}, "no on-call group"
    answer = alice.submit_view(picker.id, {"page_components": ["svc-115"]})
    assert answer.json["response_action"] == "update", answer.json
    stack.settle()
    [page] = dm(stack, "bob")
    assert "You are on call for *Service 115* (@oncall-web)." in shown(page)
