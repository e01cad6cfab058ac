"""Alert rules as code: what happens to a new group of alerts (`INCIDENT_ALERT_RULES`, TOML).

    [[rule]]
    name = "payments down"                               # shown in messages and in errors
    match = ['team="payments"', 'severity="critical"']   # Alertmanager matchers, all must hold
    action = "declare"                                   # triage (default) | declare | ignore
    severity = 1                                         # 1-4 or "sev1"; default from the labels
    title = "{{ labels.service }}: {{ annotations.summary }}"
    after = "5m"                                         # declare only once firing that long

Rules are tried in order against the labels every alert of the group shares (Alertmanager's
`commonLabels`); the first that matches decides, when the group is first seen. No rule matching
means `triage`: a message asks people to declare, add or dismiss. `declare` opens the incident
at once (or `after` that long, if the group still fires then), opened by the source; `ignore`
keeps the alerts (deduplicated as ever) and shows nothing.

The file is read once at start: every problem is one line naming the rule (its `name`, or its
position), so a bad file stops the process with all its mistakes at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from bot.domain.alerts import Notification, one_line
from bot.domain.durations import parse_length
from bot.domain.incident import SEVERITIES
from bot.domain.matchers import Matcher, match_all, read_matchers
from bot.domain.toml_tables import FileProblems, tables_of, unknown_keys

KEYS = ("name", "match", "action", "severity", "title", "after")
NAME_MAX = 80
# `{{ labels.service }}`, `{{annotations.summary}}`: the only places a title may read from.
_PLACE = re.compile(r"\{\{\s*(labels|annotations)\.([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}")
_BRACES = re.compile(r"\{\{.*?\}\}|\{\{|\}\}")


class Action(StrEnum):
    TRIAGE = "triage"
    DECLARE = "declare"
    IGNORE = "ignore"


class RulesError(FileProblems):
    """The rules cannot be used; `problems` holds one line per mistake, each naming its rule."""


@dataclass(frozen=True)
class Title:
    """A title template: its text with `{{ labels.NAME }}` and `{{ annotations.NAME }}` places."""

    written: str

    def render(self, labels: Mapping[str, str], annotations: Mapping[str, str]) -> str:
        """The title with each place filled (a label or annotation the group lacks is empty)."""
        source = {"labels": labels, "annotations": annotations}
        return one_line(_PLACE.sub(lambda place: source[place[1]].get(place[2], ""), self.written))


@dataclass(frozen=True)
class Rule:
    name: str
    matchers: tuple[Matcher, ...] = ()
    action: Action = Action.TRIAGE
    severity: int | None = None  # None: from the `severity` label
    title: Title | None = None  # None: the group's summary
    after: timedelta | None = None  # declare only once the group has fired this long

    def matches(self, labels: Mapping[str, str]) -> bool:
        return match_all(self.matchers, labels)


@dataclass(frozen=True)
class Rules:
    rules: tuple[Rule, ...] = ()

    def first_match(self, labels: Mapping[str, str]) -> Rule | None:
        """The first rule, in the file's order, whose matchers all hold for `labels`."""
        return next((rule for rule in self.rules if rule.matches(labels)), None)

    def named(self, name: str | None) -> Rule | None:
        """The rule called `name` (the one that decided a group when it was first seen), if any."""
        return next((rule for rule in self.rules if rule.name == name), None)


@dataclass(frozen=True)
class Decision:
    """What happens to a new group: the rule that decided (None: no rule matched) and its action,
    the severity and title an incident declared from it takes, and how long it must fire first."""

    action: Action
    rule: str | None
    severity: int
    title: str
    after: timedelta | None = None


def decide(rules: Rules, notification: Notification) -> Decision:
    """The first matching rule's decision for a new group; triage when none matches."""
    rule = rules.first_match(notification.common_labels)
    severity, title = severity_and_title(rule, notification)
    if rule is None:
        return Decision(Action.TRIAGE, None, severity, title)
    return Decision(rule.action, rule.name, severity, title, rule.after)


def severity_and_title(rule: Rule | None, notification: Notification) -> tuple[int, str]:
    """The severity and title an incident declared from the group takes, as `notification` (the
    latest) describes it: the rule's `severity` and `title` when it has them, else the
    notification's own severity and summary."""
    title = notification.summary
    if rule is not None and rule.title is not None:
        title = rule.title.render(notification.common_labels, notification.common_annotations) or title
    severity = notification.severity if rule is None or rule.severity is None else rule.severity
    return severity, one_line(title)


def read_rules(text: str) -> Rules:
    """The rules written in `text` (TOML); raises `RulesError` listing every problem."""
    tables, problems = tables_of(text, "rule", RulesError)
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for position, table in enumerate(tables, start=1):
        written = table.get("name")
        label = f"rule {written!r}" if isinstance(written, str) and written.strip() else f"rule #{position}"
        rule, own = _rule(table, label, position)
        if rule is not None and rule.name in seen:
            own.append(f"{label}: the name is used again (first by rule #{seen[rule.name]}); names are unique")
        elif rule is not None:
            seen[rule.name] = position
        problems += own
        if rule is not None and not own:
            rules.append(rule)
    if problems:
        raise RulesError(problems)
    return Rules(tuple(rules))


def _rule(table: Mapping[str, Any], label: str, position: int) -> tuple[Rule | None, list[str]]:
    problems = unknown_keys(table, KEYS, label)
    name = table.get("name", f"#{position}")
    if not isinstance(name, str) or not name.strip() or len(name) > NAME_MAX:
        problems.append(f'{label}: `name` must be a text of at most {NAME_MAX} characters, e.g. name = "payments down"')
        name = f"#{position}"
    matchers = read_matchers(table.get("match", []), label, "match", problems)
    action = _action(table.get("action", Action.TRIAGE.value), label, problems)
    severity = _severity(table.get("severity"), label, problems)
    title = _title(table.get("title"), label, problems)
    after = _after(table.get("after"), label, problems)
    if after is not None and action is not Action.DECLARE:
        problems.append(f'{label}: `after` only applies to action = "declare" (this rule\'s action is {action})')
    if problems:
        return None, problems
    return Rule(" ".join(name.split()), matchers, action, severity, title, after), []


def _action(value: object, label: str, problems: list[str]) -> Action:
    if isinstance(value, str) and value in set(Action):
        return Action(value)
    problems.append(f"{label}: `action` must be one of {', '.join(Action)}, not {value!r}")
    return Action.TRIAGE


def _severity(value: object, label: str, problems: list[str]) -> int | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower().removeprefix("sev").isdigit():
        value = int(value.strip().lower().removeprefix("sev"))
    if isinstance(value, int) and not isinstance(value, bool) and value in SEVERITIES:
        return value
    problems.append(f'{label}: `severity` must be 1, 2, 3 or 4 (or "sev1" to "sev4"), not {value!r}')
    return None


def _title(value: object, label: str, problems: list[str]) -> Title | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(f'{label}: `title` must be a text, e.g. title = "{{{{ labels.service }}}} is down"')
        return None
    strays = _BRACES.findall(_PLACE.sub("", value))
    if strays:
        problems.append(
            f"{label}: `title` may only use {{{{ labels.NAME }}}} and {{{{ annotations.NAME }}}}, not {strays[0]!r}"
        )
        return None
    return Title(value)


def _after(value: object, label: str, problems: list[str]) -> timedelta | None:
    if value is None:
        return None
    try:
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not a duration such as 30m, 2h or 90s")
        return parse_length(value)
    except ValueError as error:
        problems.append(f"{label}: `after` {error}")
        return None
