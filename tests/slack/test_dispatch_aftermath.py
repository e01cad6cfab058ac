"""After the fire through Bolt's App.dispatch, in-process: follow-ups, related incidents, the
retrospective's decision and `stats`. Every reply says what happened by name, every refusal says
why and stores nothing, and a guest changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from bolt_requests import TEAM
from dispatch_bot import ALICE, BOB, GENERAL, GUEST, DispatchBot
from freezegun import freeze_time

from bot.outbox.kinds.update_card import UpdateCard
from bot.outbox.view import read_views
from bot.render import blocks
from bot.storage import repository

GUESTS_REFUSED = ":warning: Workspace guests cannot change incidents. Ask a member of the team to do it."


def test_a_follow_up_with_an_owner_and_a_due_date_is_stored_and_on_the_timeline(bot: DispatchBot) -> None:
    channel = bot.open()
    answer = bot.command(f"followup Add an alert on checkout 5xx <@{BOB}|bob> due 2099-01-31", channel=channel)
    assert answer.text == "Follow-up #1 added: Add an alert on checkout 5xx"
    last = bot.timeline(1)[-1]
    assert (last.kind, last.text) == (
        "follow_up",
        f"added follow-up #1: Add an alert on checkout 5xx (<@{BOB}>, due 2099-01-31)",
    )
    timeline = str(bot.command("timeline", channel=channel).json["blocks"])
    assert "added follow-up #1: Add an alert on checkout 5xx (@bob, due 2099-01-31)" in timeline
    assert bot.command("followup done #1", user=BOB).text == "Follow-up #1 is done."
    assert bot.command("followup done 1", user=BOB).text == ":warning: Follow-up #1 is already done."


def test_related_and_unrelated_link_two_incidents_from_anywhere(bot: DispatchBot) -> None:
    first = bot.open("Search is slow")
    bot.open("Database failover")
    assert bot.command("related INC-1", channel="C0INC2").text == "INC-1 is now related."
    assert bot.command("related INC-2 INC-1", channel=GENERAL).text == ":warning: INC-2 and INC-1 are already related."
    assert "linked related incident INC-1" in str(bot.command("timeline", channel="C0INC2").json["blocks"])
    assert bot.command("unrelated INC-2", channel=first).text == "INC-2 is no longer related."


def test_stats_answers_only_the_asker_and_counts_by_severity(bot: DispatchBot, unchanged: Any) -> None:
    bot.open("Checkout fails", severity=1)
    with unchanged(bot.db):
        answer = bot.command("stats 90d", user=BOB)
    assert answer.json["response_type"] == "ephemeral"
    assert "*Incidents* " in answer.text and ": 1 (sev1 1 · sev2 0 · sev3 0 · sev4 0)" in answer.text
    assert "*Time to identify*: no resolved incident measured" in answer.text
    bot.command("close", channel="C0INC1")
    assert "*Total duration*: median 0s, p90 0s (1 incident)\n" in bot.command("stats 90d", user=BOB).text


def test_the_retrospective_is_marked_done_once_resolved(bot: DispatchBot) -> None:
    channel = bot.open()
    assert bot.command("retro done", channel=channel).text.startswith(":warning: INC-1 is still open")
    bot.command("close", channel=channel)
    assert bot.command("retro waived covered by INC-0", channel=channel).text == "Retrospective marked waived."
    assert bot.command("retro done", channel=channel).text == ":warning: The retrospective of INC-1 is already waived."


@pytest.mark.parametrize(
    ("words", "said"),
    [
        ("followup", "What should be done?"),
        (f"followup <@{BOB}> due 2099-01-01", "What should be done?"),
        ("followup Fix it due tomorrow", "is not a date"),
        ("followup Fix it due 2020-01-01", "is in the past"),
        ("followup INC-9 Fix it", "There is no INC-9"),
        ("followup done", "Which follow-up is done?"),
        ("followup done 42", "There is no follow-up #42"),
        ("related", "Name the other incident"),
        ("related INC-1", "cannot be related to itself"),
        ("related INC-9", "There is no INC-9"),
        ("related INC-1 INC-2 INC-3", "Name the other incident"),
        ("unrelated INC-1", "cannot be related to itself"),
        ("retro maybe", "`retro` takes `done` or `waived &lt;reason&gt;`"),
        ("retro waived", "Say why the retrospective is waived"),
        ("stats 7d", "is not a window: use 30d or 90d"),
    ],
)
def test_bad_input_is_refused_with_a_reason_and_nothing_is_stored(
    bot: DispatchBot, unchanged: Any, words: str, said: str
) -> None:
    channel = bot.open()
    bot.command("close", channel=channel)
    with unchanged(bot.db):
        answer = bot.command(words, channel=channel)
    assert said in answer.text


@pytest.mark.parametrize("words", ["followup Fix it", "followup done 1", "related INC-2", "retro done"])
def test_a_guest_is_refused_and_nothing_is_stored(bot: DispatchBot, unchanged: Any, words: str) -> None:
    channel = bot.open()
    bot.open("Another one")
    bot.command("followup Fix it", channel=channel)
    with unchanged(bot.db):
        assert bot.command(words, user=GUEST, channel=channel).text == GUESTS_REFUSED


def test_the_second_similar_incident_in_a_week_says_so_on_its_timeline(bot: DispatchBot) -> None:
    with freeze_time("2022-02-11 08:35:00"):
        bot.open("Something went wrong on home page")
    with freeze_time("2022-02-17 16:11:00"):
        channel = bot.open("Home page errors for users in India")
        timeline = str(bot.command("timeline", channel=channel).json["blocks"])
    assert (
        ":repeat: 2nd similar incident in 7 days: INC-1 “Something went wrong on home page” (Feb 11, still open)"
        in timeline
    )
    assert ALICE not in timeline


def card_text(bot: DispatchBot, number: int) -> str:
    """INC-n's card as the sender renders it now (read from storage when sent)."""
    with bot.db.read() as session:
        stored = repository.get_by_number(session=session, team_id=TEAM, number=number)
    assert stored is not None
    [view] = read_views(bot.db, [UpdateCard()], stored.id)
    card = blocks.card(view.incident, view.names, bot.settings.zone, related=view.related, follow_ups=view.follow_ups)
    return "\n".join(str(block.get("text", {}).get("text", "")) for block in card if block["type"] == "section")


