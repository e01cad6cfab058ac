"""The impact text in each language (docs/behaviour.md, Public drafts): pure rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.impacts import fallback_warning, impact_for, read_impact_entry, set_impact
from bot.domain.incident import EntryKind, Incident, TimelineEntry, open_incident
from bot.errors import RuleRefused, UsageError

NOW = datetime(2020, 10, 15, 20, 30, tzinfo=UTC)
OPENED, _ = open_incident(
    number=3, title="Down", severity=1, actor="U0ALICE", started_at=NOW, now=NOW, zone=ZoneInfo("UTC")
)


def typed(
    incident: Incident, text: str, language: str | None = None, default: str = "en"
) -> tuple[Incident, TimelineEntry]:
    return set_impact(incident, text=text, language=language, default_language=default, actor="U0BOB", now=NOW)


def test_the_first_text_typed_is_the_default_and_others_are_kept_per_language() -> None:
    french, entry = typed(OPENED, "Vous ne pouvez pas vous connecter", "fr")
    assert (french.impact, french.impacts) == (
        "Vous ne pouvez pas vous connecter",
        (("fr", "Vous ne pouvez pas vous connecter"),),
    )
    assert read_impact_entry(entry) == ("fr", "Vous ne pouvez pas vous connecter")
    both, entry = typed(french, "You cannot log in", "en")
    assert both.impact == "Vous ne pouvez pas vous connecter"  # the card still shows the default
    assert both.impacts == (("fr", "Vous ne pouvez pas vous connecter"), ("en", "You cannot log in"))
    changed, entry = typed(both, "Personne ne peut se connecter")  # no code: the default language's
    assert changed.impacts[0] == ("fr", "Personne ne peut se connecter") and read_impact_entry(entry)[0] == "fr"


def test_a_text_from_before_languages_counts_as_the_default_language_s() -> None:
    legacy = replace(OPENED, impact="You cannot log in")
    changed, _ = typed(legacy, "Vous ne pouvez pas vous connecter", "fr")
    assert changed.impacts == (("en", "You cannot log in"), ("fr", "Vous ne pouvez pas vous connecter"))
    old_entry = TimelineEntry(at=NOW, recorded_at=NOW, actor="U0BOB", kind=EntryKind.IMPACT, text="You cannot log in")
    assert read_impact_entry(old_entry) == (None, "You cannot log in")
    assert impact_for(legacy, "fr", "en") == ("You cannot log in", "en")


def test_a_reader_gets_their_language_else_the_default_and_which_one_it_is() -> None:
    both, _ = typed(typed(OPENED, "You cannot log in")[0], "Vous ne pouvez pas vous connecter", "fr")
    assert impact_for(both, "fr", "en") == ("Vous ne pouvez pas vous connecter", None)
    assert impact_for(both, "en", "en") == ("You cannot log in", None)
    english_only, _ = typed(OPENED, "You cannot log in")
    assert impact_for(english_only, "fr", "en") == ("You cannot log in", "en")
    assert impact_for(OPENED, "fr", "en") == ("", None)
    assert fallback_warning("fr", "en").startswith("The Français draft quotes the English impact text")


def test_the_same_text_again_or_an_empty_one_is_refused() -> None:
    english, _ = typed(OPENED, "You cannot log in")
    with pytest.raises(RuleRefused, match="INC-3 already has that impact text in English"):
        typed(english, "You  cannot log in", "en")
    with pytest.raises(UsageError, match="impact text is empty"):
        typed(english, "   ", "fr")
