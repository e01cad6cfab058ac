"""Who may change incidents, with Slack slow or down: known members never wait on Slack."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from e2e_stack import Stack, shown
from sqlalchemy import text

from bot.sandbox import TEAM_ID, Sandbox
from bot.storage import members as stored
from slack_emulator import SlackEmulator

SLOW = 2.5  # seconds for every Web API answer: Slack at its worst that still answers


def incidents(stack: Stack) -> list[str]:
    return [i.title for i in stack.runtime.service.list_incidents(team_id=TEAM_ID, everything=True)]


def member_rows(stack: Stack) -> list[tuple[Any, ...]]:
    with stack.runtime.db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text("SELECT * FROM member ORDER BY user_id"))]


def test_a_known_member_opens_an_incident_while_every_slack_call_takes_2_5_seconds(stack: Stack) -> None:
    stack.emulator.set_latency(SLOW)
    answer = stack.user("alice").slash("open sev1 Checkout fails")
    assert "Opened *INC-1* (sev1): Checkout fails." in answer.json["text"]
    assert incidents(stack) == ["Checkout fails"]
    assert stack.emulator.calls("users.info") == []


def test_a_known_member_opens_an_incident_while_slack_is_down(stack: Stack) -> None:
    stack.emulator.down()
    answer = stack.user("bob").slash("open sev1 Slack itself is down")
    assert "Opened *INC-1* (sev1): Slack itself is down." in answer.json["text"]
    assert incidents(stack) == ["Slack itself is down"]
    stack.emulator.up()
    stack.settle(timeout=60)
    assert stack.channel_of(1)


def test_a_guest_is_refused_while_slack_is_down(stack: Stack, unchanged: Any) -> None:
    stack.emulator.down()
    with unchanged(stack.runtime.db):
        answer = stack.user("gina").slash("open sev1 Guest outage")
    assert (
        answer.json["text"] == ":warning: Workspace guests cannot change incidents. Ask a member of the team to do it."
    )


@pytest.mark.parametrize(
    ("fault", "what"),
    [("down", "Slack is failing (HTTP 503)"), ("slow", "Slack did not answer within 1 s")],
)
def test_someone_unknown_is_told_what_happened_when_slack_cannot_say_who_they_are(
    stack: Stack, unchanged: Any, fault: str, what: str
) -> None:
    carol = stack.emulator.add_user("carol")  # joined while no event reached the bot
    stack.emulator.add_member("general", carol.id)
    members_before = member_rows(stack)
    if fault == "down":
        stack.emulator.down()
    else:
        stack.emulator.set_latency(SLOW)
    with unchanged(stack.runtime.db):
        answer = stack.user("carol").slash("open sev1 Checkout fails")
    assert answer.json["text"] == (
        f":warning: I could not check your Slack account: I have not seen it before, and when I asked, {what}."
        " Nothing was changed. Please try again in a few minutes; meanwhile a teammate who has used the bot"
        " before can run the command."
    )
    assert member_rows(stack) == members_before
    assert incidents(stack) == []


def test_someone_unknown_is_looked_up_once_then_known(stack: Stack) -> None:
    carol = stack.emulator.add_user("carol")
    stack.emulator.add_member("general", carol.id)
    assert "Opened *INC-1*" in stack.user("carol").slash("open sev2 Search is slow").json["text"]
    assert "note added" in stack.user("carol").slash("note INC-1 looking at the index").json["text"]
    assert [call.args.get("user") for call in stack.emulator.calls("users.info")] == [carol.id]


def test_a_member_turned_guest_is_refused_from_the_user_change_event_on(stack: Stack, unchanged: Any) -> None:
    stack.user("bob").slash("open sev2 Checkout fails")
    stack.settle()
    assert stack.emulator.admin.turn_into_guest("bob").status == 200
    with unchanged(stack.runtime.db):
        answer = stack.user("bob").slash("note INC-1 still here")
    assert (
        answer.json["text"] == ":warning: Workspace guests cannot change incidents. Ask a member of the team to do it."
    )
    assert stack.emulator.admin.turn_into_member("bob").status == 200
    assert "note added" in stack.user("bob").slash("note INC-1 back again").json["text"]
    assert stack.emulator.calls("users.info") == []


def test_a_deactivated_account_is_refused(stack: Stack, unchanged: Any) -> None:
    stack.emulator.admin.deactivate("bob")
    with unchanged(stack.runtime.db):
        answer = stack.user("bob").slash("open sev2 Checkout fails")
    assert answer.json["text"] == ":warning: This Slack account is deactivated, so it cannot change incidents."


def test_a_newcomer_is_known_from_team_join_without_asking_slack(stack: Stack) -> None:
    nora, response = stack.emulator.admin.join("nora", real_name="Nora Newcomer")
    assert response.status == 200
    stack.emulator.set_latency(SLOW)
    answer = stack.user("nora").slash("open sev2 Login loops")
    assert "Opened *INC-1* (sev2): Login loops." in answer.json["text"]
    assert stack.emulator.calls("users.info") == []
    with stack.runtime.db.read() as session:
        assert stored.get(session=session, user_id=nora.id) == stored.Member(
            user_id=nora.id,
            team_id=TEAM_ID,
            display_name="nora",
            real_name="Nora Newcomer",
            tz="Asia/Kolkata",  # the event says her zone; not her locale (users.list asks for it)
        )


def test_start_up_walks_every_page_of_users_list(make_stack: Callable[..., Sandbox]) -> None:
    emulator = SlackEmulator()
    for n in range(450):
        emulator.add_user(f"person{n:03d}")
    stack = make_stack(emulator=emulator)
    pages = emulator.calls("users.list")
    assert [call.status for call in pages] == [200, 200, 200]
    assert "cursor" not in pages[0].args
    assert [bool(call.response["response_metadata"]["next_cursor"]) for call in pages] == [True, True, False]
    with stack.runtime.db.read() as session:
        assert stored.count(session=session) == 455  # the bot, alice, bob, gina, ursula and 450 more


def test_after_a_restart_with_slack_already_down_a_known_member_still_opens_an_incident(
    make_stack: Callable[..., Sandbox],
) -> None:
    """A cold start during the outage: the members learnt before it are in the database."""
    emulator = SlackEmulator()
    before = make_stack(emulator=emulator)  # learns the workspace's members while Slack is up
    before.server.shutdown()
    before.runtime.stop()  # the web process dies; the emulator (Slack) lives on
    emulator.down()
    after = make_stack(emulator=emulator)  # starts while every Slack call fails
    answer = after.user("alice").slash("open sev1 Slack and the home page are down")
    assert "Opened *INC-1* (sev1): Slack and the home page are down." in answer.json["text"]
    assert incidents(after) == ["Slack and the home page are down"]
    emulator.up()
    after.settle(timeout=60)
    assert after.channel_of(1)


def test_a_lead_the_bot_never_heard_of_is_shown_by_name_once_slack_says_who_they_are(stack: Stack) -> None:
    """Named before any event or sync told the bot about them: it asks Slack after the ack."""
    newbie = stack.emulator.add_user("newbie", real_name="Nina Newbie")  # no team_join reached the bot
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.settle()
    channel = stack.channel_of(1)
    answer = stack.user("alice").slash("lead @newbie", channel=channel)
    assert answer.status == 200
    stack.settle()
    assert [call.args.get("user") for call in stack.emulator.calls("users.info")] == [newbie.id]
    lines = [shown(m) for m in stack.emulator.messages(channel) if m.user == "U0BOT"]
    assert any("made *newbie* the incident lead" in line for line in lines), lines
    assert "lead: newbie" in stack.emulator.channel(channel).topic.value


def test_a_lead_named_while_slack_is_down_is_shown_by_name_once_slack_is_back(stack: Stack) -> None:
    stack.emulator.add_user("newbie", real_name="Nina Newbie")  # no team_join reached the bot
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.settle()
    channel = stack.channel_of(1)
    stack.emulator.down()
    assert stack.user("alice").slash("lead @newbie", channel=channel).status == 200
    stack.emulator.up()
    stack.settle(timeout=60)
    lines = [shown(m) for m in stack.emulator.messages(channel) if m.user == "U0BOT"]
    assert any("made *newbie* the incident lead" in line for line in lines), lines
