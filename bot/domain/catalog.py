"""The service catalog: the components people see on the status page and incidents affect.

Written as TOML by the team (`INCIDENT_CATALOG`), read once at start and checked here: every
problem is one line naming the component, so a bad file stops the process with all its mistakes
at once rather than one per restart.

    [[component]]
    id = "home"
    name = { en = "Home page", fr = "Page d'accueil" }
    group = "Web"
    description = "chirper.example and the mobile home feed"
    alerts = ['service="web"', 'severity=~"critical|error"']   # all must match
    oncall = "oncall-web"        # a Slack user group handle (no @) or id (S...)
    escalation = "sre-leads"

A component is known by its `id` forever: renaming it, moving it to another group or reordering
the file keeps its history; a removed id disappears from the page, not from past records.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from bot.domain import markup
from bot.domain.matchers import Matcher, match_all, read_matchers
from bot.domain.toml_tables import FileProblems, tables_of, unknown_keys
from bot.errors import UsageError

KEYS = (
    "id",
    "name",
    "group",
    "description",
    "public",
    "alerts",
    "oncall",
    "escalation",
    "pagerduty_routing_key",
)
_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*")
# A user group is named by its handle (`oncall-web`, as people type it after @) or its id (S...).
_GROUP_HANDLE = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}")
_GROUP_ID = re.compile(r"S[A-Z0-9]{2,}")
_ROUTING_KEY = re.compile(r"[A-Za-z0-9]{32}")
_LISTED = 10  # components named when a name matches none


class ComponentState(StrEnum):
    """How badly an incident affects a component, in Statuspage's words (its API's enum values)."""

    OPERATIONAL = "operational"
    DEGRADED = "degraded_performance"
    PARTIAL = "partial_outage"
    MAJOR = "major_outage"

    @property
    def rank(self) -> int:
        """0 for operational up to 3 for a major outage: the worst of several is the highest."""
        return _RANK[self]

    @classmethod
    def worst(cls, states: Iterable[ComponentState]) -> ComponentState:
        return max(states, key=lambda state: state.rank, default=cls.OPERATIONAL)


_RANK = {state: rank for rank, state in enumerate(ComponentState)}
# What people type in `/incident affects` (the short word or Statuspage's own).
STATE_WORDS: Mapping[str, ComponentState] = MappingProxyType(
    {
        "operational": ComponentState.OPERATIONAL,
        "degraded": ComponentState.DEGRADED,
        "partial": ComponentState.PARTIAL,
        "major": ComponentState.MAJOR,
        **{state.value: state for state in ComponentState},
    }
)


class CatalogError(FileProblems):
    """The catalog cannot be used; `problems` holds one line per mistake, each naming its component."""


@dataclass(frozen=True)
class Component:
    id: str
    names: Mapping[str, str]  # language code -> name, in the file's order
    group: str | None = None
    description: str = ""
    public: bool = True
    alerts: tuple[Matcher, ...] = ()
    oncall: str | None = None  # a user group's handle or id
    escalation: str | None = None
    pagerduty_routing_key: str | None = field(default=None, repr=False)  # a secret of sorts

    def name(self, language: str) -> str:
        """The name in `language`; else the English one; else the first the file gives."""
        return self.names.get(language) or self.names.get("en") or next(iter(self.names.values()))

    def matches(self, labels: Mapping[str, str]) -> bool:
        """An alert with these labels belongs to this component (it has `alerts`, and all hold)."""
        return bool(self.alerts) and match_all(self.alerts, labels)


@dataclass(frozen=True)
class Catalog:
    components: tuple[Component, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.components)

    def get(self, component_id: str) -> Component | None:
        return next((each for each in self.components if each.id == component_id), None)

    def find(self, text: str) -> Component | None:
        """The component a person means: its id or any of its names, whatever the case. `text` is
        what they typed as stored (`markup.stored_form`), compared as they read it (`as_typed`)."""
        wanted = _folded(as_typed(text))
        for component in self.components:
            if wanted == component.id or wanted in (_folded(name) for name in component.names.values()):
                return component
        return None

    def find_several(self, text: str) -> tuple[Component, ...]:
        """What a person named where several components may follow one another (`/incident page
        home api`): the one component the whole text names, else one per word when every word is
        an id or a one-word name (each once, in the order written); empty when neither."""
        found = self.find(text)
        if found is not None:
            return (found,)
        each = [self.find(word) for word in text.split()]
        if len(each) < 2 or None in each:
            return ()
        return tuple({component.id: component for component in each if component is not None}.values())

    def suggest(self, text: str) -> Component | None:
        """The component closest to a near miss (`hom`, `Home-page`), for "did you mean"; or None."""
        spellings = {
            spelling: component
            for component in self.components
            for spelling in (component.id, *(_folded(name) for name in component.names.values()))
        }
        close = difflib.get_close_matches(_folded(as_typed(text)), list(spellings), n=1, cutoff=0.6)
        return spellings[close[0]] if close else None

    def lookup(self, text: str) -> Component:
        """The component a person named (`find`); else a UsageError saying which they may have
        meant (`suggest`), or which there are."""
        found = self.find(text)
        if found is not None:
            return found
        shown = as_typed(text)
        if not self.components:
            raise UsageError(
                "There are no components to affect: the catalog is empty "
                "(set INCIDENT_CATALOG to a TOML file of [[component]] tables)."
            )
        close = self.suggest(text)
        if close is not None:
            raise UsageError(f"There is no component “{shown}”. Did you mean {close.name('en')} (`{close.id}`)?")
        listed = ", ".join(f"{each.name('en')} (`{each.id}`)" for each in self.components[:_LISTED])
        more = f" and {len(self.components) - _LISTED} more" if len(self.components) > _LISTED else ""
        raise UsageError(f"There is no component “{shown}”. The catalog has {listed}{more}.")

    def matching(self, labels: Mapping[str, str]) -> tuple[Component, ...]:
        """The components an alert with these labels belongs to, in the file's order."""
        return tuple(component for component in self.components if component.matches(labels))

    def public(self) -> tuple[Component, ...]:
        return tuple(component for component in self.components if component.public)

    def search(self, typed: str) -> tuple[Component, ...]:
        """The components whose id or any of whose names contains `typed`, whatever the case and
        spacing (all of them for nothing typed), in the file's order: a menu's typeahead."""
        wanted = _folded(typed)
        return tuple(
            component
            for component in self.components
            if wanted in component.id or any(wanted in _folded(name) for name in component.names.values())
        )


