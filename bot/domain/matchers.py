"""Label matchers as Alertmanager writes them: `service="web"`, `severity=~"critical|error"`.

Alert rules (`INCIDENT_ALERT_RULES`) and the catalog's `alerts` (`INCIDENT_CATALOG`) select alerts
by their labels with the syntax operators already know from Alertmanager's routes, silences and
`amtool` (Alertmanager's "classic" matchers):

- a label name (`[a-zA-Z_:][a-zA-Z0-9_:]*`), an operator, a value; spaces around each are ignored;
- `=` equal, `!=` not equal, `=~` the regex matches, `!~` it does not;
- the value may be in double quotes (then `\\"`, `\\n` and `\\\\` are its escapes; a lone `\\`
  stays itself) or bare; an unescaped `"` inside it is an error;
- a regex is anchored at both ends, as in Alertmanager: `=~"crit"` does not match `critical`;
- a label the alert does not carry has the empty value: `team!="db"` matches an alert without a
  `team` label, `team=""` matches only such alerts.

Regexes are Python's `re`, which reads the RE2 syntax Alertmanager uses for everything an alert
rule needs (alternation, classes, repetition); RE2-only escapes such as `\\pL` are refused with the
reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

_MATCHER = re.compile(r"^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*(.*?)\s*$", re.DOTALL)
_ESCAPES = {"n": "\n", '"': '"', "\\": "\\"}


class BadMatcher(ValueError):
    """A matcher that cannot be read; the message says why, quoting what was written."""


class Op(StrEnum):
    EQUAL = "="
    NOT_EQUAL = "!="
    REGEX = "=~"
    NOT_REGEX = "!~"


@dataclass(frozen=True)
class Matcher:
    name: str
    op: Op
    value: str
    _pattern: re.Pattern[str] | None = field(default=None, repr=False, compare=False)

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.name, "")
        match self.op:
            case Op.EQUAL:
                return actual == self.value
            case Op.NOT_EQUAL:
                return actual != self.value
            case Op.REGEX:
                assert self._pattern is not None
                return self._pattern.fullmatch(actual) is not None
            case Op.NOT_REGEX:
                assert self._pattern is not None
                return self._pattern.fullmatch(actual) is None

    def __str__(self) -> str:
        """The matcher as Alertmanager prints it: `name=~"value"`, the value quoted and escaped."""
        quoted = self.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'{self.name}{self.op.value}"{quoted}"'


def matcher(name: str, op: Op, value: str) -> Matcher:
    """A matcher from its parts; a regex that does not compile raises `BadMatcher`."""
    if op in (Op.REGEX, Op.NOT_REGEX):
        return Matcher(name, op, value, _compile(value))
    return Matcher(name, op, value)


def parse_matcher(text: str) -> Matcher:
    """`service="web"` -> Matcher; anything else raises `BadMatcher` saying what is wrong."""
    found = _MATCHER.match(text)
    if found is None:
        raise BadMatcher(
            f"{text!r} is not a matcher: write a label name, one of = != =~ !~, and a value, "
            'e.g. service="web" or severity=~"critical|error"'
        )
    name, op, raw = found.groups()
    return matcher(name, Op(op), _unquote(raw, text))


def parse_matchers(texts: Iterable[str]) -> tuple[Matcher, ...]:
    """Several matchers, all of which must hold (a rule's or a component's `alerts`)."""
    return tuple(parse_matcher(text) for text in texts)


def read_matchers(value: object, label: str, key: str, problems: list[str]) -> tuple[Matcher, ...]:
    """The matchers a file writes under `key` (a list of them, or one), each mistake added to
    `problems` as one line starting with `label` (the component or rule it belongs to)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(each, str) for each in value):
        problems.append(f"{label}: `{key}` must be a list of matchers, e.g. {key} = ['service=\"web\"']")
        return ()
    matchers: list[Matcher] = []
    for text in value:
        try:
            matchers.append(parse_matcher(text))
        except BadMatcher as error:
            problems.append(f"{label}: in `{key}`, {error}")
    return tuple(matchers)


def match_all(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    """True when every matcher holds for `labels` (no matchers: every alert)."""
    return all(each.matches(labels) for each in matchers)


def _unquote(raw: str, written: str) -> str:
    quoted = raw.startswith('"')
    body = raw[1:] if quoted else raw
    value: list[str] = []
    closed = False
    index = 0
    while index < len(body):
        char = body[index]
        if closed:  # something after the closing quote
            raise BadMatcher(f"{written!r} has text after the value's closing quote")
        if char == "\\" and index + 1 < len(body):
            following = body[index + 1]
            value.append(_ESCAPES.get(following, "\\" + following))
            index += 2
            continue
        if char == '"':
            if not quoted:
                raise BadMatcher(f'{written!r} has a " inside a value without quotes; quote the value: name="..."')
            closed = True
        else:
            value.append(char)
        index += 1
    if quoted and not closed:
        raise BadMatcher(f"{written!r} opens a quote it never closes")
    return "".join(value)


def _compile(value: str) -> re.Pattern[str]:
    try:
        return re.compile(f"(?:{value})")
    except re.error as error:
        raise BadMatcher(f"the regex {value!r} does not compile: {error}") from None
