"""Which catalog components an incident affects, and how badly, over time (docs/behaviour.md,
Components): pure rules.

An incident's effect on one component is a run of `ComponentImpact`s, each a state with when it began and
when it ended (None while it holds). `/incident affects` ends the component's current impact and
begins the new state's (operational begins nothing); resolving the incident ends every impact at
the resolved time (`ended_by_resolution`), and reopening it brings those states back from the
reopening on. The status page and its availability arithmetic (bot.domain.availability) read
these times, so they are exact.

Each change is one timeline entry of kind `components` listing the components it changed, one
line each: `<id> <state before> <state after> <name>`, the name as the catalog said it then, so a
component later removed from the catalog still reads by its name in past records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.catalog import STATE_WORDS, Catalog, Component, ComponentState, as_typed
from bot.domain.incident import EntryKind, Incident, TimelineEntry, check_event_time
from bot.domain.timefmt import day_and_time, require_aware
from bot.errors import BadTime, RuleRefused, UsageError

PHRASES = {
    ComponentState.OPERATIONAL: "operational",
    ComponentState.DEGRADED: "degraded performance",
    ComponentState.PARTIAL: "partial outage",
    ComponentState.MAJOR: "major outage",
}
"""How a state is said in Slack and in the retrospective ("Home page: major outage")."""

STATES = "operational, degraded, partial or major"
"""The states a person may write, as refusals list them."""


@dataclass(frozen=True)
class ComponentImpact:
    """One component in one state because of one incident, from `started_at` until `ended_at`."""

    component_id: str
    state: ComponentState
    started_at: datetime
    ended_at: datetime | None = None  # None: it still holds
    ended_by_resolution: bool = False  # the incident's resolution ended it (a reopening brings it back)

    def __post_init__(self) -> None:
        object.__setattr__(self, "started_at", require_aware(self.started_at, "started_at"))
        if self.ended_at is not None:
            object.__setattr__(self, "ended_at", require_aware(self.ended_at, "ended_at"))


@dataclass(frozen=True)
class ComponentChange:
    """One component's state changed: `was` -> `now`; `name` as the catalog said it then."""

    component_id: str
    name: str
    was: ComponentState
    now: ComponentState


def read_affected(text: str) -> tuple[str, ComponentState | None]:
    """What `/incident affects` was given (`Home page major`): the component as typed (the words
    before the last) and the state (the last word: `major` or Statuspage's `major_outage`). With no
    state at the end, the whole text and None: which words are the component only the catalog
    knows, and `without_state` says what to write."""
    *named, last = text.split() or [""]
    if not last:
        raise UsageError(f"Which component, and how badly? e.g. `/incident affects home major` ({STATES}).")
    state = STATE_WORDS.get(last.lower())
    if state is None:
        return " ".join([*named, last]), None
    if not named:
        raise UsageError(f"Which component is {last}? Name it first: `/incident affects home {last}`.")
    return " ".join(named), state


def without_state(catalog: Catalog, typed: str) -> UsageError:
    """The refusal of `/incident affects <typed>` that ends with no state, suggesting only a command
    that works: a state written before other words, a known component with no state, or a known
    component followed by a word that is not a state."""
    words = typed.split()
    whole, named, last = as_typed(typed), as_typed(" ".join(words[:-1])), as_typed(words[-1])
    if len(words) == 1 or catalog.find(typed) is not None:
        return UsageError(f"How badly is “{whole}” affected? End with {STATES}: `/incident affects {whole} major`.")
    for index in range(len(words) - 2, 0, -1):
        if words[index].lower() in STATE_WORDS:
            before, after = as_typed(" ".join(words[:index])), as_typed(" ".join(words[index + 1 :]))
            return UsageError(
                f"Put the state last, with nothing after it (not “{after}”): "
                f"`/incident affects {before} {words[index]}`."
            )
    if catalog.find(" ".join(words[:-1])) is not None:
        return UsageError(f"“{last}” is not a state: end with {STATES}, e.g. `/incident affects {named} major`.")
    if not catalog.components:
        try:
            catalog.lookup(typed)
        except UsageError as empty:
            return empty  # the catalog's own words: it is empty, and how to fill it
    example = catalog.components[0].id
    return UsageError(
        f"“{last}” is not a state, and there is no component “{whole}” nor “{named}”: "
        f"name a component, then end with {STATES}, e.g. `/incident affects {example} major`."
    )


