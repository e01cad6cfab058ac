"""Every `/incident` subcommand's happy path through Bolt's App.dispatch, in-process.

Each test checks what the person sees in the acknowledgement, what was stored, and which Slack
work was queued in the outbox for after the ack (the fixture fails any test that calls Slack).
"""

from __future__ import annotations

from typing import Any

import pytest
from dispatch_bot import ALICE, BOB, GENERAL, DispatchBot

OPENING_WORK = [
    "channel.create",
    "channel.invite",
    "channel.topic",
    "card.post",
    "timeline.post",
    "announce",
    "reply.channel_ready",
]


def test_open_acknowledges_stores_the_incident_and_queues_its_channel_card_and_announcement(bot: DispatchBot) -> None:
    answer = bot.command("open sev1 Checkout fails for some users", user=ALICE)
    assert answer.json == {
        "text": "Opened *INC-1* (sev1): Checkout fails for some users. "
        "I am creating its channel and will tell you here when it is ready.",
        "response_type": "ephemeral",
    }
    incident = bot.incident(1)
    assert (incident.title, incident.severity, incident.status, incident.lead) == (
        "Checkout fails for some users",
        1,
        "investigating",
        ALICE,
    )
    assert [entry.kind for entry in bot.timeline(1)] == ["opened"]
    assert bot.effects() == OPENING_WORK
    assert bot.after.notified == 1


def test_open_without_a_title_acknowledges_silently_and_queues_the_modal(bot: DispatchBot) -> None:
    answer = bot.command("open sev3")
    assert (answer.status, answer.body) == (200, "")
    assert bot.effects() == ["view.open"]
    assert bot.service.list_incidents(team_id="T0DISPATCH") == []


def test_open_backdated_with_at_says_when_the_impact_began(bot: DispatchBot) -> None:
    answer = bot.command("open sev2 Search is slow --at 45m ago")
    assert "Impact began" in answer.text and "45m before it was reported" in answer.text
    incident = bot.incident(1)
    assert (incident.opened_at - incident.impact_started_at).total_seconds() == pytest.approx(45 * 60, abs=60)


CHANGES: list[tuple[str, str, dict[str, Any], str, list[str]]] = [
    # words, the reply, what is stored, the timeline entry, the Slack work queued
    (
        "status identified bad config push",
        "INC-1: now *identified*.",
        {"status": "identified"},
        "status",
        ["timeline.post", "card.update", "channel.topic"],
    ),
    (
        "status investigating still looking at the load balancer",
        "INC-1: update posted (investigating).",
        {"status": "investigating"},
        "status",
        ["timeline.post", "card.update"],
    ),
    (
        "note restarted the payment workers",
        "INC-1: note added to the timeline.",
        {},
        "note",
        ["timeline.post"],  # the card shows no notes: it is not edited
    ),
    (
        "impact Payments fail at checkout",
        "INC-1: customer impact in English set: Payments fail at checkout",
        {"impact": "Payments fail at checkout"},
        "impact",
        ["timeline.post", "card.update"],
    ),
    (
        "public-title Checkout <https://shop.example.com|errors> :fire:",
        "INC-1: the status page and feeds will call it “Checkout errors”.",
        {"public_title": "Checkout errors"},
        "public_title",
        ["timeline.post", "card.update"],
    ),
    ("sev 1", "INC-1: now sev1.", {"severity": 1}, "severity", ["timeline.post", "card.update", "channel.topic"]),
    (
        f"lead <@{BOB}|bob>",
        "INC-1: *bob* is now the incident lead.",
        {"lead": BOB},
        "lead",
        ["timeline.post", "card.update", "channel.topic", "channel.invite"],
    ),
    (
        f"role comms <@{BOB}|bob>",
        "INC-1: *bob* is now the comms lead.",
        {"comms": BOB},
        "role",
        ["timeline.post", "card.update", "channel.invite"],
    ),
    (
        "attack suspected",
        "INC-1: security assessment *suspected*. Public drafts will make no claim about security, "
        "and security must review them before publishing.",
        {"attack": "suspected"},
        "attack",
        ["timeline.post", "card.update"],
    ),
]


@pytest.mark.parametrize(("words", "reply", "stored", "entry", "work"), CHANGES, ids=[c[0].split()[0] for c in CHANGES])
@pytest.mark.parametrize("where", ["in the incident channel", "elsewhere with INC-n"])
def test_a_change_is_acknowledged_stored_on_the_incident_and_timeline_and_queued_for_slack(
    bot: DispatchBot, words: str, reply: str, stored: dict[str, Any], entry: str, work: list[str], where: str
) -> None:
    channel = bot.open()
    before = len(bot.effects())
    if where != "in the incident channel":
        channel, words = GENERAL, words.replace(" ", " INC-1 ", 1) if " " in words else f"{words} INC-1"
    answer = bot.command(words, user=BOB, channel=channel)
    assert answer.text == reply
    incident = bot.incident(1)
    assert {name: getattr(incident, name) for name in stored} == stored
    assert (bot.timeline(1)[-1].kind, bot.timeline(1)[-1].actor) == (entry, BOB)
    assert sorted(bot.effects()[before:]) == sorted(work)


