"""Signatures, escaping, guests and malformed commands: refused or defused, nothing stored."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from e2e_stack import Stack

from bot.storage.db import Database
from slack_emulator import ANNOUNCE, GENERAL


def slash_body(stack: Stack, text: str) -> str:
    return urlencode(
        {
            "team_id": "T0EMULATOR",
            "channel_id": GENERAL,
            "user_id": stack.emulator.user("alice").id,
            "command": "/incident",
            "text": text,
            "response_url": f"{stack.emulator.url}/response_url/unused",
        }
    )


def test_a_bad_signature_gets_401_and_stores_nothing(stack: Stack, unchanged: Any) -> None:
    calls_before = stack.emulator.calls()  # the members sync at start-up
    with unchanged(stack.runtime.db):
        answer = stack.emulator.send(
            slash_body(stack, "open sev1 forged"), "application/x-www-form-urlencoded", signature="v0=" + "0" * 64
        )
    assert answer.status == 401
    assert stack.emulator.calls() == calls_before


def test_a_six_minute_old_signature_gets_401_and_stores_nothing(stack: Stack, unchanged: Any) -> None:
    with unchanged(stack.runtime.db):
        answer = stack.emulator.send(
            slash_body(stack, "open sev1 replayed"),
            "application/x-www-form-urlencoded",
            timestamp=int(time.time()) - 6 * 60,
        )
    assert answer.status == 401


def test_url_verification_echoes_the_challenge(stack: Stack) -> None:
    answer = stack.emulator.url_verification("a-challenge")
    assert answer.status == 200
    assert answer.json == {"challenge": "a-challenge"}


def _everything_the_bot_said(stack: Stack) -> Iterator[str]:
    """Every mrkdwn or notification text the bot sent anywhere, and every topic it set."""
    emulator = stack.emulator
    channels = [GENERAL, ANNOUNCE, stack.channel_of(1)]
    for channel in channels:
        yield emulator.channel(channel).topic.value
        for message in emulator.messages(channel):
            if message.user == "U0BOT":
                yield message.text
                yield from _mrkdwn(message.blocks)
        for user in ("alice", "bob"):
            for ephemeral in emulator.ephemerals(channel, emulator.user(user).id):
                yield ephemeral.text
                yield from _mrkdwn(ephemeral.blocks)
    for post in emulator.response_url_posts():
        yield str(post.body.get("text", ""))
        yield from _mrkdwn(post.body.get("blocks", []))


def _mrkdwn(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn":
            yield str(value.get("text", ""))
        for item in value.values():
            yield from _mrkdwn(item)
    elif isinstance(value, list):
        for item in value:
            yield from _mrkdwn(item)


def test_a_title_full_of_mentions_never_pings_anyone(stack: Stack) -> None:
    bob = stack.emulator.user("bob").id
    title = f"<!channel> <!here> <@{bob}|bob> checkout & <https://evil.example|login> down"
    answer = stack.user("alice").slash(f"open sev1 {title}", raw=True)
    assert answer.status == 200
    stack.settle()
    channel = stack.channel_of(1)
    stack.user("alice").slash(f"note {title}", channel=channel, raw=True)
    stack.user("alice").slash(f"impact {title}", channel=channel, raw=True)
    stack.user("alice").slash("timeline", channel=channel)
    stack.user("alice").slash("list")
    stack.settle()
    said = [text for text in _everything_the_bot_said(stack) if text]
    assert said, "the bot said something"
    for text in said:
        for ping in ("<!channel>", "<!here>", f"<@{bob}"):
            assert ping not in text, f"{ping!r} would notify people, in {text!r}"
        assert "&lt;!" not in text and "&lt;@" not in text and "&lt;http" not in text, f"raw markup in {text!r}"
    # What people wrote keeps its meaning: mentions as words, the link clickable with its label.
    assert any("@channel @here @bob checkout &amp; <https://evil.example|login> down" in text for text in said)
    assert stack.emulator.channel(channel).topic.value.endswith("INC-1: @bob checkout &amp; login down")


@pytest.mark.parametrize("guest", ["gina", "ursula"])
def test_a_workspace_guest_cannot_change_incidents(stack: Stack, unchanged: Any, guest: str) -> None:
    stack.user("alice").slash("open sev2 Checkout fails")
    stack.settle()
    calls_before = len(stack.emulator.calls("chat.postMessage"))
    with unchanged(stack.runtime.db):
        for text in ("open sev1 guest incident", "status INC-1 identified", "note INC-1 hi", "close INC-1"):
            answer = stack.user(guest).slash(text)
            assert answer.json["text"] == (
                ":warning: Workspace guests cannot change incidents. Ask a member of the team to do it."
            )
    stack.settle()
    assert len(stack.emulator.calls("chat.postMessage")) == calls_before


@pytest.mark.parametrize("guest", ["gina", "ursula"])  # a multi-channel and a single-channel guest
def test_a_workspace_guest_reads_nothing(stack: Stack, unchanged: Any, guest: str) -> None:
    stack.user("alice").slash("open sev2 Checkout fails")
    stack.user("alice").slash("note INC-1 the payment provider times out")
    stack.settle()
    channel = stack.channel_of(1)
    stack.emulator.add_member(channel, guest)  # a guest in the incident's own channel too
    with unchanged(stack.runtime.db):
        for text, where in (
            ("list", GENERAL),
            ("list all", GENERAL),
            ("timeline INC-1", GENERAL),
            ("timeline", channel),
            ("stats", GENERAL),
            ("subscribers", GENERAL),
        ):
            answer = stack.user(guest).slash(text, channel=where)
            assert answer.json == {
                "response_type": "ephemeral",
                "text": ":warning: Workspace guests cannot read incidents here. Ask a member of the team.",
            }, text
    assert "/incident" in stack.user(guest).slash("help").json["text"], "help shows no incident"


def test_guests_read_as_members_do_where_the_setting_allows_it(make_stack: Callable[..., Stack]) -> None:
    stack = make_stack(settings={"INCIDENT_GUESTS_READ": "true"})
    stack.user("alice").slash("open sev2 Checkout fails")
    stack.user("alice").slash("note INC-1 the payment provider times out")
    stack.settle()
    assert "INC-1" in str(stack.user("gina").slash("list").json)
    assert "the payment provider times out" in str(stack.user("ursula").slash("timeline INC-1").json)
    assert stack.user("gina").slash("note INC-1 hi").json["text"] == (
        ":warning: Workspace guests cannot change incidents. Ask a member of the team to do it."
    ), "reading only"


# End to end, one refusal of each layer: the parser, the time given, the incident named. Every
# malformed command's wording is checked in-process on both backends, with these
# (tests/slack/test_dispatch_refusals.py).
MALFORMED = [
    ("frobnicate", "frobnicate"),
    ("note INC-1 checked logs --at 2099-01-01 10:00", "in the future"),
    ("note INC-99 hello", "There is no INC-99"),
    ("affects home major", "e.g. `/incident affects INC-7 <component> <operational|degraded|partial|major>"),
    ("page @bob", "e.g. `/incident page INC-7 <@person|@group|component> ...`."),
]


@pytest.mark.parametrize(("text", "expected"), MALFORMED, ids=[m[0][:40] for m in MALFORMED])
def test_a_malformed_command_gets_what_is_wrong_and_nothing_is_stored_or_posted(
    stack: Stack, unchanged: Any, text: str, expected: str
) -> None:
    stack.user("alice").slash("open sev2 Checkout fails")
    stack.settle()
    posted_before = len(stack.emulator.calls())
    with unchanged(stack.runtime.db):
        answer = stack.user("alice").slash(text)
        stack.settle()
    assert answer.status == 200
    reply = answer.json["text"]
    assert reply.startswith(":warning:")
    assert expected in reply.replace("&lt;", "<").replace("&gt;", ">")
    assert len(stack.emulator.calls()) == posted_before, "nothing was sent to Slack"


def test_the_health_check_answers_200_with_the_database_and_503_without(stack: Stack) -> None:
    import urllib.error
    import urllib.request

    with urllib.request.urlopen(f"{stack.url}/healthz", timeout=5) as response:  # noqa: S310
        assert (response.status, json.loads(response.read())) == (200, {"ok": True, "slack": "verified"})
    gone = (
        "sqlite:////nonexistent/directory/incidents.db"
        if stack.runtime.db.is_sqlite
        else "postgresql+psycopg://postgres@127.0.0.1:1/incidents"  # nothing listens on port 1
    )
    stack.runtime.service.db = Database(gone)  # the database is gone
    with pytest.raises(urllib.error.HTTPError) as failure:
        urllib.request.urlopen(f"{stack.url}/healthz", timeout=5)  # noqa: S310
    assert failure.value.code == 503