def current(impacts: Iterable[ComponentImpact]) -> dict[str, ComponentImpact]:
    """The impacts that still hold, by component id."""
    return {impact.component_id: impact for impact in impacts if impact.ended_at is None}


def named(catalog: Catalog, typed: str, impacts: Iterable[ComponentImpact], state: ComponentState) -> Component:
    """The component `/incident affects` names: the catalog's (`Catalog.lookup`, its refusal); or,
    to set it back to operational, one the catalog no longer has that the incident still affects,
    named by its id (else it would stay on the card, unclearable, until the resolution)."""
    try:
        return catalog.lookup(typed)
    except UsageError:
        gone = typed.strip()
        if state is ComponentState.OPERATIONAL and gone in current(impacts) and catalog.get(gone) is None:
            return Component(id=gone, names={"en": gone})
        raise


def states_at(impacts: Iterable[ComponentImpact], at: datetime) -> dict[str, ComponentState]:
    """Each component the incident had affected by `at`, in its state then (operational when its
    impacts had all ended): what a published update at `at` says of it."""
    states: dict[str, ComponentState] = {}
    for impact in impacts:
        if impact.started_at > at:
            continue
        holds = impact.ended_at is None or impact.ended_at > at
        if holds:
            states[impact.component_id] = impact.state
        else:
            states.setdefault(impact.component_id, ComponentState.OPERATIONAL)
    return states


def affect(
    incident: Incident,
    impacts: Sequence[ComponentImpact],
    component: Component,
    state: ComponentState,
    *,
    language: str,
    actor: str,
    at: datetime,
    now: datetime,
    zone: ZoneInfo,
) -> TimelineEntry:
    """`/incident affects`: `component` is in `state` from `at` because of `incident`."""
    name = component.name(language)
    if not incident.status.is_open:
        raise RuleRefused(
            f"{incident.name} is resolved: what it affects changed back to operational then. "
            f"Reopen it first (`/incident reopen {incident.name}`)."
        )
    holding = current(impacts).get(component.id)
    was = holding.state if holding is not None else ComponentState.OPERATIONAL
    if state is was and holding is None:
        raise RuleRefused(f"{incident.name} does not affect {name}: there is nothing to set back to operational.")
    if state is was:
        raise RuleRefused(f"{incident.name} already affects {name}: {PHRASES[state]}.")
    at = check_event_time(incident, at, now, zone)
    since = max(
        (
            moment
            for impact in impacts
            if impact.component_id == component.id
            for moment in (impact.started_at, impact.ended_at)
            if moment is not None
        ),
        default=None,
    )
    if since is not None and at < since:
        raise BadTime(
            f"{name} last changed at {day_and_time(since, zone, relative_to=now)} on {incident.name}; "
            "a change cannot be dated before that."
        )
    return changes_entry([ComponentChange(component.id, name, was, state)], actor=actor, at=at, now=now)


def at_open(
    catalog: Catalog, chosen: Mapping[str, ComponentState], *, language: str, actor: str, at: datetime, now: datetime
) -> TimelineEntry | None:
    """The components an incident affects from the start (the open modal, or an alert's labels),
    from `at` (its impact start); None when there are none."""
    changes = [
        ComponentChange(component.id, component.name(language), ComponentState.OPERATIONAL, state)
        for component_id, state in chosen.items()
        if (component := catalog.get(component_id)) is not None and state is not ComponentState.OPERATIONAL
    ]
    return changes_entry(changes, actor=actor, at=at, now=now) if changes else None


MODAL_STATES = (ComponentState.DEGRADED, ComponentState.PARTIAL, ComponentState.MAJOR)
"""What the open modal offers for the components chosen, the default first after degraded."""
MODAL_DEFAULT = ComponentState.PARTIAL


