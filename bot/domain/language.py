"""Public wording per language, as data: `bot/domain/wording/<code>.toml`, one file each.

Adding a language is adding a file: no code names a language. English (`en.toml`) is the
reference: every other file must have exactly its keys, the same kind of value for each
(text, list of words, list of pairs) and, in every text, the same `{placeholders}`. A file
that differs is refused by `check_languages` (called at start-up) and by `load_language`,
with every problem named, so a missing phrase never reaches a draft.

Keys are dotted paths into the TOML tables (`duration.hour.one`, `draft.resolved.short.general`).
`render_duration` words a `RoundedDuration` from the `duration.*` tables: number words
(digits past the end of the list), the unit's singular/plural/"and a half" phrases, the
qualifier, the frame ("for {span}"), then the file's `contractions` (French "de une" ->
"d'une"). See `en.toml` for the layout and what each placeholder means.
"""

from __future__ import annotations

import itertools
import re
import string
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo

from bot.domain.durations import Qualifier, RoundedDuration, Unit, round_public
from bot.errors import UsageError

REFERENCE = "en"
_CODE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*")

Pairs = tuple[tuple[str, str], ...]
Value = str | tuple[str, ...] | Pairs


class UnknownLanguage(ValueError):
    """No wording file for the language asked for; the message lists those available."""


@dataclass(frozen=True)
class Language:
    """One language's wording: `entries` maps dotted keys to texts, word lists or pairs."""

    code: str
    entries: Mapping[str, Value]

    @property
    def name(self) -> str:
        """The language's own name, as its readers write it: "Français"."""
        return self.text("language.name")

    def name_of(self, code: str) -> str:
        """Language `code` named in this one, as a sentence says it ("Publié en anglais."): from
        `language.names`, else that language's own name."""
        return dict(self.pairs("language.names")).get(code) or load_language(code).name

    def text(self, key: str) -> str:
        value = self.entries[key]
        if not isinstance(value, str):
            raise TypeError(f"{self.code}: {key} is a list, not a text")
        return value

    def words(self, key: str) -> tuple[str, ...]:
        value = self.entries[key]
        if isinstance(value, str) or any(not isinstance(item, str) for item in value):
            raise TypeError(f"{self.code}: {key} is not a list of words")
        return tuple(str(item) for item in value)

    def pairs(self, key: str) -> Pairs:
        value = self.entries[key]
        if isinstance(value, str) or any(isinstance(item, str) for item in value):
            raise TypeError(f"{self.code}: {key} is not a list of [from, to] pairs")
        return tuple((item[0], item[1]) for item in value if not isinstance(item, str))

    def contract(self, text: str) -> str:
        """Apply the language's `duration.contractions`, each only at the start of a word."""
        for before, after in self.pairs("duration.contractions"):
            text = re.sub(r"(?<!\w)" + re.escape(before), after.replace("\\", "\\\\"), text)
        return text


# --- the public duration -------------------------------------------------------------------


def public_duration(length: timedelta, language: Language | str) -> str:
    """The public phrase: "for almost two hours", "pendant près de deux heures"."""
    chosen = language if isinstance(language, Language) else load_language(language)
    return render_duration(round_public(length), chosen)


def render_duration(rounded: RoundedDuration, language: Language) -> str:
    unit = f"duration.{rounded.unit.value}"
    form = ("one" if rounded.count == 1 else "many") + ("_and_half" if rounded.half else "")
    number_words = language.words("duration.number_words")
    count = number_words[rounded.count] if rounded.count < len(number_words) else str(rounded.count)
    amount = language.text(f"{unit}.{form}").format(count=count)
    span = language.text(f"duration.qualifier.{rounded.qualifier.value}").format(amount=amount)
    return language.contract(language.text("duration.phrase").format(span=span))


# --- public times --------------------------------------------------------------------------
# How a language writes a time in public text (drafts, the status page, mails): `time.clock`
# ("22:20 IST", "22 h 20 (UTC+5:30)") with the zone as `time.zone` says: its abbreviation in
# the zone database, or its offset from UTC (unambiguous, and no English abbreviation in
# another language's sentence).

