"""Paging end to end, over HTTP against the emulator, on SQLite and PostgreSQL (docs/behaviour.md,
Paging): `/incident page` reaches people, user groups and components' on-call groups by direct
message with Acknowledge and Can't take it, invites them to the channel, and says so on the
timeline and the card; the first acknowledgement wins and the others' messages say who took it."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from e2e_stack import Stack, bot_lines, card_of, sections_of, shown, wait_until_no_send_is_in_flight
from paging_world import dm, paging_world, replies
from test_e2e_home import opened_home

from bot.sandbox import ManualClock
from bot.storage import members
from slack_emulator import SlackEmulator


@pytest.fixture
def world(make_stack: Callable[..., Stack], tmp_path: Path) -> tuple[Stack, ManualClock, str]:
    return paging_world(make_stack, tmp_path)


def test_a_component_is_paged_through_its_on_call_group_by_direct_message_and_an_invitation(
    world: tuple[Stack, ManualClock, str],
) -> None:
    stack, _, channel = world
    answer = stack.user("alice").slash("page home", channel=channel)
    assert answer.json["text"] == (
        "INC-1: paged *bob*, *carol* (on call for *Home page*, @oncall-web). Each got a direct "
        "message to acknowledge it, and an invitation to the channel.\n"
        "Not paged: *gina* (a workspace guest), *incident-bot* (an app)."
    )
    stack.settle()
    [message] = dm(stack, "bob")
    assert shown(message) == (
        ":pager: *alice* paged you for *INC-1* (sev1): Checkout fails for &lt;everyone&gt;\n"
        f"You are on call for *Home page* (@oncall-web). You are invited to its channel, <#{channel}>."
    )
    buttons = [
        element["text"]["text"]
        for block in message.blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert buttons == ["Acknowledge", "Can't take it"]
    assert len(dm(stack, "carol")) == 1 and dm(stack, "gina") == []
    members = stack.emulator.channel(channel).members
    assert {stack.emulator.user("bob").id, stack.emulator.user("carol").id} <= set(members)
    assert stack.emulator.user("gina").id not in members
    assert any(
        line.endswith("*alice* :pager: paged *bob*, *carol*: on call for Home page (@oncall-web)")
        for line in bot_lines(stack, channel)
    )
    card = sections_of(card_of(stack, channel).blocks)
    assert "*Paged*\n:pager: *Home page*: waiting since 21:41 IST" in card


def test_people_and_groups_are_paged_each_once_and_whoever_still_has_a_page_is_not_paged_again(
    world: tuple[Stack, ManualClock, str], unchanged: Callable[..., Any]
) -> None:
    stack, clock, channel = world
    answer = stack.user("alice").slash("page @bob @oncall-web", channel=channel)
    assert answer.json["text"].startswith("INC-1: paged *bob*; paged *carol* (@oncall-web).")
    stack.settle()
    assert len(dm(stack, "bob")) == 1  # reached twice, paged once
    clock.advance(minutes=1)
    with unchanged(stack.runtime.db):
        again = stack.user("dave").slash("page INC-1 @bob home", channel="general")
    assert again.json["text"] == (
        ":warning: Nobody was paged for INC-1.\nNot paged: *gina* (a workspace guest), *incident-bot* (an app).\n"
        "Already paged and not answered yet, so not paged again: *bob* (since 21:41 IST), *carol* (since 21:41 IST)."
    )
    stack.settle()
    assert len(dm(stack, "bob")) == 1


def test_the_first_acknowledgement_wins_and_every_other_page_says_who_took_it(
    world: tuple[Stack, ManualClock, str],
) -> None:
    stack, clock, channel = world
    stack.user("alice").slash("page home", channel=channel)
    stack.settle()
    clock.advance(minutes=2)
    [bobs], [carols] = dm(stack, "bob"), dm(stack, "carol")
    bob_channel, carol_channel = bobs.channel, carols.channel
    # both press before the bot has edited either message; then carol changes her mind
    assert stack.user("bob").click(bob_channel, bobs.ts, "page.acknowledge").status == 200
    assert stack.user("carol").click(carol_channel, carols.ts, "page.acknowledge").status == 200
    assert stack.user("carol").click(carol_channel, carols.ts, "page.decline").status == 200
    stack.settle()
    said = replies(stack)
    assert said[-3] == f"INC-1: thank you, you acknowledged it at 21:43 IST. Its channel: <#{channel}>."
    assert said[-2] == said[-1] == ":warning: bob acknowledged it at 21:43 IST: nothing more to do."
    assert shown(dm(stack, "bob")[0]).endswith(
        f":white_check_mark: You acknowledged at 21:43 IST. The channel: <#{channel}>."
    )
    assert shown(dm(stack, "carol")[0]).endswith(":ok_hand: *bob* acknowledged at 21:43 IST: nothing more to do.")
    assert not any(block["type"] == "actions" for block in dm(stack, "carol")[0].blocks)
    lines = [line for line in bot_lines(stack, channel) if "acknowledged the page" in line]
    assert lines == ["`21:43 IST` *bob* :raising_hand: acknowledged the page for Home page: 2m after the page"]
    assert not any("can't take" in line for line in bot_lines(stack, channel))
    card = sections_of(card_of(stack, channel).blocks)
    assert "*Paged*\n:white_check_mark: *Home page*: acknowledged by *bob* at 21:43 IST" in card


def test_cant_take_it_is_said_on_the_timeline_and_in_the_message(world: tuple[Stack, ManualClock, str]) -> None:
    stack, _, channel = world
    stack.user("alice").slash("page @bob", channel=channel)
    stack.settle()
    [message] = dm(stack, "bob")
    stack.user("bob").click(message.channel, message.ts, "page.decline")
    stack.settle()
    assert replies(stack)[-1] == "INC-1: noted, you can't take it."
    assert shown(dm(stack, "bob")[0]).endswith(":no_entry_sign: You said you can't take it (21:41 IST).")
    lines = [line for message in bot_lines(stack, channel) for line in message.splitlines()]  # a run may be one message
    assert any(line.endswith("*bob* :no_entry_sign: can't take the page") for line in lines)


BAD_PAGES = [
    ("page", "Whom should I page?"),
    ("page hom", "There is no component “hom”. Did you mean Home page (`home`)?"),
    ("page api", "Public API (`api`) has no on-call group in the catalog (`oncall`)"),
    ("page home api", "Public API (`api`) has no on-call group in the catalog (`oncall`)"),  # ids in a row
    ("page home apx", "There is no component “home apx”. Did you mean Home page (`home`)?"),
    ("page <!here>", "@here cannot be paged"),
    ("page @oncal-web", "There is no user group @oncal-web in this workspace. Did you mean @oncall-web?"),
    ("page @nobody", "There is no user group @nobody in this workspace. For a person, type @ and pick them"),
    ("page <@U0NOBODY|nobody>", "Nobody was paged for INC-1.\nNot paged: *someone* (not in this workspace)."),
    ("page home <!date^1645114260^{date_short}|Feb 17>", "is not someone to page"),
    ("page #general", "A channel (#general) cannot be paged"),
    ("page INC-9 @bob", "There is no INC-9 in this workspace."),
    ("page @gina", "Nobody was paged for INC-1.\nNot paged: *gina* (a workspace guest)."),
    ("page @alice", "Nobody was paged for INC-1.\nNot paged: *alice* (the one paging)."),
    ("page @bob --at 21:50", "`/incident page` does not take --at"),
]


@pytest.mark.parametrize(("typed", "said"), BAD_PAGES, ids=[typed for typed, _ in BAD_PAGES])
def test_a_page_that_cannot_be_made_says_why_and_stores_nothing(
    world: tuple[Stack, ManualClock, str], unchanged: Callable[..., Any], typed: str, said: str
) -> None:
    stack, _, channel = world
    with unchanged(stack.runtime.db):
        answer = stack.user("alice").slash(typed, channel=channel, raw="<" in typed)
        stack.settle()
    assert said in answer.json["text"], answer.json["text"]
    assert dm(stack, "bob") == [] and dm(stack, "gina") == []


TYPED_AS_MARKUP = [  # typed as is; Slack sends `&lt;@U0BOB&gt;`; the reply shows Slack's escapes
    ("page <@U0BOB>", "There is no component “&lt;@U0BOB&gt;”."),
    ("page <!channel>", "There is no component “&lt;!channel&gt;”."),
    ("page <https://x.example|y>", "There is no component “&lt;https://x.example|y&gt;”."),
    ("page home <@U0BOB>", "There is no component “home &lt;@U0BOB&gt;”."),
    ("oncall <@U0BOB>", "There is no component “&lt;@U0BOB&gt;”."),
    ("oncall <!channel> & co", "There is no component “&lt;!channel&gt; &amp; co”."),
]


def test_markup_typed_in_page_and_oncall_is_quoted_as_typed_and_pages_nobody(
    world: tuple[Stack, ManualClock, str], unchanged: Callable[..., Any]
) -> None:
    """What was typed as `<@U0BOB>`, `<!channel>` or `<https://x|y>` was read as Slack's markup
    by `page` and `oncall`: "There is no component “@someone”", "“@channel”", "“y”"."""
    stack, _, channel = world
    with unchanged(stack.runtime.db):
        answers = [stack.user("alice").slash(typed, channel=channel) for typed, _ in TYPED_AS_MARKUP]
        stack.settle()
    for (typed, said), answer in zip(TYPED_AS_MARKUP, answers, strict=True):
        assert answer.json["text"].startswith(f":warning: {said}"), (typed, answer.json["text"])
    assert dm(stack, "bob") == [] and dm(stack, "carol") == []


def test_an_unknown_group_a_guest_paging_a_resolved_incident_and_a_private_one_from_outside_are_refused(
    world: tuple[Stack, ManualClock, str], unchanged: Callable[..., Any]
) -> None:
    stack, _, channel = world
    stack.user("alice").slash("open --private sev2 Card numbers in the logs")
    stack.user("alice").slash("open sev3 Old one")
    stack.settle()
    stack.user("alice").slash("close", channel=stack.channel_of(3))
    stack.settle()
    with unchanged(stack.runtime.db):
        ghost = stack.user("alice").slash("page <!subteam^S0GHOST|@ghost>", channel=channel, raw=True)
        guest = stack.user("gina").slash("page INC-1 @bob")
        outside = stack.user("bob").slash("page INC-2 @carol")
        resolved = stack.user("alice").slash("page INC-3 @bob")
        stack.settle()
    assert "There is no user group @ghost in this workspace: Slack says so" in ghost.json["text"]
    assert "Workspace guests cannot change incidents" in guest.json["text"]
    assert "INC-2 is private" in outside.json["text"]
    assert "INC-3 is resolved: reopen it first to page people for it." in resolved.json["text"]
    assert dm(stack, "bob") == [] and dm(stack, "carol") == []


def test_a_group_slack_cannot_tell_just_now_is_worth_trying_again(
    world: tuple[Stack, ManualClock, str], unchanged: Callable[..., Any]
) -> None:
    """Slack down while an unknown group is asked of it: "try again in a minute" is true then (and
    only then: a group Slack says does not exist is refused as such, above)."""
    stack, _, channel = world
    stack.emulator.down()
    with unchanged(stack.runtime.db):
        answer = stack.user("alice").slash("page <!subteam^S0LATER|@db-oncall>", channel=channel, raw=True)
    stack.emulator.up()
    assert "Slack could not tell me its members just now. Try again in a minute" in answer.json["text"]


def test_someone_the_bot_has_not_seen_yet_is_asked_of_slack_stored_and_paged_by_the_same_rules(
    world: tuple[Stack, ManualClock, str],
) -> None:
    stack, _, channel = world
    erin = stack.emulator.add_user("erin")  # joined while no event reached the bot
    frank = stack.emulator.add_user("frank", is_restricted=True)
    with stack.runtime.db.read() as session:
        assert members.get(session=session, user_id=erin.id) is None
    answer = stack.user("alice").slash("page @erin @frank", channel=channel)
    assert answer.json["text"] == (
        "INC-1: paged *erin*. They got a direct message to acknowledge it, and an invitation to the channel.\n"
        "Not paged: *frank* (a workspace guest)."
    )
    with stack.runtime.db.read() as session:  # stored as the member sync stores them
        stored_erin = members.get(session=session, user_id=erin.id)
        stored_frank = members.get(session=session, user_id=frank.id)
    assert stored_erin is not None and not stored_erin.is_guest and stored_erin.tz == "Asia/Kolkata"
    assert stored_frank is not None and stored_frank.is_guest
    stack.settle()
    [message] = dm(stack, "erin")
    assert shown(message).startswith(":pager: *alice* paged you for *INC-1* (sev1)")
    asked = len(stack.emulator.calls("users.info"))
    stack.user("dave").slash("page INC-1 @frank", channel=channel)
    assert len(stack.emulator.calls("users.info")) == asked  # known now: Slack is not asked again


def test_when_slack_cannot_say_who_someone_new_is_the_reply_says_so_and_nothing_is_stored(
    world: tuple[Stack, ManualClock, str], unchanged: Callable[..., Any]
) -> None:
    stack, _, channel = world
    erin = stack.emulator.add_user("erin")
    stack.emulator.down()
    with unchanged(stack.runtime.db):
        answer = stack.user("alice").slash("page @erin home", channel=channel)
    assert answer.json["text"] == (
        f":warning: I could not look up someone you named (`{erin.id}`): I have not seen them before, and when "
        "I asked, Slack is failing (HTTP 503). Nothing was changed. Please try again in a few minutes."
    )
    stack.emulator.up()
    stack.settle(timeout=60)
    assert dm(stack, "bob") == [] and dm(stack, "erin") == []
    assert stack.user("alice").slash("page @erin", channel=channel).json["text"].startswith("INC-1: paged *erin*.")


def test_a_page_reaches_its_person_while_slack_cannot_create_the_incidents_channel_yet(
    world: tuple[Stack, ManualClock, str],
) -> None:
    stack, clock, _ = world
    stack.emulator.fail_next("conversations.create", status=500)  # retried later: the clock stands still
    stack.user("alice").slash("open sev2 Search is slow")
    stack.user("alice").slash("page INC-2 @bob")
    deadline = time.monotonic() + 10
    while not dm(stack, "bob") and time.monotonic() < deadline:
        stack.runtime.sender_thread.notify()
        time.sleep(0.05)
    [message] = dm(stack, "bob")
    assert shown(message) == (
        ":pager: *alice* paged you for *INC-2* (sev2): Search is slow\n"
        "They asked for you by name. You will be invited to its channel once Slack has created it."
    )
    with pytest.raises(LookupError):
        stack.channel_of(2)
    wait_until_no_send_is_in_flight(stack)  # the creation's failure recorded before time moves on
    clock.advance(minutes=1)
    stack.settle()
    assert stack.emulator.user("bob").id in stack.emulator.channel(stack.channel_of(2)).members


def test_oncall_says_who_each_component_reaches_now_only_to_the_asker(
    world: tuple[Stack, ManualClock, str], unchanged: Callable[..., Any]
) -> None:
    stack, _, _ = world
    with unchanged(stack.runtime.db):
        every = stack.user("bob").slash("oncall")
        one = stack.user("bob").slash("oncall Page d'accueil")
        typo = stack.user("bob").slash("oncall hom")
        group = stack.user("bob").slash("oncall @oncall-web")  # Slack sends <!subteam^S...|@oncall-web>
        guest = stack.user("gina").slash("oncall")
    assert every.json == {
        "response_type": "ephemeral",
        "text": "*On call now*\n*Home page* (`home`): on call @oncall-web: *bob*, *carol* (never paged: 1 guest, "
        "1 app) · escalation @sre-leads: *dave*, *alice*\n*Public API* (`api`): no on-call group in the catalog",
    }
    assert one.json["text"].splitlines() == every.json["text"].splitlines()[:2]
    assert "There is no component “hom”. Did you mean Home page (`home`)?" in typo.json["text"]
    assert "There is no component “@oncall-web”. The catalog has Home page" in group.json["text"]
    assert "guest" in guest.json["text"].lower()
    assert "*Home page* · @oncall-web · *bob*, *carol* (never paged: 1 guest, 1 app)" in opened_home(stack, "bob")
    assert stack.emulator.admin.deactivate("carol").status == 200
    stack.settle()
    assert (
        "on call @oncall-web: *bob* (never paged: 1 guest, 1 app, 1 deactivated account) ·"
        in (stack.user("bob").slash("oncall home").json["text"])
    )
    assert stack.emulator.admin.set_usergroup_members("oncall-web", ["dave"]).status == 200  # a handover
    assert "on call @oncall-web: *dave* ·" in stack.user("bob").slash("oncall home").json["text"]


def test_a_group_handle_typed_as_text_is_paged_as_the_group(world: tuple[Stack, ManualClock, str]) -> None:
    stack, _, channel = world
    answer = stack.user("alice").slash("page @Oncall-Web", channel=channel, raw=True)  # not picked from the list
    assert answer.json["text"].startswith("INC-1: paged *bob*, *carol* (@oncall-web).")


def test_several_components_named_in_a_row_by_id_are_each_paged_through_their_on_call_group(
    make_stack: Callable[..., Stack], tmp_path: Path
) -> None:
    (tmp_path / "catalog.toml").write_text(
        '[[component]]\nid = "home"\nname = "Home page"\noncall = "oncall-web"\n\n'
        '[[component]]\nid = "db"\nname = "Main database"\noncall = "dba"\n',
        encoding="utf-8",
    )
    emulator = SlackEmulator()
    emulator.add_user("dave", real_name="Dave Kim")
    emulator.add_usergroup("oncall-web", members=["bob"], name="Web on call")
    emulator.add_usergroup("dba", members=["dave"], name="Database admins")
    stack = make_stack(emulator=emulator, settings={"INCIDENT_CATALOG": str(tmp_path / "catalog.toml")})
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.settle()
    answer = stack.user("alice").slash("page home db home", channel=stack.channel_of(1))
    assert answer.json["text"] == (
        "INC-1: paged *bob* (on call for *Home page*, @oncall-web); paged *dave* (on call for *Main database*, "
        "@dba). Each got a direct message to acknowledge it, and an invitation to the channel."
    )
    stack.settle()
    assert len(dm(stack, "bob")) == len(dm(stack, "dave")) == 1
