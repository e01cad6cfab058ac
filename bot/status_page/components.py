"""The catalog's public components as one reader sees them: current state, group, 90-day bar.

Built from the public catalog (in the file's order, grouped as Statuspage groups: a group shows
where its first component is) and the public impacts of the days shown (bot.storage.history),
by bot.domain.availability. Each day of a bar says in words what its colour shows
("17 Feb 2022: major outage for 1h 58m"), in the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.affects import ComponentImpact
from bot.domain.availability import DAYS_SHOWN, Day, History, current_state, history, minutes, percent
from bot.domain.catalog import Component, ComponentState
from bot.domain.language import Language

# The states a day's words name, the worst first.
_NAMED = (ComponentState.MAJOR, ComponentState.PARTIAL, ComponentState.DEGRADED)


@dataclass(frozen=True)
class DayCell:
    day: date
    state: ComponentState  # the worst that day: the cell's colour
    label: str  # "17 Feb 2022: major outage for 1h 58m"


@dataclass(frozen=True)
class ComponentView:
    id: str
    name: str
    description: str
    state: ComponentState  # now
    state_label: str
    bar_label: str  # what the list of days is, for a screen reader
    days: list[DayCell]
    uptime: str  # "99.90% uptime"
    history: History
    changed_at: datetime | None  # its state last changed (among the days shown), None: not then


@dataclass(frozen=True)
class GroupView:
    name: str | None  # None: components in no group
    components: list[ComponentView]


@dataclass(frozen=True)
class ComponentsView:
    groups: list[GroupView]
    language: Language
    zone: ZoneInfo
    days: int = DAYS_SHOWN

    def word(self, key: str, **parts: object) -> str:
        return self.language.text(f"page.components.{key}").format(**parts)

    @property
    def components(self) -> list[ComponentView]:
        return [component for group in self.groups for component in group.components]

    @property
    def oldest(self) -> str:
        return self.word("oldest", days=self.days)

    @property
    def footnote(self) -> str:
        return self.word("footnote", days=self.days, zone=self.zone.key)


def components_view(
    components: Sequence[Component],
    impacts: Iterable[ComponentImpact],
    *,
    language: Language,
    zone: ZoneInfo,
    now: datetime,
    days: int = DAYS_SHOWN,
) -> ComponentsView:
    """`components`: the public ones, in the catalog's order; `impacts`: the public impacts of the
    days shown, on any component."""
    by_component: dict[str, list[ComponentImpact]] = {}
    for impact in impacts:
        by_component.setdefault(impact.component_id, []).append(impact)
    groups: list[GroupView] = []
    placed: dict[str | None, GroupView] = {}
    for component in components:
        kept = by_component.get(component.id, [])
        view = _component(component, kept, language=language, zone=zone, now=now, days=days)
        group = placed.get(component.group) if component.group is not None else None
        if group is None and component.group is None and groups and groups[-1].name is None:
            group = groups[-1]  # ungrouped components side by side stay together
        if group is None:
            group = GroupView(component.group, [])
            groups.append(group)
            if component.group is not None:
                placed[component.group] = group
        group.components.append(view)
    return ComponentsView(groups, language, zone, days)


def states_now(components: Sequence[Component], impacts: Iterable[ComponentImpact]) -> list[ComponentState]:
    """Each of `components`' state now: the worst of the public impacts on it that still hold."""
    holding: dict[str, list[ComponentImpact]] = {}
    for impact in impacts:
        holding.setdefault(impact.component_id, []).append(impact)
    return [current_state(holding.get(component.id, ())) for component in components]


def _component(
    component: Component,
    impacts: list[ComponentImpact],
    *,
    language: Language,
    zone: ZoneInfo,
    now: datetime,
    days: int,
) -> ComponentView:
    name = component.name(language.code)
    shown = history(impacts, now=now, zone=zone, count=days)
    state = current_state(impacts)
    return ComponentView(
        id=component.id,
        name=name,
        description=component.description,
        state=state,
        state_label=state_label(state, language),
        bar_label=language.text("page.components.history").format(name=name, days=days),
        days=[DayCell(day.day, day.worst, day_label(day, language)) for day in shown.days],
        uptime=language.text("page.components.uptime").format(percent=percentage(shown.availability, language)),
        history=shown,
        changed_at=max(
            (moment for impact in impacts for moment in (impact.started_at, impact.ended_at) if moment is not None),
            default=None,
        ),
    )


def state_label(state: ComponentState, language: Language) -> str:
    """ "Major outage": a state as a label, in the reader's language."""
    return language.text(f"page.component_state.{state.value}")


def day_label(day: Day, language: Language) -> str:
    """ "17 Feb 2022: major outage for 1h 58m, partial outage for 20m", or "...: no outage"."""
    words = language.text("page.components.outage")
    said = [
        words.format(
            state=language.text(f"page.outage.{state.value}"), length=length_label(day.outage(state), language)
        )
        for state in _NAMED
        if minutes(day.outage(state))
    ]
    what = language.text("page.components.and").join(said) or language.text("page.components.no_outage")
    return language.text("page.components.day").format(date=date_label(day.day, language), what=what)


def date_label(day: date, language: Language) -> str:
    month = language.words("page.components.months")[day.month - 1]
    return language.text("page.components.date").format(day=day.day, month=month, year=day.year)


def length_label(length: timedelta, language: Language) -> str:
    """ "1h 58m", "20m": a length in whole minutes (at least 1 when there was any)."""
    hours, left = divmod(minutes(length), 60)
    if hours:
        return language.text("page.components.hours_minutes").format(hours=hours, minutes=left)
    return language.text("page.components.minutes").format(minutes=left)


def percentage(availability: float, language: Language) -> str:
    """ "99.90%" ("99,90 %"): two decimals, never rounded up; "100%" only without any outage."""
    value = percent(availability)
    number = "100" if value >= 100 else f"{value:.2f}".replace(".", language.text("page.components.decimal"))
    return language.text("page.components.percent").format(number=number)
