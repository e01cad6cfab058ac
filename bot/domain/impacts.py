"""The customer impact in each language (docs/behaviour.md, Public drafts): pure rules.

An incident keeps one impact text per language, in the order first typed; the first is the
default (the card shows it; `impact` without a language code changes it). A text set before
languages were kept counts as the default language's (the first of INCIDENT_LANGUAGES). A draft
quotes the text in its own language when there is one, else the default, and says so.

A timeline entry records the language and the text as `<code>\\t<text>`: a one-line impact
text never holds a tab, so entries written before languages were kept (no tab) read as the
default's.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.domain.incident import EntryKind, Incident, TimelineEntry, clean_impact
from bot.domain.language import load_language
from bot.errors import RuleRefused

Impacts = tuple[tuple[str, str], ...]  # (language code, text), the default first
_SEPARATOR = "\t"


def impacts_of(incident: Incident, default_language: str) -> Impacts:
    """Every language's impact text, the default first."""
    if incident.impacts:
        return incident.impacts
    return ((default_language, incident.impact),) if incident.impact else ()


def set_impact(
    incident: Incident, *, text: str, language: str | None, default_language: str, actor: str, now: datetime
) -> tuple[Incident, TimelineEntry]:
    """Set `language`'s impact text (None: the default language's; the first one typed is the default)."""
    text = clean_impact(text)
    impacts = list(impacts_of(incident, default_language))
    code = language or (impacts[0][0] if impacts else default_language)
    current = dict(impacts)
    if current.get(code) == text:
        raise RuleRefused(f"{incident.name} already has that impact text in {load_language(code).name}.")
    if code in current:
        impacts = [(each, text if each == code else said) for each, said in impacts]
    else:
        impacts.append((code, text))
    entry = TimelineEntry(at=now, recorded_at=now, actor=actor, kind=EntryKind.IMPACT, text=f"{code}{_SEPARATOR}{text}")
    return replace(incident, impact=impacts[0][1], impacts=tuple(impacts)), entry


def read_impact_entry(entry: TimelineEntry) -> tuple[str | None, str]:
    """(language code, text) of an impact entry; no code for entries older than languages."""
    code, separator, text = entry.text.partition(_SEPARATOR)
    return (code, text) if separator else (None, entry.text)


def impact_for(incident: Incident, language: str, default_language: str) -> tuple[str, str | None]:
    """The impact text for a reader of `language`, and the language it is in when that is another
    (the draft then says so); ("", None) when nobody set one."""
    impacts = impacts_of(incident, default_language)
    if not impacts:
        return "", None
    texts = dict(impacts)
    if language in texts:
        return texts[language], None
    return impacts[0][1], impacts[0][0]


def fallback_warning(draft_language: str, quoted_language: str) -> str:
    """What a drafter reads when the draft quotes another language's impact text."""
    draft, quoted = load_language(draft_language), load_language(quoted_language)
    return (
        f"The {draft.name} draft quotes the {quoted.name} impact text: give it in {draft.name} with "
        f"`/incident impact {draft.code} <text>`."
    )