def from_modal(catalog: Catalog, chosen: Iterable[str], state: str | None) -> dict[str, ComponentState]:
    """The components ticked in the open modal (catalog ids), in the catalog's order, and how badly
    (a state's value; none: a partial outage). A component the catalog no longer has (it changed while the modal was
    open) or a state the modal does not offer is refused, naming it."""
    ids = list(dict.fromkeys(chosen))
    unknown = [each for each in ids if catalog.get(each) is None]
    if unknown:
        raise UsageError(
            f"The catalog has no component {', '.join(f'`{each}`' for each in unknown)} any more: "
            "close this and open the modal again."
        )
    if state is not None and state not in {each.value for each in MODAL_STATES}:
        raise UsageError("Choose how badly they are affected: degraded performance, partial or major outage.")
    chosen_state = ComponentState(state) if state is not None else MODAL_DEFAULT
    return {component.id: chosen_state for component in catalog.components if component.id in ids}  # its order


def from_alert(catalog: Catalog, labels: Mapping[str, str], severity: int) -> dict[str, ComponentState]:
    """The components an incident declared from an alert starts affecting: those whose `alerts`
    matchers all hold for its labels, a major outage for sev1 and a partial one otherwise (for
    `IncidentService.open(components=...)`)."""
    state = ComponentState.MAJOR if severity == 1 else ComponentState.PARTIAL
    return {component.id: state for component in catalog.matching(labels)}


def at_resolution(
    incident: Incident,
    impacts: Sequence[ComponentImpact],
    catalog: Catalog,
    *,
    language: str,
    actor: str,
    at: datetime,
    now: datetime,
    zone: ZoneInfo,
) -> TimelineEntry | None:
    """Resolving at `at` returns every component still affected to operational then; None when
    none is. A resolution dated before a component's current state began is refused."""
    holding = sorted(current(impacts).values(), key=lambda impact: impact.started_at)
    for impact in holding:
        if at < impact.started_at:
            name = _name(catalog, impact.component_id, language)
            began = day_and_time(impact.started_at, zone, relative_to=now)
            raise BadTime(
                f"{name} has been {PHRASES[impact.state]} since {began} on {incident.name}; "
                "the incident cannot be resolved before that."
            )
    changes = [
        ComponentChange(impact.component_id, _name(catalog, impact.component_id, language), impact.state, _OPERATIONAL)
        for impact in holding
    ]
    return changes_entry(changes, actor=actor, at=at, now=now) if changes else None


def at_reopening(
    impacts: Sequence[ComponentImpact],
    catalog: Catalog,
    *,
    resolved_at: datetime,
    language: str,
    actor: str,
    now: datetime,
) -> TimelineEntry | None:
    """Reopening brings back, from `now`, the states the resolution at `resolved_at` ended (the
    fix did not hold); None when it ended none."""
    ended = [
        impact for impact in impacts if impact.ended_by_resolution and impact.ended_at == require_aware(resolved_at)
    ]
    changes = [
        ComponentChange(impact.component_id, _name(catalog, impact.component_id, language), _OPERATIONAL, impact.state)
        for impact in sorted(ended, key=lambda impact: impact.started_at)
    ]
    return changes_entry(changes, actor=actor, at=now, now=now) if changes else None


_OPERATIONAL = ComponentState.OPERATIONAL


def _name(catalog: Catalog, component_id: str, language: str) -> str:
    """The component's name; its id when the catalog no longer has it."""
    component = catalog.get(component_id)
    return component.name(language) if component is not None else component_id


def changes_entry(changes: Sequence[ComponentChange], *, actor: str, at: datetime, now: datetime) -> TimelineEntry:
    text = "\n".join(f"{change.component_id} {change.was.value} {change.now.value} {change.name}" for change in changes)
    return TimelineEntry(at=at, recorded_at=now, actor=actor, kind=EntryKind.COMPONENTS, text=text)


def read_changes(entry: TimelineEntry) -> list[ComponentChange]:
    """The changes an entry of kind `components` records."""
    changes = []
    for line in entry.text.splitlines():
        component_id, was, now, name = line.split(" ", 3)
        changes.append(ComponentChange(component_id, name, ComponentState(was), ComponentState(now)))
    return changes
