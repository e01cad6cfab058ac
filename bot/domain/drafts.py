"""The public message for each status, per language and length: pure, plain text.

The wording lives in `bot/domain/wording/<code>.toml` (see en.toml for the layout); this
module chooses the template and fills it. The rules it enforces are the point of the
product:

- never an estimated time of recovery: the only time in a draft is the next-update line,
  and only for an open status when a next update is given;
- resolved drafts say how long it lasted in public words ("for almost two hours");
- security follows the assessment: not assessed (where every incident starts) and
  not-relevant say nothing at all about security; no-evidence says there is no evidence of a
  breach or attack; suspected says nothing at all about security and warns the drafter;
  confirmed uses the security-incident templates, never reassures, and warns the drafter;
- the impact text goes mid-sentence (after a colon, in brackets): a first word capitalised only
  because it starts the text is lowered ("trouble with Chirper: users in India ...");
- a short draft is at most 280 characters: the impact text is shortened at a word boundary
  with "…" (or left out when not even its first word fits), and a quotation or bracket the cut
  falls inside is closed after the "…" (`see "Something went…"`); a public name so long that
  a short draft cannot fit even without the impact is a `ValueError`, and `check_public_name`
  lets the app refuse that configuration at start-up;
- times are written as the draft's language writes them (`bot.domain.language.public_time`:
  "22:20 IST", "22 h 20 (UTC+5:30)").

Slack escaping is not done here: the Slack layer escapes what it shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal, get_args
from zoneinfo import ZoneInfo

from bot.domain.durations import Qualifier, RoundedDuration, Unit
from bot.domain.incident import Attack, Incident, Status
from bot.domain.language import (
    Language,
    available_languages,
    load_language,
    longest_public_time,
    public_duration,
    public_time,
    render_duration,
)
from bot.domain.markup import NO_BREAK_SPACES, collapse_spaces
from bot.errors import RuleRefused, UsageError

Length = Literal["short", "long"]
LENGTHS: tuple[Length, ...] = get_args(Length)
SHORT_LIMIT = 280
LONG_LIMIT = 2900  # a long draft must fit one Slack section with its label
ELLIPSIS = "…"

SUSPECTED_WARNING = "Security must review this draft before it is published: the assessment is 'suspected'."
CONFIRMED_WARNING = "Confirmed security incident: legal and security must approve this text."
IMPACT_SHORTENED = f"The impact text was shortened to fit the {SHORT_LIMIT}-character limit of a short draft."
IMPACT_LEFT_OUT = (
    f"The impact text was left out: not even its first word fits in a {SHORT_LIMIT}-character short draft."
)

# Trimmed from the end of an impact text or of a shortened one (closing quotes and brackets stay).
_TRAILING = " \t.,;:!?…·-–—([{«‹“‘¿¡/\\"


@dataclass(frozen=True)
class Draft:
    text: str
    language: str
    length: Length
    status: Status
    attack: Attack
    warnings: tuple[str, ...] = ()


class DraftState(StrEnum):
    """Where a draft stands. Only a proposed draft can be published, edited or discarded."""

    PROPOSED = "proposed"
    PUBLISHED = "published"
    DISCARDED = "discarded"
    STALE = "stale"  # written for another status or assessment than the incident has now


@dataclass(frozen=True)
class DraftRecord:
    """A draft as stored: its text, where it stands (proposed, published, discarded, stale) and who decided."""

    id: int
    incident_id: int
    status: Status
    attack: Attack
    language: str
    length: str
    text: str
    warnings: tuple[str, ...]
    state: DraftState
    state_reason: str
    created_by: str
    created_at: datetime
    edited_by: str | None
    decided_by: str | None
    decided_at: datetime | None
    message_ts: str | None
    published_ts: str | None
    promises_by: datetime | None = None  # its "next update by" (bot.domain.reminders), if any
    corrected_by: str | None = None  # the latest correction once published (bot.domain.corrections)
    corrected_at: datetime | None = None


def compose(
    *,
    status: Status,
    attack: Attack,
    language: str,
    length: Length,
    public_name: str,
    impact: str,
    next_update: datetime | None,
    zone: ZoneInfo,
    duration: timedelta | None,
) -> Draft:
    """The draft for `status`; `duration` is required when resolved and ignored otherwise."""
    words = load_language(language)
    duration_text = ""
    if status is Status.RESOLVED:
        if duration is None:
            raise ValueError("A resolved draft needs the duration of the incident.")
        duration_text = public_duration(duration, words)
    next_update_text = public_time(next_update, zone, words) if next_update is not None else None
    values = _values(words, status, attack, length, public_name, next_update_text, duration_text)
    text, impact_note = _fill(words, _template_key(status, attack, length), length, values, impact)
    if length == "short" and len(text) > SHORT_LIMIT:
        raise ValueError(
            f"The short {words.code} draft for {status.value} is {len(text)} characters even without "
            f"the impact text; the limit is {SHORT_LIMIT}. Choose a shorter public name."
        )
    warnings = [*_security_warnings(attack), *([impact_note] if impact_note else [])]
    return Draft(
        text=text,
        language=words.code,
        length=length,
        status=status,
        attack=attack,
        warnings=tuple(warnings),
    )


def check_public_name(public_name: str, languages: Iterable[str] | None = None) -> None:
    """Refuse (ValueError) a public name with which some short draft cannot fit 280 characters.

    Every short template of every language (default: all available) is tried with an
    empty impact, the longest next-update time and the longest duration phrase.
    """
    problems = []
    for code in available_languages() if languages is None else languages:
        words = load_language(code)
        longest = _longest_duration_phrase(words)
        for status in Status:
            for attack in Attack:
                longest_time = longest_public_time(words)
                values = _values(words, status, attack, "short", public_name, longest_time, longest)
                text = _tidy(words.text(f"{_template_key(status, attack, 'short')}.general").format_map(values))
                if len(text) > SHORT_LIMIT:
                    problems.append(f"{words.code} {status.value} ({attack.value}): {len(text)} characters")
    if problems:
        raise ValueError(
            f"The public name {public_name!r} is too long for short drafts (limit {SHORT_LIMIT} "
            f"characters even without an impact text): {', '.join(problems)}."
        )


def shorten_at_word(text: str, limit: int) -> str:
    """`text` (whitespace collapsed) in at most `limit` characters, cut between words with "…".

    Trailing punctuation before the "…" is trimmed, and every quotation or bracket still open
    where the cut falls is closed after it (`see "Something went…"`, `« Quelque chose…»`); ""
    when not even the first word fits.
    """
    text = collapse_spaces(text)
    if len(text) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    while room > 0:
        cut = _cut_at_word(text, room)
        if not cut:
            return ""
        shortened = cut + ELLIPSIS + _closing(cut)
        if len(shortened) <= limit:
            return shortened
        room -= len(shortened) - limit
    return ""


def _cut_at_word(text: str, room: int) -> str:
    """The words of `text` that fit in `room` characters, trailing punctuation and a quotation
    mark or bracket left open at the very end trimmed."""
    cut = text[:room]
    if len(text) > room and text[room] != " ":
        space = cut.rfind(" ")
        cut = cut[:space] if space >= 0 else ""
    while True:
        cut = cut.rstrip(_TRAILING + NO_BREAK_SPACES)  # `accueil !`: the space before the ! goes with it
        opened = open_marks(cut)
        if not (cut and opened and opened[-1][0] == len(cut) - 1):
            return cut
        cut = cut[:-1]  # `see "` : a quotation that would hold nothing but the "…"


# Quotation marks and brackets that open -> the mark that closes them. The straight double quote
# opens and closes (the first opens); an apostrophe is never taken for a quotation mark.
_CLOSERS = {"«": "»", "‹": "›", "“": "”", "„": "“", "‘": "’", "(": ")", "[": "]", '"': '"'}


def open_marks(text: str) -> list[tuple[int, str]]:
    """The quotation marks and brackets of `text` still open at its end: (position, mark)."""
    stack: list[tuple[int, str]] = []
    for position, char in enumerate(text):
        if stack and char == _CLOSERS[stack[-1][1]]:
            stack.pop()
        elif char in _CLOSERS and not (char == "‘" and position and text[position - 1].isalnum()):
            stack.append((position, char))
    return stack


def _closing(cut: str) -> str:
    """What closes every mark `cut` leaves open, innermost first; a French « followed by a
    (no-break) space gets the same space before its »."""
    closing = ""
    for position, mark in reversed(open_marks(cut)):
        after = cut[position + 1 : position + 2]
        closing += (after if mark == "«" and after.isspace() else "") + _CLOSERS[mark]
    return closing


def mid_sentence(impact: str, public_name: str) -> str:
    """The impact text as it reads inside a sentence: its first word is lowered when it is
    capitalised only because it starts the text (`Users in India` -> `users in India`).

    Kept as typed: a word in capitals or with a capital inside (`API`, `iOS`, `GitHub`), `I`, a word
    of the public name, a word followed by another capitalised one (`United States`, `Google
    Chrome`) or written capitalised again later in the text: all names. A name used alone (`India
    is down`) cannot be told from a common word; the person publishing reads the draft first.
    """
    words = impact.split(" ")
    first = words[0]
    letters = first.rstrip(_TRAILING + "'’")
    if not (letters[:1].isupper() and (letters[1:].replace("-", "").islower() or len(letters) == 1)):
        return impact
    if letters == "I":  # English writes it so anywhere
        return impact
    if letters.casefold() in (word.casefold() for word in public_name.split()):
        return impact
    following = words[1] if len(words) > 1 else ""
    if following[:1].isupper() or letters in words[1:]:
        return impact
    return first[0].lower() + impact[1:]


def _template_key(status: Status, attack: Attack, length: Length) -> str:
    family = "draft_security_incident" if attack is Attack.CONFIRMED else "draft"
    return f"{family}.{status.value}.{length}"


def _values(
    words: Language,
    status: Status,
    attack: Attack,
    length: Length,
    public_name: str,
    next_update_text: str | None,
    duration_text: str,
) -> dict[str, str]:
    name = " ".join(public_name.split())
    if not name:
        raise ValueError("The public name is empty.")
    security_line = words.text(f"draft_lines.no_evidence.{length}") if attack is Attack.NO_EVIDENCE else ""
    next_update_line = ""
    if status.is_open and next_update_text is not None:
        next_update_line = words.text(f"draft_lines.next_update.{length}").format(next_update=next_update_text)
    return {
        "public_name": name,
        "impact": "",
        "security_line": security_line,
        "next_update_line": next_update_line,
        "duration": duration_text if status is Status.RESOLVED else "",
    }


def _fill(words: Language, key: str, length: Length, values: dict[str, str], impact: str) -> tuple[str, str | None]:
    """The text and, when the impact text had to be shortened or left out, a note saying so."""
    impact = mid_sentence(" ".join(impact.split()).rstrip(_TRAILING), values["public_name"])
    general = words.text(f"{key}.general")
    if not impact:
        return _tidy(general.format_map(values)), None
    with_impact = words.text(f"{key}.with_impact")
    text = _tidy(with_impact.format_map(values | {"impact": impact}))
    if length == "long" or len(text) <= SHORT_LIMIT:
        return text, None
    budget = SHORT_LIMIT - len(_tidy(with_impact.format_map(values)))
    while budget > 0:
        shortened = shorten_at_word(impact, budget)
        if not shortened:
            break
        text = _tidy(with_impact.format_map(values | {"impact": shortened}))
        if len(text) <= SHORT_LIMIT:
            return text, IMPACT_SHORTENED
        budget -= len(text) - SHORT_LIMIT
    return _tidy(general.format_map(values)), IMPACT_LEFT_OUT


def _tidy(text: str) -> str:
    """One space between words where an empty line was left out; "…." becomes "…"."""
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" ?\n ?", "\n", text)
    return text.replace(ELLIPSIS + ".", ELLIPSIS).strip()


def _security_warnings(attack: Attack) -> tuple[str, ...]:
    if attack is Attack.SUSPECTED:
        return (SUSPECTED_WARNING,)
    if attack is Attack.CONFIRMED:
        return (CONFIRMED_WARNING,)
    return ()


def _longest_duration_phrase(words: Language) -> str:
    """The longest public duration this language can say (counts with words, and 999)."""
    counts = [*range(1, len(words.words("duration.number_words"))), 999]
    phrases = (
        render_duration(RoundedDuration(qualifier, unit, count, half), words)
        for qualifier in Qualifier
        for unit in Unit
        for count in counts
        for half in (False, True)
        if not (half and unit is Unit.MINUTE)
    )
    return max(phrases, key=len)


def stale_reason(written_for: Status, written_under: Attack, incident: Incident) -> str:
    """Why a draft written for a status under an assessment no longer fits ("" when it does)."""
    if written_under is not incident.attack:
        return f"the security assessment changed to {incident.attack.value} after it was written."
    if written_for is not incident.status:
        return f"{incident.name} is {incident.status.value} now; this was written for {written_for.value}."
    return ""


def now_stale(drafts: Iterable[DraftRecord], incident: Incident) -> Iterator[tuple[DraftRecord, str]]:
    """The proposed drafts that no longer fit the incident as it is now, each with why."""
    for draft in drafts:
        reason = stale_reason(draft.status, draft.attack, incident)
        if draft.state is DraftState.PROPOSED and reason:
            yield draft, reason


def check_proposed(draft: DraftRecord, names: Mapping[str, str]) -> None:
    """Only a proposed draft can be published, edited or discarded: a draft is decided once.

    The refusal names who decided (from `names`), never by a raw id."""
    who = names.get(draft.decided_by or "") or "someone"
    if draft.state is DraftState.PUBLISHED:
        raise RuleRefused(f"This draft was already published by {who}; it is published once.")
    if draft.state is DraftState.DISCARDED:
        raise RuleRefused(f"This draft was discarded by {who}.")
    if draft.state is DraftState.STALE:
        raise RuleRefused(f"This draft is stale: {draft.state_reason} Draft again with `/incident draft`.")


def check_edit(draft: DraftRecord, text: str) -> None:
    """An edited text must say something and fit its length's limit."""
    limit = SHORT_LIMIT if draft.length == "short" else LONG_LIMIT
    if not text:
        raise UsageError("The draft is empty; write the update or discard the draft.")
    if len(text) > limit:
        raise UsageError(f"A {draft.length} update is at most {limit} characters; this one is {len(text)}.")