def as_typed(text: str) -> str:
    """Words a person named a component with, to quote back to them: a mention Slack made of what
    they typed (`@bob`, `#general`) as they read it, not Slack's `<@U0BOB|bob>`."""
    return " ".join(markup.as_read(text).split())


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def read_catalog(text: str) -> Catalog:
    """The catalog written in `text` (TOML); raises `CatalogError` listing every problem."""
    tables, problems = tables_of(text, "component", CatalogError)
    components: list[Component] = []
    seen: dict[str, int] = {}
    for position, table in enumerate(tables, start=1):
        written_id = table.get("id")
        label = f"component {written_id!r}" if isinstance(written_id, str) else f"component #{position}"
        component, own = _component(table, label)
        if isinstance(written_id, str) and written_id in seen:
            own.append(f"{label}: the id is used again (first by component #{seen[written_id]}); ids are unique")
        elif isinstance(written_id, str):
            seen[written_id] = position
        problems += own
        if component is not None and not own:
            components.append(component)
    if problems:
        raise CatalogError(problems)
    return Catalog(tuple(components))


def _component(table: Mapping[str, Any], label: str) -> tuple[Component | None, list[str]]:
    problems = unknown_keys(table, KEYS, label)
    component_id = table.get("id")
    if not isinstance(component_id, str) or not _ID.fullmatch(component_id):
        problems.append(f'{label}: `id` must be a short lower-case name of letters, digits, - or _, e.g. id = "home"')
    names = _names(table.get("name"), label, problems)
    group = _optional_text(table, "group", label, problems)
    description = _optional_text(table, "description", label, problems) or ""
    public = table.get("public", True)
    if not isinstance(public, bool):
        problems.append(f"{label}: `public` must be true or false")
    alerts = read_matchers(table.get("alerts", []), label, "alerts", problems)
    oncall = _group(table, "oncall", label, problems)
    escalation = _group(table, "escalation", label, problems)
    routing_key = _optional_text(table, "pagerduty_routing_key", label, problems)
    if routing_key is not None and not _ROUTING_KEY.fullmatch(routing_key):
        problems.append(f"{label}: `pagerduty_routing_key` must be the 32-character integration key PagerDuty shows")
    if problems:
        return None, problems
    assert isinstance(component_id, str) and isinstance(public, bool)
    component = Component(
        id=component_id,
        names=names,
        group=group,
        description=description,
        public=public,
        alerts=alerts,
        oncall=oncall,
        escalation=escalation,
        pagerduty_routing_key=routing_key,
    )
    return component, []


def _names(value: object, label: str, problems: list[str]) -> Mapping[str, str]:
    example = 'name = { en = "Home page", fr = "Page d\'accueil" }'
    if isinstance(value, str):
        value = {"en": value}
    if not isinstance(value, dict) or not value:
        problems.append(f"{label}: `name` is required, one per language: {example}")
        return {}
    names: dict[str, str] = {}
    for language, name in value.items():
        if not _LANGUAGE.fullmatch(language):
            problems.append(f"{label}: {language!r} in `name` is not a language code such as en or fr")
        elif not isinstance(name, str) or not name.strip():
            problems.append(f"{label}: `name.{language}` must be a non-empty text")
        elif len(name) > 100:
            problems.append(f"{label}: `name.{language}` is over 100 characters")
        else:
            names[language] = " ".join(name.split())
    return MappingProxyType(names)


def _optional_text(table: Mapping[str, Any], key: str, label: str, problems: list[str]) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(f"{label}: `{key}` must be a text")
        return None
    return value.strip() or None


def _group(table: Mapping[str, Any], key: str, label: str, problems: list[str]) -> str | None:
    value = _optional_text(table, key, label, problems)
    if value is None:
        return None
    if value.startswith("@"):
        problems.append(f"{label}: write `{key}` without the @: {key} = {value[1:]!r}")
    elif not (_GROUP_ID.fullmatch(value) or _GROUP_HANDLE.fullmatch(value)):
        problems.append(
            f"{label}: `{key}` must be a Slack user group's handle (as typed after @, e.g. oncall-web) or its id (S...)"
        )
    return value
