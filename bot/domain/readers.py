"""The language and time zone one person reads the bot in, wherever it speaks to them alone: their
App Home (`bot.home`: both) and their pages' direct messages (`bot.outbox.effect.PageMessage`: the
language; their times are the incident's, as the replies to their clicks). The one place that
decides it, from what the members table keeps of them (Slack's `locale` and `tz`,
`bot.storage.members`) and the settings.

- The language: the person's Slack locale picks one of the configured languages
  (`INCIDENT_LANGUAGES`; `fr-FR` and `fr` pick `fr`), else the first configured one.
- The time zone: the person's Slack `tz`, else the bot's `INCIDENT_TIMEZONE`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class Reader:
    """How one person reads what the bot tells them alone: a configured language's code, a zone."""

    language: str
    zone: ZoneInfo


def reader_of(locale: str | None, tz: str | None, *, languages: Sequence[str], zone: ZoneInfo) -> Reader:
    """The reader a person with Slack's `locale` and `tz` (None: Slack has not said, or the bot does
    not know them) is, among the configured `languages`, with `zone` the bot's own."""
    return Reader(pick_language(locale, languages), pick_zone(tz, zone))


def pick_language(locale: str | None, languages: Sequence[str]) -> str:
    """`fr-FR` -> `fr` when French is configured; the first configured language otherwise."""
    if locale:
        wanted = locale.strip().lower().replace("_", "-")
        for code in (wanted, wanted.split("-")[0]):
            if code in languages:
                return code
    return languages[0]


def pick_zone(tz: str | None, default: ZoneInfo) -> ZoneInfo:
    """The person's Slack time zone when it is one this system knows, else `default`."""
    if tz:
        try:
            return ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return default
