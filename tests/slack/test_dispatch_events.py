"""Events API deliveries through Bolt's App.dispatch: Slack gets 200 for every event (else it
retries, then disables the subscription); member events are stored at once."""

from __future__ import annotations

import json
from typing import Any

import pytest
from bolt_requests import TEAM, envelope, event
from dispatch_bot import BOB, GENERAL, DispatchBot

from bot.storage import members

OTHER_EVENTS: list[dict[str, Any]] = [
    {"type": "message", "channel": GENERAL, "user": BOB, "text": "lunch?", "ts": "1700000000.000100"},
    {"type": "message", "subtype": "channel_join", "channel": GENERAL, "user": BOB, "ts": "1700000000.000200"},
    {"type": "app_mention", "channel": GENERAL, "user": BOB, "text": "<@U0BOT> hi", "ts": "1700000000.000300"},
    {"type": "member_joined_channel", "channel": GENERAL, "user": BOB, "team": TEAM},
    {"type": "channel_rename", "channel": {"id": GENERAL, "name": "general-2", "created": 1700000000}},
    {"type": "app_home_opened", "user": BOB, "channel": "D0BOB", "tab": "messages"},  # the Home tab's is acted on
    {"type": "reaction_removed", "user": BOB, "reaction": "pushpin", "item": {"type": "message", "channel": GENERAL}},
    {"type": "pin_added", "user": BOB, "channel_id": GENERAL, "item": {"type": "message"}},
    {"type": "some_event_slack_adds_next_year", "whatever": [1, 2, 3]},
]


@pytest.mark.parametrize("inner", OTHER_EVENTS, ids=[str(e.get("subtype") or e["type"]) for e in OTHER_EVENTS])
def test_an_event_the_bot_does_not_act_on_gets_200_and_stores_nothing(
    bot: DispatchBot, unchanged: Any, inner: dict[str, Any]
) -> None:
    bot.open()
    with unchanged(bot.db):
        answer = bot.send(event(inner, event_id="Ev0OTHER"))
    assert (answer.status, answer.body) == (200, "")


def test_app_rate_limited_gets_200_and_stores_nothing(bot: DispatchBot, unchanged: Any) -> None:
    body = {
        "token": "legacy-verification-token",
        "type": "app_rate_limited",
        "team_id": TEAM,
        "minute_rate_limited": 1518467820,
        "api_app_id": "A0DISPATCH",
    }
    with unchanged(bot.db):
        assert bot.send(envelope(body)).status == 200


def test_url_verification_is_answered_with_its_challenge(bot: DispatchBot) -> None:
    answer = bot.send(envelope({"token": "legacy", "type": "url_verification", "challenge": "c4a1l3n93"}))
    assert answer.status == 200 and json.loads(answer.body) == {"challenge": "c4a1l3n93"}


def user(user_id: str, **flags: Any) -> dict[str, Any]:
    name = user_id.removeprefix("U0").lower()
    return {"id": user_id, "team_id": TEAM, "name": name, "profile": {"display_name": name}, **flags}


def test_a_member_turned_guest_by_user_change_is_refused_from_the_next_request_on(bot: DispatchBot) -> None:
    channel = bot.open()
    assert bot.command("note first", user=BOB, channel=channel).text == "INC-1: note added to the timeline."
    changed = bot.send(event({"type": "user_change", "user": user(BOB, is_restricted=True)}, event_id="Ev0UC1"))
    assert changed.status == 200
    answer = bot.command("note second", user=BOB, channel=channel)
    assert answer.text.startswith(":warning: Workspace guests cannot change incidents.")
    assert [entry.text for entry in bot.timeline(1) if entry.kind == "note"] == ["first"]
    assert bot.send(event({"type": "user_change", "user": user(BOB)}, event_id="Ev0UC3")).status == 200
    assert bot.command("note third", user=BOB, channel=channel).text == "INC-1: note added to the timeline."


def test_a_newcomer_from_team_join_opens_an_incident_without_slack_being_asked(bot: DispatchBot) -> None:
    newcomer = {**user("U0NEWCOMER"), "profile": {"display_name": "nora", "real_name": "Nora Newcomer"}}
    assert bot.send(event({"type": "team_join", "user": newcomer}, event_id="Ev0TJ1")).status == 200
    with bot.db.read() as session:
        assert members.get(session=session, user_id="U0NEWCOMER") == members.Member(
            user_id="U0NEWCOMER", team_id=TEAM, display_name="nora", real_name="Nora Newcomer"
        )
    assert bot.command("open Search is down", user="U0NEWCOMER").text.startswith("Opened *INC-1*")
    assert bot.incident(1).opened_by == "U0NEWCOMER" and bot.slack.calls == []
    assert known_members(bot) == 4  # alice, bob, the guest and the newcomer


def known_members(bot: DispatchBot) -> int:
    with bot.db.read() as session:
        return members.count(session=session)


def test_a_user_change_without_a_user_id_is_refused_naming_the_field_and_stores_nothing(
    bot: DispatchBot, unchanged: Any
) -> None:
    before = known_members(bot)
    with unchanged(bot.db):
        answer = bot.send(event({"type": "user_change", "user": {"name": "nobody"}}, event_id="Ev0UC2"))
    assert (answer.status, json.loads(answer.body)) == (400, {"error": "event_callback: event.user.id is missing"})
    assert known_members(bot) == before
