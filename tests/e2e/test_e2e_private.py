"""Private incidents end to end against the emulator, on both backends (docs/behaviour.md, Private
incidents): a private Slack channel, no announcement, hidden from `list` outside, and never in any
public output (status page, feeds, JSON), even with updates published before it went private;
made public later, only what is published from then on appears."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

import feedparser
import pytest
from e2e_stack import KOLKATA, Stack, bot_lines
from status_site import fetch, publish

from bot.sandbox import ManualClock
from slack_emulator import ANNOUNCE, STATUS

PUBLIC_PATHS = (
    "/status",
    "/status?lang=fr",
    "/status/history.atom",
    "/status/history.rss",
    "/api/v2/summary.json",
    "/api/v2/status.json",
    "/api/v2/incidents.json",
    "/api/v2/incidents/unresolved.json",
)
BEFORE = "We are looking into errors on the home page before it went private."
AFTER = "Checkout is failing for some customers; we are on it."


def public_outputs(stack: Stack) -> str:
    return "\n".join(fetch(stack.url, path).text for path in PUBLIC_PATHS)


def shows_nothing(stack: Stack) -> None:
    summary = json.loads(fetch(stack.url, "/api/v2/summary.json").body)
    assert summary["status"]["indicator"] == "none" and summary["incidents"] == []
    assert json.loads(fetch(stack.url, "/api/v2/incidents.json").body)["incidents"] == []
    assert feedparser.parse(fetch(stack.url, "/status/history.atom").body).entries == []
    assert feedparser.parse(fetch(stack.url, "/status/history.rss").body).entries == []
    assert "All systems operational" in fetch(stack.url, "/status").text


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2022, 2, 17, 21, 41, tzinfo=KOLKATA))


def test_open_private_creates_a_private_channel_and_announces_nothing(
    make_stack: Callable[..., Stack], clock: ManualClock
) -> None:
    stack = make_stack(clock=clock)
    answer = stack.user("alice").slash("open --private sev1 Payroll export leaked")
    assert "(sev1, private)" in answer.json["text"]
    stack.settle()
    channel = stack.emulator.channel(stack.channel_of(1))
    assert channel.is_private and channel.name == "inc-1-payroll-export-leaked"
    assert stack.emulator.user("alice").id in channel.members
    assert any("Private" in line for line in bot_lines(stack, channel.id))  # the card says so
    stack.user("alice").slash("close contained", channel=channel.id)
    stack.settle()
    assert stack.emulator.messages(ANNOUNCE) == []  # neither the opening nor the close
    assert "INC-1" not in str(stack.user("bob").slash("list all").json)
    assert "INC-1" in str(stack.user("alice").slash("list all").json)


def test_the_open_modal_private_box_opens_a_private_channel(make_stack: Callable[..., Stack]) -> None:
    stack = make_stack()
    stack.user("alice").slash("open --private")
    stack.settle()
    (view,) = stack.emulator.views(stack.emulator.user("alice").id, open_only=True)
    assert "Private" in json.dumps(view.body) and '"initial_options"' in json.dumps(view.body)
    answer = stack.user("alice").submit_view(view.id, {"title": "Card numbers in logs"})
    assert answer.status == 200 and not answer.body, answer.body
    stack.settle()
    assert stack.emulator.channel(stack.channel_of(1)).is_private
    assert stack.emulator.messages(ANNOUNCE) == []


def test_a_private_incident_never_appears_publicly_even_with_published_updates_and_after_made_public_only_later_ones(
    make_stack: Callable[..., Stack], clock: ManualClock
) -> None:
    stack = make_stack(clock=clock)
    stack.user("alice").slash("open sev1 Home page errors")
    stack.settle()
    channel = stack.channel_of(1)
    stack.user("alice").slash("public-title Home page errors", channel=channel)
    clock.set(datetime(2022, 2, 17, 21, 47, tzinfo=KOLKATA))
    stack.user("alice").slash("draft en short", channel=channel)
    stack.settle()
    publish(stack, channel, "English · short", text=BEFORE)
    assert BEFORE in public_outputs(stack)

    clock.set(datetime(2022, 2, 17, 21, 55, tzinfo=KOLKATA))
    answer = stack.user("alice").slash("attack confirmed", channel=channel)
    assert "Consider making it private" in answer.json["text"]
    stack.user("alice").slash("private", channel=channel)
    stack.settle()
    shows_nothing(stack)
    assert "Home page errors" not in public_outputs(stack) and BEFORE not in public_outputs(stack)

    stack.user("alice").slash("draft en long", channel=channel)  # drafting still works, publishing does not
    stack.settle()
    posts_before = len(stack.emulator.messages(STATUS))
    publish(stack, channel, "English · long")
    assert len(stack.emulator.messages(STATUS)) == posts_before
    shows_nothing(stack)

    clock.set(datetime(2022, 2, 17, 22, 10, tzinfo=KOLKATA))
    stack.user("alice").slash("public", channel=channel)
    stack.settle()
    shows_nothing(stack)  # public again, but nothing published since
    clock.set(datetime(2022, 2, 17, 22, 15, tzinfo=KOLKATA))
    stack.user("alice").slash("draft en short", channel=channel)
    stack.settle()
    publish(stack, channel, "English · short", text=AFTER)
    everything = public_outputs(stack)
    assert AFTER in everything and BEFORE not in everything
    (incident,) = json.loads(fetch(stack.url, "/api/v2/incidents.json").body)["incidents"]
    assert [update["body"] for update in incident["incident_updates"]] == [AFTER]
    assert incident["created_at"] == "2022-02-17T16:45:00.000Z"  # listed anew, from 22:15 IST
    lines = bot_lines(stack, channel)
    assert any("made the incident private" in line for line in lines)
    assert any("made the incident public" in line for line in lines)
