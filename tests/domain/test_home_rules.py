"""The App Home's pure rules: the language a Slack locale picks, the zone, how late an update is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.home import overdue_by
from bot.domain.readers import pick_language, pick_zone

UTC_ZONE = ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("locale", "languages", "picked"),
    [
        ("fr-FR", ("en", "fr"), "fr"),
        ("fr-CA", ("en", "fr"), "fr"),
        ("FR_fr", ("en", "fr"), "fr"),
        ("en-GB", ("fr", "en"), "en"),
        ("de-DE", ("en", "fr"), "en"),  # not configured: the first configured language
        ("de-DE", ("fr", "en"), "fr"),
        ("pt-br", ("en", "pt-br"), "pt-br"),  # a regional wording file, when configured
        (None, ("fr", "en"), "fr"),
        ("", ("en",), "en"),
    ],
)
def test_the_locale_picks_a_configured_language(locale: str | None, languages: tuple[str, ...], picked: str) -> None:
    assert pick_language(locale, languages) == picked


def test_the_persons_zone_or_the_bots() -> None:
    assert pick_zone("Europe/Paris", UTC_ZONE) == ZoneInfo("Europe/Paris")
    assert pick_zone(None, UTC_ZONE) is UTC_ZONE
    assert pick_zone("Mars/Olympus_Mons", UTC_ZONE) is UTC_ZONE
    assert pick_zone("../../etc/passwd", UTC_ZONE) is UTC_ZONE


def test_an_update_is_overdue_from_its_due_time_on() -> None:
    due = datetime(2022, 2, 17, 16, 41, tzinfo=UTC)
    assert overdue_by(due, due - timedelta(seconds=1)) is None
    assert overdue_by(due, due) == timedelta(0)
    assert overdue_by(due, due + timedelta(minutes=5)) == timedelta(minutes=5)
