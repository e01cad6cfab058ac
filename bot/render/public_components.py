"""The catalog's public components as one reader sees them: current state, group, 90-day bar.

Built from the public catalog (in the file's order, grouped as Statuspage groups: a group shows
where its first component is) and the public impacts of the days shown (bot.storage.history),
by bot.domain.availability. Each day of a bar says in words what its colour shows
("17 Feb 2022: major outage for 1h 58m"), in the reader's language.

A page has 90 cells per component (4,500 for 50): the days and their words are worked out once
per render and shared by every component, and each bar is written as one piece of HTML here
rather than a template loop. The JSON needs no bars (`history=False`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from bot.domain.affects import ComponentImpact
from bot.domain.availability import DAYS_SHOWN, Day, History, Period, current_state, history, minutes, percent
from bot.domain.catalog import Component, ComponentState
from bot.domain.language import Language

# The states a day's words name, the worst first.
_NAMED = (ComponentState.MAJOR, ComponentState.PARTIAL, ComponentState.DEGRADED)
_CELL = '<li class="day day-{state}"><span class="day-label">{label}</span></li>'  # the label escaped below


@dataclass(frozen=True)
class DayCell:
    day: date
    state: ComponentState  # the worst that day: the cell's colour
    label: str  # "17 Feb 2022: major outage for 1h 58m"

    @cached_property
    def html(self) -> str:
        """The cell as an HTML list item (a quiet day's is shared by every component of a page)."""
        # str.format: Markup.format's formatter is 20 times slower, and 50 components make 4,500 cells
        return _CELL.format(state=self.state.value, label=escape(self.label))


@dataclass(frozen=True)
class ComponentView:
    id: str
    name: str
    description: str
    state: ComponentState  # now
    state_label: str
    changed_at: datetime | None  # its state last changed (among the days shown), None: not then
    bar_label: str = ""  # what the list of days is, for a screen reader
    days: list[DayCell] = field(default_factory=list)  # none when built without history
    uptime: str = ""  # "99.90% uptime"
    history: History | None = None

    @property
    def cells(self) -> Markup:
        """The bar's days as HTML list items, each coloured by its state and labelled in words."""
        return Markup("\n".join(cell.html for cell in self.days))  # noqa: S704 - each label escaped (DayCell.html)


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
    bars: bool = True,
) -> ComponentsView:
    """`components`: the public ones, in the catalog's order; `impacts`: the public impacts of the
    days shown, on any component; `bars`: with each one's days and uptime (the page), else its
    state and last change only (the JSON)."""
    by_component: dict[str, list[ComponentImpact]] = {}
    for impact in impacts:
        by_component.setdefault(impact.component_id, []).append(impact)
    shown = _Days(Period.ending(now, zone, days), language, zone) if bars and components else None
    groups: list[GroupView] = []
    placed: dict[str | None, GroupView] = {}
    for component in components:
        view = _component(component, by_component.get(component.id, []), language, shown)
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


class _Days:
    """The days of one render and the words each one's label starts with, worked out once."""

    def __init__(self, period: Period, language: Language, zone: ZoneInfo) -> None:
        self.period = period
        self.language = language
        self.zone = zone
        self.dates = [date_label(day, language) for day in period.days]
        self.quiet = [day_label_text(said, language.text("page.components.no_outage"), language) for said in self.dates]
        # a component nothing affected in these days: the same history and cells for each
        self.quiet_history = History(
            tuple(
                Day(day, end - start) for day, start, end in zip(period.days, period.starts, period.ends, strict=True)
            )
        )
        self.quiet_cells = [
            DayCell(day, ComponentState.OPERATIONAL, said) for day, said in zip(period.days, self.quiet, strict=True)
        ]

    def cells(self, shown: History) -> list[DayCell]:
        if shown is self.quiet_history:
            return self.quiet_cells
        return [
            DayCell(day.day, day.worst, day_label(day, self.language, self.dates[index]) if day.spent else quiet)
            for index, (day, quiet) in enumerate(zip(shown.days, self.quiet, strict=True))
        ]


def _component(
    component: Component, impacts: list[ComponentImpact], language: Language, shown: _Days | None
) -> ComponentView:
    name = component.name(language.code)
    state = current_state(impacts)
    changed = max(
        (moment for impact in impacts for moment in (impact.started_at, impact.ended_at) if moment is not None),
        default=None,
    )
    view = ComponentView(
        id=component.id,
        name=name,
        description=component.description,
        state=state,
        state_label=state_label(state, language),
        changed_at=changed,
    )
    if shown is None:
        return view
    past = (
        history(impacts, now=shown.period.ends[-1], zone=shown.zone, period=shown.period)
        if impacts
        else shown.quiet_history
    )
    return replace(
        view,
        bar_label=language.text("page.components.history").format(name=name, days=len(shown.period.days)),
        days=shown.cells(past),
        uptime=language.text("page.components.uptime").format(percent=percentage(past.availability, language)),
        history=past,
    )


def state_label(state: ComponentState, language: Language) -> str:
    """ "Major outage": a state as a label, in the reader's language."""
    return language.text(f"page.component_state.{state.value}")


def day_label(day: Day, language: Language, date_text: str | None = None) -> str:
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
    return day_label_text(date_text or date_label(day.day, language), what, language)


def day_label_text(date_text: str, what: str, language: Language) -> str:
    return language.text("page.components.day").format(date=date_text, what=what)


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
