"""Listed incidents -> what one reader sees, in one language: the view the templates render.

Every user text passes `clean` (characters XML cannot carry are dropped; in feeds, bidi controls
too, so a right-to-left override cannot reorder a feed reader's line). Times are given twice:
in INCIDENT_TIMEZONE as the reader's language writes them (`bot.domain.language.public_time`:
"2022-02-17 21:47 IST", "2022-02-17 à 21 h 47 (UTC+5:30)"), and in UTC for `<time datetime>`
and the feeds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from bot.domain.affects import current
from bot.domain.catalog import Component, ComponentState
from bot.domain.incident import Status
from bot.domain.language import Language, public_day_and_time, public_duration
from bot.domain.public import (
    RESOLVED_SHOWN_FOR,
    ListedIncident,
    PublicImpact,
    ShownUpdate,
    incident_id,
    incident_impact,
    public_ids,
    shown_impacts,
    updates_for,
)
from bot.render.public_components import ComponentsView
from bot.render.public_links import PAGE, SUMMARY, Links, feed_route

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def clean(text: str, *, feed: bool = False) -> str:
    text = _NOT_XML.sub("", text)
    return _BIDI_CONTROLS.sub("", text) if feed else text


@dataclass(frozen=True)
class Moment:
    at: datetime  # in UTC
    shown: str  # 2022-02-17 21:47 IST, in the reader's language
    utc: str  # 2022-02-17T16:17:00Z

    @property
    def rfc822(self) -> str:
        """Thu, 17 Feb 2022 16:17:00 +0000 (RSS)"""
        return format_datetime(self.at)

    def html(self) -> Markup:
        # an f-string on escaped parts: Markup.format's formatter costs more than the rest of a
        # moment (`utc` is digits and separators only)
        return Markup(f'<time datetime="{self.utc}">{escape(self.shown)}</time>')  # noqa: S704


def moment(value: datetime, zone: ZoneInfo, language: Language) -> Moment:
    utc = value.astimezone(UTC)
    iso = utc.replace(tzinfo=None).isoformat(timespec="seconds")
    return Moment(at=utc, shown=public_day_and_time(utc, zone, language), utc=f"{iso}Z")


class Moments:
    """The moments of one render in one language, each distinct time worded once: a page shows
    hundreds, most of them twice (an update's publication is also when it last changed); and
    likewise how long each resolved incident lasted (`lasted`), many of them alike once rounded."""

    def __init__(self, zone: ZoneInfo, language: Language) -> None:
        self.zone = zone
        self.language = language
        self._worded: dict[datetime, Moment] = {}
        self._lengths: dict[timedelta, str] = {}

    def lasted(self, length: timedelta) -> str:
        """ "for almost two hours", as the reader's language says it."""
        found = self._lengths.get(length)
        if found is None:
            found = self._lengths[length] = public_duration(length, self.language)
        return found

    def __call__(self, value: datetime) -> Moment:
        found = self._worded.get(value)
        if found is None:
            found = self._worded[value] = moment(value, self.zone, self.language)
        return found


@dataclass(frozen=True)
class UpdateView:
    key: ShownUpdate
    status: str  # in the reader's words
    text: str
    language: str
    posted: Moment
    corrected: Moment | None  # its text was corrected then
    updated: Moment  # the correction, else the publication
    correction: str  # "updated 2022-02-17 22:05 IST" in the reader's words, or ""
    fallback: str  # "Published in English." when not in the reader's language, else ""


@dataclass(frozen=True)
class PublicIncident:
    listed: ListedIncident
    anchor: str
    name: str
    status: Status
    status_label: str
    impact: PublicImpact
    updates: list[UpdateView]
    resolved: Moment | None
    disrupted: str  # "Disrupted for almost two hours." or ""
    # the public components it affects now (while open), else those it affected, each with its
    # state now or the worst it reached, in the catalog's order; `affects` says them in words
    components: list[tuple[Component, ComponentState]] = field(default_factory=list)
    affects: str = ""


@dataclass(frozen=True)
class SubscribeForm:
    """The subscription form under the page (mail subscriptions enabled, the page served)."""

    language: Language
    action: str  # the form's target, relative to the page
    components: list[tuple[str, str]]  # (catalog id, name in the reader's language)

    def word(self, key: str) -> str:
        return self.language.text(f"subscribe.{key}")


@dataclass(frozen=True)
class PageView:
    language: Language
    public_name: str
    indicator: PublicImpact
    open: list[PublicIncident]
    past: list[PublicIncident]
    languages: list[Language]
    zone: ZoneInfo
    links: Links  # relative, from the page
    subscribe: SubscribeForm | None = None
    components: ComponentsView | None = None  # None: the catalog has no public component

    def word(self, key: str, **parts: object) -> Markup:
        """The reader's wording for `page.<key>`, escaped, with `parts` filled in (Markup kept)."""
        return fill(self.language.text(f"page.{key}"), parts)

    @property
    def title(self) -> str:
        return self.language.text("page.title").format(public_name=self.public_name)

    @property
    def days(self) -> int:
        return RESOLVED_SHOWN_FOR.days

    def in_language(self, code: str) -> str:
        """A link to this page in another language."""
        return self.links.to(PAGE, code)

    def feed(self, kind: str) -> str:
        """A link to the history feed ("atom" or "rss") in the reader's language."""
        return self.links.to(feed_route(kind), self.language.code)

    @property
    def summary_json(self) -> str:
        return self.links.to(SUMMARY, self.language.code)


def fill(text: str, parts: Mapping[str, object]) -> Markup:
    """`text` escaped, its `{placeholders}` filled with `parts` escaped (Markup kept as it is): what
    `escape(text).format(**parts)` gives (the wording has no format specs), without Markup.format's
    formatter, which costs more than the rest of a page's sentence."""
    filled = str(escape(text)).format(**{name: escape(part) for name, part in parts.items()})
    return Markup(filled)  # noqa: S704 - the text and every part escaped above


def incident_view(
    incident: ListedIncident,
    language: Language,
    order: Sequence[str],
    zone: ZoneInfo,
    *,
    namespace: str,
    feed: bool = False,
    components: Sequence[Component] = (),
    public: frozenset[str] | None = None,
    moments: Moments | None = None,
) -> PublicIncident:
    """`components`: the public catalog's, in its order (`public`: their ids, when known);
    `moments`: the render's, shared by its incidents."""
    public = public_ids(components) if public is None else public
    moment = Moments(zone, language) if moments is None else moments
    updates = [
        UpdateView(
            key=shown,
            status=language.text(f"page.status.{shown.status.value}"),
            text=clean(shown.text, feed=feed),
            language=shown.language,
            posted=moment(shown.published_at),
            corrected=moment(shown.corrected_at) if shown.corrected_at else None,
            updated=moment(shown.changed_at),
            correction=language.text("page.corrected").format(time=moment(shown.corrected_at).shown)
            if shown.corrected_at
            else "",
            fallback=language.text("page.fallback").format(language=language.name_of(shown.language))
            if shown.fallback
            else "",
        )
        for shown in updates_for(incident, language.code, order)
    ]
    resolved = incident.resolved_at if not incident.status.is_open else None
    disrupted = ""
    if resolved is not None and incident.lasted is not None:
        disrupted = language.text("page.disrupted").format(duration=moment.lasted(incident.lasted))
    affected, holds = affected_components(incident, components, public)
    return PublicIncident(
        listed=incident,
        anchor=f"incident-{incident_id(namespace, incident).hex[:12]}",
        name=clean(incident.public_title, feed=feed) or language.text("page.neutral_title"),
        status=incident.status,
        status_label=language.text(f"page.status.{incident.status.value}"),
        impact=incident_impact(incident, public),
        updates=updates,
        resolved=moment(resolved) if resolved is not None else None,
        disrupted=disrupted,
        components=affected,
        affects=_affects(affected, holds, language),
    )


def affected_components(
    incident: ListedIncident, components: Sequence[Component], public: frozenset[str]
) -> tuple[list[tuple[Component, ComponentState]], bool]:
    """The public components the incident affects now, each in its state now (and True); once
    none is (or resolved), those it affected, each with the worst state it put it in (False)."""
    if not incident.impacts:
        return [], False
    shown = shown_impacts(incident, public)
    holding = current(shown)
    if holding:
        return [(each, holding[each.id].state) for each in components if each.id in holding], True
    worst: dict[str, ComponentState] = {}
    for impact in shown:
        worst[impact.component_id] = ComponentState.worst((impact.state, worst.get(impact.component_id, _UP)))
    return [(each, worst[each.id]) for each in components if each.id in worst], False


_UP = ComponentState.OPERATIONAL


def _affects(affected: list[tuple[Component, ComponentState]], holds: bool, language: Language) -> str:
    """ "Affects: Home page (major outage)." while it does, "Affected: ..." after; "" for none."""
    if not affected:
        return ""
    named = ", ".join(
        language.text("page.components.in_state").format(
            name=component.name(language.code), state=language.text(f"page.outage.{state.value}")
        )
        for component, state in affected
    )
    return language.text("page.components.affects" if holds else "page.components.affected").format(components=named)


def newest_first(incidents: Sequence[ListedIncident]) -> list[ListedIncident]:
    return sorted(incidents, key=lambda incident: (incident.updated_at, incident.key), reverse=True)