def test_the_card_lists_related_incidents_and_once_resolved_the_follow_ups(bot: DispatchBot) -> None:
    with freeze_time("2022-02-11 08:35:00"):
        bot.open("Something went wrong on home page")
    with freeze_time("2022-02-17 16:11:00"):
        channel = bot.open("Home page errors for users in India")
        bot.command(f"followup Alert on home page 5xx <@{BOB}> due 2022-02-24", channel=channel)
        assert "*Related incidents*\nINC-1 Something went wrong on home page (Feb 11, still open)" in card_text(bot, 2)
        assert "Follow-ups" not in card_text(bot, 2)
        bot.command("close", channel=channel)
        assert "*Follow-ups*\n:black_square_button: #1 Alert on home page 5xx (bob, due 2022-02-24)" in card_text(
            bot, 2
        )
        bot.command("followup done 1")
        assert ":white_check_mark: #1 Alert on home page 5xx" in card_text(bot, 2)


def test_the_card_names_whoever_a_follow_up_or_a_related_title_mentions(bot: DispatchBot) -> None:
    """The card is redrawn by whatever changes next: everyone it shows is read, not only who the
    latest change names."""
    with freeze_time("2022-02-17 16:11:00"):
        bot.open(f"Search results empty, asked <@{BOB}>")
        channel = bot.open("Checkout fails")
        bot.command("related INC-1", channel=channel)
        bot.command(f"followup Ask <@{BOB}> about retries", channel=channel)
        bot.command("close", channel=channel)
        card = card_text(bot, 2)
    assert "INC-1 Search results empty, asked @bob (" in card
    assert ":black_square_button: #1 Ask @bob about retries (no owner)" in card
    assert "someone" not in card