def test_close_reports_the_durations_stores_resolved_and_queues_the_announcement(bot: DispatchBot) -> None:
    channel = bot.open()
    before = len(bot.effects())
    answer = bot.command("close rolled back the deploy", user=BOB, channel=channel)
    assert answer.text.startswith("INC-1: resolved.\nTotal duration *")
    assert bot.incident(1).status == "resolved" and bot.incident(1).resolved_at is not None
    assert (bot.timeline(1)[-1].kind, bot.timeline(1)[-1].text) == ("status", "rolled back the deploy")
    assert sorted(bot.effects()[before:]) == ["announce", "card.update", "channel.topic", "timeline.post"]


def test_reopen_goes_back_to_investigating_and_queues_the_announcement(bot: DispatchBot) -> None:
    channel = bot.open()
    bot.command("close", channel=channel)
    before = len(bot.effects())
    answer = bot.command("reopen errors are back", user=BOB, channel=channel)
    assert answer.text == "INC-1: reopened: back to investigating."
    assert bot.incident(1).status == "investigating"
    assert (bot.timeline(1)[-1].kind, bot.timeline(1)[-1].text) == ("reopened", "errors are back")
    assert sorted(bot.effects()[before:]) == ["announce", "card.update", "channel.topic", "timeline.post"]


def test_draft_stores_one_draft_per_language_and_length_and_queues_their_posts(bot: DispatchBot) -> None:
    channel = bot.open()
    before = len(bot.effects())
    answer = bot.command("draft", user=BOB, channel=channel)
    assert answer.text == (
        f"INC-1: 4 public update drafts posted in <#{channel}>. Nothing is published until someone presses Publish. "
        "Security is not assessed yet, so they say nothing about it: answer the prompt under them."
    )
    assert [(language, length, state) for _, language, length, state in bot.drafts()] == [
        ("en", "short", "proposed"),
        ("en", "long", "proposed"),
        ("fr", "short", "proposed"),
        ("fr", "long", "proposed"),
    ]
    assert bot.timeline(1)[-1].kind == "draft"
    assert bot.effects()[before:] == ["draft.post"] * 4 + ["timeline.post"]


def test_timeline_answers_only_the_asker_and_queues_nothing(bot: DispatchBot, unchanged: Any) -> None:
    channel = bot.open()
    bot.command("note cache flushed", channel=channel)
    with unchanged(bot.db):
        answer = bot.command("timeline INC-1", user=BOB, channel=GENERAL)
    assert answer.json["response_type"] == "ephemeral"
    assert "cache flushed" in str(answer.json["blocks"]) and "opened INC-1: Checkout fails" in str(
        answer.json["blocks"]
    )


def test_list_shows_open_incidents_and_list_all_the_resolved_ones_too(bot: DispatchBot, unchanged: Any) -> None:
    channel = bot.open()
    bot.open("Search is slow")
    with unchanged(bot.db):
        listing = bot.command("list", user=BOB)
    assert listing.json["response_type"] == "ephemeral"
    assert "*INC-1* sev2 investigating · Checkout fails" in str(listing.json["blocks"])
    assert "*INC-2* sev2 investigating · Search is slow" in str(listing.json["blocks"])
    bot.command("close", channel=channel)
    with unchanged(bot.db):
        assert "INC-1" not in str(bot.command("list").json["blocks"])
        assert "INC-1" in str(bot.command("list all").json["blocks"])


def test_list_with_nothing_open_says_so_and_list_all_still_shows_the_resolved(bot: DispatchBot) -> None:
    assert bot.command("list").text == "No open incidents."
    bot.command("close", channel=bot.open())
    assert bot.command("list").text == "No open incidents."
    assert "*INC-1* sev2 resolved · Checkout fails" in str(bot.command("list all").json["blocks"])


def test_an_update_in_the_same_status_needs_a_message(bot: DispatchBot, unchanged: Any) -> None:
    channel = bot.open()
    with unchanged(bot.db):
        refused = bot.command("status investigating", user=BOB, channel=channel)
    assert refused.text.startswith(":warning: INC-1 is already investigating")


@pytest.mark.parametrize("words", ["help", ""])
def test_help_and_a_bare_command_show_every_usage_line_and_store_nothing(
    bot: DispatchBot, unchanged: Any, words: str
) -> None:
    with unchanged(bot.db):
        text = bot.command(words).text
    subcommands = ("open", "status", "note", "impact", "sev", "lead", "role", "attack", "draft", "timeline", "close")
    for subcommand in subcommands:
        assert f"/incident {subcommand}" in text
    assert "reopen" in text and "list" in text


def test_a_note_mentioning_the_word_payload_is_read_as_the_note_it_is(bot: DispatchBot) -> None:
    channel = bot.open()
    assert bot.command("note the payload service is timing out", channel=channel).text == (
        "INC-1: note added to the timeline."
    )
    assert bot.timeline(1)[-1].text == "the payload service is timing out"


def test_a_title_with_a_long_link_counts_its_label_and_is_stored_whole(bot: DispatchBot) -> None:
    dashboard = f"<https://grafana.example.com/d/{'a' * 130}|dashboard>"
    bot.open(f"Checkout fails: see {dashboard}")
    assert bot.incident(1).title == f"Checkout fails: see {dashboard}"  # 186 characters as written
