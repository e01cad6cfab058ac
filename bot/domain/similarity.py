"""Do two incidents look alike? The recurrence check's text similarity, in any language.

An incident's words (title and impact, as a reader sees them) become a *signature*: the
concepts they name. Each language's lexicon (`bot/domain/lexicon/<code>.toml`) maps the many
ways of saying one thing to one concept shared by every language ("went wrong", "errors",
"panne" -> `symptom:failure`; "home page", "page d'accueil" -> `homepage`) and lists the words
that say nothing about what broke ("the", "users", "page", "India"). Other words are kept,
lightly stemmed, so that two titles naming the same component match even if no lexicon knows it.

Two signatures are similar when they name the same *thing*: at least one shared subject (what
failed), and shared subjects make up at least 60% of both sides (a Dice coefficient). How it
failed does not decide: "Home page slow" recurs as "Home page down", while "Upload failures"
and "Search failures" share only a symptom and are not alike. Near-identical words (a typo:
"hompage", one edit away) count as shared. One word in common by chance ("Payment API
errors" / "Search API errors") is not enough.

The lexicons are data: a language is added by adding a file, like the public wording.
Every lexicon is used whatever the configured languages, because people type titles in the
language they think in.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType

from bot.domain.markup import words

SYMPTOM = "symptom:"
MIN_DICE = 0.6
_TOKEN = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Lexicon:
    """Stop words and phrase -> concept entries of every language, normalised."""

    stop_words: frozenset[str]
    phrases: Mapping[tuple[str, ...], str]
    longest: int

    @classmethod
    def from_tables(cls, tables: Iterable[Mapping[str, object]]) -> Lexicon:
        stop: set[str] = set()
        phrases: dict[tuple[str, ...], str] = {}
        for table in tables:
            stop.update(token for word in _strings(table.get("stop_words", [])) for token in tokens(word))
            for pair in _pairs(table.get("concepts", [])):
                phrase = tuple(tokens(pair[0]))
                if phrase:
                    phrases[phrase] = pair[1]
        longest = max((len(phrase) for phrase in phrases), default=1)
        return cls(frozenset(stop), MappingProxyType(phrases), longest)


@dataclass(frozen=True)
class Signature:
    """What a text names: subjects (what failed) and symptoms (how)."""

    subjects: frozenset[str]
    symptoms: frozenset[str]


@dataclass(frozen=True)
class Likeness:
    similar: bool
    score: float
    shared: tuple[str, ...]


def tokens(text: str) -> list[str]:
    """Lower-case words without accents; apostrophes and punctuation split words."""
    folded = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(char for char in folded if not unicodedata.combining(char))
    return _TOKEN.findall(plain.replace("'", " ").replace("’", " "))


def signature(text: str, lexicon: Lexicon | None = None) -> Signature:
    """The signature of what a reader sees in `text` (Slack markup reduced to its words)."""
    chosen = lexicon or packaged_lexicon()
    found = tokens(words(text))
    subjects: set[str] = set()
    symptoms: set[str] = set()
    index = 0
    while index < len(found):
        concept, used = _longest_phrase(found, index, chosen)
        if concept is None:
            word = found[index]
            if word not in chosen.stop_words and not word.isdigit():
                subjects.add(_stem(word))
            index += 1
            continue
        (symptoms if concept.startswith(SYMPTOM) else subjects).add(concept)
        index += used
    return Signature(frozenset(subjects), frozenset(symptoms))


def likeness(first: Signature, second: Signature) -> Likeness:
    """How alike two signatures are, and whether that is enough to call them similar."""
    shared = _shared(first.subjects, second.subjects)
    total = len(first.subjects) + len(second.subjects)
    score = 2 * len(shared) / total if total else 0.0
    similar = bool(shared) and score >= MIN_DICE
    return Likeness(similar, round(score, 3), tuple(sorted(shared)))


def alike(first: str, second: str, lexicon: Lexicon | None = None) -> bool:
    return likeness(signature(first, lexicon), signature(second, lexicon)).similar


@lru_cache(maxsize=1)
def packaged_lexicon() -> Lexicon:
    folder = resources.files("bot.domain").joinpath("lexicon")
    files = sorted((item for item in folder.iterdir() if item.name.endswith(".toml")), key=lambda item: item.name)
    return Lexicon.from_tables(tomllib.loads(item.read_text(encoding="utf-8")) for item in files)


# --- internals -----------------------------------------------------------------------------


def _longest_phrase(found: list[str], start: int, lexicon: Lexicon) -> tuple[str | None, int]:
    for length in range(min(lexicon.longest, len(found) - start), 0, -1):
        concept = lexicon.phrases.get(tuple(found[start : start + length]))
        if concept is not None:
            return concept, length
    return None, 1


def _stem(word: str) -> str:
    """A light, language-blind stem: plurals and common endings, so "deploys" = "deploy"."""
    for ending, replacement in (("ies", "y"), ("ing", ""), ("es", ""), ("ed", ""), ("s", "")):
        if word.endswith(ending) and len(word) - len(ending) >= 4 and not word.endswith("ss"):
            return word[: len(word) - len(ending)] + replacement
    return word


def _shared(first: frozenset[str], second: frozenset[str]) -> set[str]:
    """Subjects in both, counting near-identical words (a typo) as the same subject."""
    shared = set(first & second)
    for mine in first - second:
        if any(_close(mine, theirs) for theirs in second - first):
            shared.add(mine)
    return shared


def _close(first: str, second: str) -> bool:
    """One edit apart (two for long words), for words of five letters or more: a typo."""
    shortest = min(len(first), len(second))
    allowed = 2 if shortest >= 9 else 1
    return shortest >= 5 and abs(len(first) - len(second)) <= allowed and edits(first, second) <= allowed


def edits(first: str, second: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
    neighbouring letters, one edit each (the typos people make: `hompage`, `stauts`)."""
    rows = [[0] * (len(second) + 1) for _ in range(len(first) + 1)]
    for i in range(len(first) + 1):
        rows[i][0] = i
    for j in range(len(second) + 1):
        rows[0][j] = j
    for i in range(1, len(first) + 1):
        for j in range(1, len(second) + 1):
            cost = first[i - 1] != second[j - 1]
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and first[i - 1] == second[j - 2] and first[i - 2] == second[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[-1][-1]


def _strings(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _pairs(value: object) -> list[tuple[str, str]]:
    if not isinstance(value, list):
        return []
    return [
        (item[0], item[1])
        for item in value
        if isinstance(item, list) and len(item) == 2 and all(isinstance(part, str) for part in item)
    ]
