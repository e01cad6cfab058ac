"""The catalog components an incident affects, as the pinned card lists them (bot.domain.affects).

Open: each component it affects now, with its state and since when. Resolved: the components it
affected, back to operational at the resolution. Names come from the catalog in the first
configured language; a component the catalog no longer has shows by its id.
"""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.domain.affects import PHRASES, ComponentImpact, current
from bot.domain.catalog import Catalog, ComponentState
from bot.domain.incident import Incident
from bot.domain.markup import escape
from bot.domain.timefmt import day_and_time
from bot.render.timeline import STATE_EMOJI


def affected_lines(
    incident: Incident, impacts: Sequence[ComponentImpact], catalog: Catalog, zone: ZoneInfo, language: str
) -> tuple[str, list[str]]:
    """The heading (`Affects`, or `Affected` once none is) and one line per component; no lines
    when the incident never affected one."""
    if not impacts:
        return "Affects", []

    def name(component_id: str) -> str:
        component = catalog.get(component_id)
        return escape(component.name(language) if component is not None else component_id)

    holding = current(impacts)
    if holding:
        lines = [
            f"{STATE_EMOJI[impact.state]} {name(impact.component_id)}: {PHRASES[impact.state]} since "
            f"{day_and_time(impact.started_at, zone, relative_to=incident.impact_started_at)}"
            for impact in sorted(holding.values(), key=lambda impact: (-impact.state.rank, impact.started_at))
        ]
        return "Affects", lines
    ended = max(impact.ended_at for impact in impacts if impact.ended_at is not None)
    names = ", ".join(dict.fromkeys(name(impact.component_id) for impact in impacts))
    since = day_and_time(ended, zone, relative_to=incident.impact_started_at)
    return "Affected", [f"{STATE_EMOJI[ComponentState.OPERATIONAL]} {names}: operational since {since}"]
