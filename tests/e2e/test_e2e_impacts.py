"""The impact text in each language end to end, on both backends (docs/behaviour.md, Public drafts):
the 2020-10-15 story, whose French readers read French, never an English sentence."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from e2e_stack import Stack, bot_lines, shown
from status_site import drafts_of, fetch, publish

from bot.sandbox import ManualClock

PARIS = ZoneInfo("Europe/Paris")
ENGLISH = "You cannot post or read messages"
FRENCH = "Vous ne pouvez ni publier ni lire de messages"
IN_A_SENTENCE = {text: text[0].lower() + text[1:] for text in (ENGLISH, FRENCH)}  # as drafts quote them


def test_each_reader_reads_the_impact_in_their_language_and_a_fallback_is_flagged(
    make_stack: Callable[..., Stack],
) -> None:
    clock = ManualClock(datetime(2020, 10, 15, 22, 30, tzinfo=PARIS))
    stack = make_stack(clock=clock, settings={"INCIDENT_LANGUAGES": "en,fr"})
    stack.user("alice").slash("open sev1 Worldwide outage")
    stack.settle()
    channel = stack.channel_of(1)
    stack.user("alice").slash(f"impact {ENGLISH}", channel=channel)
    stack.user("alice").slash("draft fr long", channel=channel)
    stack.settle()
    (warned,) = drafts_of(stack, channel)
    assert "The Français draft quotes the English impact text" in str(warned.blocks)

    answer = stack.user("bob").slash(f"impact fr {FRENCH}", channel=channel)
    assert f"customer impact in Français set: {FRENCH}" in answer.json["text"]
    clock.set(datetime(2020, 10, 15, 22, 40, tzinfo=PARIS))
    stack.user("alice").slash("draft long", channel=channel)
    stack.settle()
    assert "quotes the" not in str(drafts_of(stack, channel)[-1].blocks)
    publish(stack, channel, "English · long")
    publish(stack, channel, "Français · long")
    french = fetch(stack.url, "/status?lang=fr").text
    english = fetch(stack.url, "/status?lang=en").text
    assert IN_A_SENTENCE[FRENCH] in french and IN_A_SENTENCE[ENGLISH] not in french
    assert IN_A_SENTENCE[ENGLISH] in english and IN_A_SENTENCE[FRENCH] not in english
    lines = bot_lines(stack, channel)
    assert any(f"set the customer impact (English): {ENGLISH}" in line for line in lines)
    assert any(f"set the customer impact (Français): {FRENCH}" in line for line in lines)
    card = next(m for m in stack.emulator.messages(channel) if "Customer impact" in shown(m))
    assert ENGLISH in shown(card)  # the card shows the default: the first one typed
