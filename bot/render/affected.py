"""The catalog components an incident affects, as the pinned card lists them (bot.domain.affects),
and as the open modal offers them.

Open: each component it affects now, with its state and since when. Resolved: the components it
affected, back to operational at the resolution. Names come from the catalog in the first
configured language; a component the catalog no longer has shows by its id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.affects import MODAL_DEFAULT, MODAL_STATES, PHRASES, ComponentImpact, current
from bot.domain.catalog import Catalog, Component, ComponentState
from bot.domain.incident import Incident
from bot.domain.markup import escape
from bot.domain.timefmt import incident_time
from bot.render import actions
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

    def at(moment: datetime) -> str:
        return incident_time(moment, zone, began=incident.impact_started_at, opened=incident.opened_at)

    holding = current(impacts)
    if holding:
        lines = [
            f"{STATE_EMOJI[impact.state]} {name(impact.component_id)}: {PHRASES[impact.state]} since "
            f"{at(impact.started_at)}"
            for impact in sorted(holding.values(), key=lambda impact: (-impact.state.rank, impact.started_at))
        ]
        return "Affects", lines
    ended = max(impact.ended_at for impact in impacts if impact.ended_at is not None)
    names = ", ".join(dict.fromkeys(name(impact.component_id) for impact in impacts))
    since = at(ended)
    return "Affected", [f"{STATE_EMOJI[ComponentState.OPERATIONAL]} {names}: operational since {since}"]


MODAL_OPTIONS = 100  # Slack's most options in a static menu, and in one answer to a menu's typeahead
_TEXT = 75  # Slack's longest option text and group label


def component_inputs(components: Sequence[Component], language: str, render: Any) -> list[dict[str, Any]]:
    """The open modal's two inputs: which components it affects and how badly (a partial outage
    unless chosen); none without a catalog. `render(text)` makes a plain_text object.

    Up to 100 components (Slack's most in a static menu) are all listed, in the catalog's order,
    grouped as the catalog groups them. More are searched: the menu asks the app for the ones
    matching what the person types, from the first letter (`component_options`)."""
    if not components:
        return []
    element: dict[str, Any] = {"action_id": actions.INPUT}
    if len(components) <= MODAL_OPTIONS:
        element.update(type="multi_static_select", placeholder=render("What people cannot use"))
        element.update(component_options(components, language, render))
    else:
        element.update(type="multi_external_select", placeholder=render("Type a name or id"), min_query_length=0)
    states = [{"text": render(PHRASES[state].capitalize()), "value": state.value} for state in MODAL_STATES]
    return [
        {
            "type": "input",
            "block_id": actions.COMPONENTS_INPUT,
            "optional": True,
            "label": render("Affected components"),
            "hint": render("On the status page from the first published update (internal ones never)"),
            "element": element,
        },
        {
            "type": "input",
            "block_id": actions.COMPONENT_STATE_INPUT,
            "optional": True,
            "label": render("How badly"),
            "element": {
                "type": "static_select",
                "action_id": actions.INPUT,
                "options": states,
                "initial_option": states[MODAL_STATES.index(MODAL_DEFAULT)],
            },
        },
    ]


def component_options(components: Sequence[Component], language: str, render: Any) -> dict[str, Any]:
    """The menu's options (the first 100 of `components`): each named in `language`, an internal
    one marked so, its value its id; as `option_groups` by the catalog's `group` when any has one."""

    def option(component: Component) -> dict[str, Any]:
        name = component.name(language) + ("" if component.public else " (internal)")
        return {"text": render(cut(name)), "value": component.id}

    offered = components[:MODAL_OPTIONS]
    if not any(component.group for component in offered):
        return {"options": [option(component) for component in offered]}
    groups: dict[str, list[dict[str, Any]]] = {}
    for component in offered:
        groups.setdefault(component.group or "Other", []).append(option(component))
    return {"option_groups": [{"label": render(cut(label)), "options": each} for label, each in groups.items()]}


def cut(text: str) -> str:
    return text if len(text) <= _TEXT else text[: _TEXT - 1] + "…"
