"""The impact text in each language through Bolt's App.dispatch (docs/behaviour.md, Public drafts):
`impact [INC-n] [en|fr|...] <text>`, drafts quoting the reader's language or saying they do not,
and every bad input refused with nothing stored."""

from __future__ import annotations

from typing import Any

import pytest
from dispatch_bot import GUEST, DispatchBot

ENGLISH = "You cannot log in"
FRENCH = "Vous ne pouvez pas vous connecter"
QUOTED = {ENGLISH: "you cannot log in", FRENCH: "vous ne pouvez pas vous connecter"}  # mid-sentence in a draft


def draft_texts(bot: DispatchBot) -> dict[str, str]:
    return {language: bot.draft_text(draft_id) for draft_id, language, length, _ in bot.drafts() if length == "long"}


def test_one_impact_text_per_language_and_each_draft_quotes_its_own(bot: DispatchBot) -> None:
    channel = bot.open()
    assert bot.command(f"impact {ENGLISH}", channel=channel).text == f"INC-1: customer impact in English set: {ENGLISH}"
    answer = bot.command(f"impact FR {FRENCH}", channel=channel)
    assert answer.text == f"INC-1: customer impact in Français set: {FRENCH}"
    assert bot.incident(1).impact == ENGLISH  # the card shows the default: the first one typed
    assert [entry.text for entry in bot.timeline(1) if entry.kind == "impact"] == [f"en\t{ENGLISH}", f"fr\t{FRENCH}"]
    drafted = bot.command("draft", channel=channel)
    assert "quotes" not in drafted.text
    texts = draft_texts(bot)
    assert QUOTED[ENGLISH] in texts["en"] and QUOTED[FRENCH] not in texts["en"]
    assert QUOTED[FRENCH] in texts["fr"] and QUOTED[ENGLISH] not in texts["fr"]


def test_a_draft_without_its_language_s_impact_quotes_the_default_and_warns(bot: DispatchBot) -> None:
    channel = bot.open()
    bot.command(f"impact {ENGLISH}", channel=channel)
    drafted = bot.command("draft fr long", channel=channel)
    assert (
        "The Français draft quotes the English impact text: give it in Français with "
        "`/incident impact fr &lt;text&gt;`." in drafted.text
    )
    assert QUOTED[ENGLISH] in draft_texts(bot)["fr"]


def test_without_a_code_the_default_language_s_text_changes_and_a_first_word_that_is_no_language_is_text(
    bot: DispatchBot,
) -> None:
    channel = bot.open()
    bot.command(f"impact fr {FRENCH}", channel=channel)
    bot.command("impact it fails at login for some", channel=channel)  # "it" is no language the bot drafts in
    assert bot.incident(1).impacts == (("fr", "it fails at login for some"),)


@pytest.mark.parametrize(
    ("words", "reply"),
    [
        ("impact de: Sie können sich nicht anmelden", "There is no wording in 'de' yet; available: en, fr."),
        ("impact fr", "What do customers experience? Write it in that language after `fr`."),
        ("impact fr:   ", "What do customers experience? Write it in that language after `fr`."),
        ("impact", "What do customers experience?"),
        (f"impact en {ENGLISH}", "INC-1 already has that impact text in English."),
        (f"impact INC-9 fr {FRENCH}", "There is no INC-9 in this workspace."),
    ],
)
def test_bad_impact_input_is_refused_and_nothing_is_stored(
    bot: DispatchBot, unchanged: Any, words: str, reply: str
) -> None:
    channel = bot.open()
    bot.command(f"impact {ENGLISH}", channel=channel)
    with unchanged(bot.db):
        answer = bot.command(words, channel=channel)
    assert reply in answer.text


def test_a_guest_cannot_set_an_impact_in_any_language(bot: DispatchBot, unchanged: Any) -> None:
    channel = bot.open()
    with unchanged(bot.db):
        answer = bot.command(f"impact fr {FRENCH}", user=GUEST, channel=channel)
    assert answer.text == ":warning: Workspace guests cannot change incidents. Ask a member of the team to do it."
