"""*Page someone else*'s picker (docs/behaviour.md, Paging): the modal the button under "nobody
answered" opens, offering people and the catalog's components with an on-call group, and what it
carries back to its submission (the incident, and the channel it was asked from: a private
incident's rules are read as there).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.catalog import Component
from bot.domain.markup import escape
from bot.render import actions
from bot.render.affected import MODAL_OPTIONS, component_options
from bot.render.blocks import plain
from bot.render.text import section

NOTHING_CHOSEN = "Choose whom to page: people, or a component's on-call group."


def modal(incident_name: str, components: Sequence[Component], language: str, metadata: str) -> dict[str, Any]:
    """The picker: people (any, as Slack lists them) and the components of the catalog that have an
    on-call group (listed as the open modal lists components: up to 100 in the menu, more searched
    as the person types), both optional: the submission checks that something was chosen."""
    people = {
        "type": "input",
        "block_id": actions.PAGE_PEOPLE_INPUT,
        "optional": True,
        "label": plain("People"),
        "element": {"type": "multi_users_select", "action_id": actions.INPUT, "placeholder": plain("Choose people")},
    }
    on_call = on_call_components(components)
    groups = []
    if on_call:
        element: dict[str, Any] = {"action_id": actions.INPUT}
        if len(on_call) <= MODAL_OPTIONS:  # listed in the menu, as the open modal lists them
            element.update(type="multi_static_select", placeholder=plain("Choose components"))
            element.update(component_options(on_call, language, plain))
        else:  # searched as the person types (`bot.slack.listeners`: the menus' options)
            element.update(type="multi_external_select", placeholder=plain("Type a name or id"), min_query_length=0)
        label = plain("Components (their on-call group)")
        block = {"type": "input", "block_id": actions.PAGE_COMPONENTS_INPUT, "optional": True, "label": label}
        groups.append({**block, "element": element})
    said = (
        f"Whom should I page for *{escape(incident_name)}*? Each person gets a direct message to acknowledge "
        "it and an invitation to the channel, as with `/incident page`."
    )
    return {
        "type": "modal",
        "callback_id": actions.PAGE_MODAL,
        "private_metadata": metadata,
        "title": plain("Page someone else"),
        "submit": plain("Page"),
        "close": plain("Cancel"),
        "blocks": [section(said), people, *groups],
    }


def on_call_components(components: Sequence[Component]) -> list[Component]:
    """The components the picker offers: those with an on-call group, in the catalog's order."""
    return [component for component in components if component.oncall]


def metadata(number: int, channel_id: str | None) -> str:
    """`7 C0123`: the incident's number and the channel the picker was asked from (if any)."""
    return f"{number} {channel_id}" if channel_id else str(number)


def read_metadata(text: str) -> tuple[int, str | None]:
    """What `metadata` wrote; ValueError for anything else."""
    number, _, channel = text.partition(" ")
    if not (number.isascii() and number.isdigit() and 0 < len(number) <= 18):
        raise ValueError(f"{text[:40]!r} names no incident")
    if channel and not (channel.isascii() and channel.isalnum() and len(channel) <= 32):
        raise ValueError(f"{text[:40]!r} names no channel")
    return int(number), channel or None