ZONE_FORMS = ("abbreviation", "offset")
_LONGEST_ZONES = {"abbreviation": "W" * 6, "offset": "UTC+12:45"}  # the longest each form gives


def utc_offset(value: datetime) -> str:
    """`UTC+5:30`, `UTC-4`, `UTC` (no offset): how far the wall clock of `value` is from UTC."""
    seconds = int((value.utcoffset() or timedelta(0)).total_seconds())
    if seconds == 0:
        return "UTC"
    sign, seconds = ("+" if seconds > 0 else "-"), abs(seconds)
    hours, minutes = divmod(seconds // 60, 60)
    return f"UTC{sign}{hours}" + (f":{minutes:02}" if minutes else "")


def public_time(value: datetime, zone: ZoneInfo, language: Language) -> str:
    """The wall-clock time of `value` in `zone`, as `language` writes it: `22:20 IST`,
    `22 h 20 (UTC+5:30)`."""
    return _clock(value.astimezone(zone), language)


def public_day_and_time(value: datetime, zone: ZoneInfo, language: Language) -> str:
    """Its date and time: `2022-02-17 22:20 IST`, `2022-02-17 à 22 h 20 (UTC+5:30)`."""
    local = value.astimezone(zone)
    day = f"{local.year:04d}-{local.month:02d}-{local.day:02d}"
    return language.text("time.day_and_clock").format(date=day, clock=_clock(local, language))


def _clock(local: datetime, language: Language) -> str:
    """`local` (already in its zone) as `language` writes a clock time (a status page words
    hundreds: no strftime, one conversion)."""
    shown = utc_offset(local) if language.text("time.zone") == "offset" else str(local.tzname())
    return language.text("time.clock").format(hour=f"{local.hour:02d}", minute=f"{local.minute:02d}", zone=shown)


def longest_public_time(language: Language) -> str:
    """The longest clock time `language` can write (23:59 and the longest zone of its form)."""
    zone = _LONGEST_ZONES[language.text("time.zone")]
    return language.text("time.clock").format(hour="23", minute="59", zone=zone)


# --- loading and checking ------------------------------------------------------------------


def available_languages(directory: Path | None = None) -> list[str]:
    """Codes of the wording files, sorted (`["en", "fr"]`)."""
    folder = _folder(directory)
    names = (item.name for item in folder.iterdir() if item.is_file())
    return sorted(
        name.removesuffix(".toml")
        for name in names
        if name.endswith(".toml") and _CODE.fullmatch(name.removesuffix(".toml"))
    )


def checked_language(code: str) -> str:
    """A language code typed by someone: one the bot has wording for, else a refusal naming those."""
    try:
        return load_language(code.lower()).code
    except UnknownLanguage:
        known = ", ".join(available_languages())
        raise UsageError(f"There is no wording in '{code}' yet; available: {known}.") from None


def load_language(code: str, directory: Path | None = None) -> Language:
    """The complete wording for `code`; `UnknownLanguage` or `ValueError` (incomplete) otherwise.

    `directory` replaces the packaged wording folder (tests); English from the package
    stays the reference. Loaded languages are cached.
    """
    return _checked(code.strip().lower(), directory)


def check_languages(codes: Iterable[str], directory: Path | None = None) -> None:
    """Refuse (ValueError naming each language and every problem) unless all are complete."""
    reports = []
    for code in codes:
        try:
            load_language(code, directory)
        except ValueError as error:
            reports.append(str(error))
    if reports:
        raise ValueError(" ".join(reports))


def language_problems(language: Language, reference: Language) -> list[str]:
    """What `language` lacks or gets wrong compared with `reference`; empty when complete."""
    mine, theirs = language.entries, reference.entries
    problems = []
    missing = [key for key in theirs if key not in mine]
    if missing:
        problems.append(f"missing {len(missing)} key(s): {', '.join(missing)}")
    unexpected = [key for key in mine if key not in theirs]
    if unexpected:
        problems.append(f"unexpected key(s): {', '.join(unexpected)}")
    for key in (key for key in theirs if key in mine):
        expected, actual = theirs[key], mine[key]
        if not _same_kind(expected, actual):
            problems.append(f"{key} must be {_kind(expected)}, as in {reference.code}")
        elif isinstance(expected, str) and isinstance(actual, str):
            wanted, found = _placeholders(expected), _placeholders(actual)
            if wanted != found:
                problems.append(f"{key} has placeholders {_braced(found)}; {reference.code} has {_braced(wanted)}")
    if not problems:
        problems.extend(_duration_problems(language))
    if not problems and language.text("time.zone") not in ZONE_FORMS:
        problems.append(f"time.zone must be one of {', '.join(ZONE_FORMS)}, not {language.text('time.zone')!r}")
    return problems


def _duration_problems(language: Language) -> list[str]:
    """Word one duration of each shape, so that a malformed table fails at start-up."""
    try:
        language.words("duration.number_words")
        language.pairs("duration.contractions")
        for qualifier, unit, half in itertools.product(Qualifier, Unit, (False, True)):
            for count in (1, 2) if not (half and unit is Unit.MINUTE) else ():
                render_duration(RoundedDuration(qualifier, unit, count, half), language)
    except (TypeError, ValueError, KeyError, IndexError) as error:
        return [f"the duration tables cannot be used: {error}"]
    return []


def _kind(value: Value) -> str:
    if isinstance(value, str):
        return "a text"
    if not value:
        return "a list"
    return "a list of words" if isinstance(value[0], str) else "a list of [from, to] pairs"


def _same_kind(expected: Value, actual: Value) -> bool:
    """Same kind of value; an empty list stands for either kind of list."""
    kinds = {_kind(expected), _kind(actual)}
    return len(kinds) == 1 or ("a list" in kinds and "a text" not in kinds)


def _describe(code: str, problems: list[str]) -> str:
    return f"The wording for language {code!r} is refused: {'; '.join(problems)}."


def _placeholders(template: str) -> frozenset[str]:
    try:
        return frozenset(field for _, field, _, _ in string.Formatter().parse(template) if field is not None)
    except ValueError:
        return frozenset({"<unbalanced braces>"})


def _braced(names: frozenset[str]) -> str:
    return ", ".join(sorted(f"{{{name}}}" for name in names)) or "none"


@lru_cache(maxsize=64)
def _checked(code: str, directory: Path | None) -> Language:
    language = _read(code, directory)
    problems = language_problems(language, _read(REFERENCE, None))
    if problems:
        raise ValueError(_describe(language.code, problems))
    return language


@lru_cache(maxsize=64)
def _read(code: str, directory: Path | None) -> Language:
    if not _CODE.fullmatch(code):
        raise UnknownLanguage(f"{code!r} is not a language code like 'en' or 'pt-br'.")
    source = _folder(directory).joinpath(f"{code}.toml")
    if not source.is_file():
        known = ", ".join(available_languages(directory)) or "none"
        raise UnknownLanguage(f"There is no wording for language {code!r}; available: {known}.")
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"The wording file for language {code!r} is not valid TOML: {error}") from error
    entries: dict[str, Value] = {}
    _flatten(code, data, "", entries)
    return Language(code=code, entries=MappingProxyType(entries))


def _flatten(code: str, table: Mapping[str, object], prefix: str, into: dict[str, Value]) -> None:
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            _flatten(code, value, f"{key}.", into)
        elif isinstance(value, str):
            into[key] = value
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            into[key] = tuple(value)
        elif isinstance(value, list) and all(_is_pair(item) for item in value):
            into[key] = tuple((item[0], item[1]) for item in value)
        else:
            raise ValueError(f"The wording for language {code!r}: {key} must be a text or a list of texts.")


def _is_pair(item: object) -> bool:
    return isinstance(item, list) and len(item) == 2 and all(isinstance(part, str) for part in item)


def _folder(directory: Path | None) -> Traversable:
    if directory is not None:
        return directory
    return resources.files("bot.domain").joinpath("wording")
