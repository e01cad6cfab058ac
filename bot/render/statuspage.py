"""Statuspage's public API v2 shapes (summary, status, components, incidents, unresolved), field
by field.

Readers and aggregators written for Atlassian Statuspage read these unchanged: the same field
names, ISO 8601 UTC times with milliseconds, `status.indicator` none/minor/major/critical and its
`description` in Statuspage's words (bot.domain.public.overall: from the components' states, and
open incidents that affect none by their severity), incident `status`
investigating/identified/monitoring/resolved and `impact` (from the worst state it put a public
component in, else its severity), component `status` operational/degraded_performance/
partial_outage/major_outage, and each update's `affected_components` (`code`, `name`,
`old_status`, `new_status`: the components as they stood at its publication). A catalog group
is a component with `group: true` listing its components' ids, each of which names it in
`group_id`; a component's id is its catalog id.
`created_at` of a component is when it first appeared in the catalog as stored (a group's: its
first component's; bot.storage.catalog), or its last change if that was earlier (an incident
dated back); `updated_at` its last change among the days the page shows, else `created_at`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.domain.affects import states_at
from bot.domain.catalog import ComponentState
from bot.domain.incident import Status
from bot.domain.public import Headline, incident_id, public_id, update_id
from bot.render.public_components import ComponentsView, ComponentView
from bot.render.public_views import PublicIncident

Json = dict[str, Any]


def timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def page_id(namespace: str) -> str:
    return public_id(namespace, "page").hex[:12]


def page(*, namespace: str, name: str, url: str, zone: str, updated: datetime | None) -> Json:
    return {"id": page_id(namespace), "name": name, "url": url, "time_zone": zone, "updated_at": timestamp(updated)}


def status(headline: Headline) -> Json:
    return {"indicator": headline.indicator.value, "description": headline.value}


def components(view: ComponentsView, *, namespace: str, added: Mapping[str, datetime]) -> list[Json]:
    """The page's components in its order, each group before its own; `added`: when each
    component first appeared in the catalog, by id (bot.storage.history.added: every one shown)."""
    documents: list[Json] = []
    for position, group in enumerate(view.groups, start=1):
        if group.name is None:
            documents += [
                component(each, namespace=namespace, position=position + index, created=added[each.id])
                for index, each in enumerate(group.components)
            ]
            continue
        group_id = public_id(namespace, "group", group.name).hex[:12]
        created = min(added[each.id] for each in group.components)
        changes = [each.changed_at for each in group.components if each.changed_at is not None]
        documents.append(
            _component(
                group_id,
                group.name,
                ComponentState.worst(each.state for each in group.components),
                namespace=namespace,
                position=position,
                created=created,
                updated=max(changes, default=created),
                group={"group": True, "components": [each.id for each in group.components]},
            )
        )
        documents += [
            component(each, namespace=namespace, position=index, created=added[each.id], group_id=group_id)
            for index, each in enumerate(group.components, start=1)
        ]
    return documents


def component(
    view: ComponentView, *, namespace: str, position: int, created: datetime, group_id: str | None = None
) -> Json:
    return _component(
        view.id,
        view.name,
        view.state,
        namespace=namespace,
        position=position,
        created=created,
        updated=view.changed_at or created,
        description=view.description or None,
        group={"group_id": group_id, "group": False},
    )


def _component(
    key: str,
    name: str,
    state: ComponentState,
    *,
    namespace: str,
    position: int,
    created: datetime,
    updated: datetime,
    group: Json,
    description: str | None = None,
) -> Json:
    document: Json = {
        "id": key,
        "name": name,
        "status": state.value,
        "created_at": timestamp(min(created, updated)),
        "updated_at": timestamp(updated),
        "position": position,
        "description": description,
        "showcase": not group.get("group", False),
        "start_date": None,
        "group_id": None,
        "page_id": page_id(namespace),
        "only_show_if_degraded": False,
    }
    document.update(group)
    return document


def incident(
    view: PublicIncident, *, namespace: str, page_url: str, components_now: Mapping[str, Json] | None = None
) -> Json:
    """`components_now`: the page's components as `components` gives them, by id (the incident's
    own are listed in their state now, as Statuspage lists them)."""
    known = components_now or {}
    listed = view.listed
    affected = affected_components(view, known)
    key = incident_id(namespace, listed).hex[:12]
    updates: list[Json] = [
        {
            "id": update_id(namespace, listed, update.key).hex[:12],
            "status": update.key.status.value,
            "body": update.text,
            "incident_id": key,
            "created_at": timestamp(update.key.published_at),
            "updated_at": timestamp(update.key.changed_at),
            "display_at": timestamp(update.key.published_at),
            "affected_components": affected.get(update.key.published_at),
            "deliver_notifications": True,
            "custom_tweet": None,
            "tweet_id": None,
        }
        for update in view.updates
    ]
    monitoring = [u.key.published_at for u in view.updates if u.key.status is Status.MONITORING]
    return {
        "id": key,
        "name": view.name,
        "status": view.status.value,
        "created_at": timestamp(listed.listed_at),
        "updated_at": timestamp(listed.changed_at),
        "monitoring_at": timestamp(min(monitoring)) if monitoring else None,
        "resolved_at": timestamp(listed.resolved_at) if not view.status.is_open else None,
        "impact": view.impact.value,
        "shortlink": f"{page_url}#{view.anchor}",
        "started_at": timestamp(listed.started_at),
        "page_id": page_id(namespace),
        "incident_updates": updates,
        "components": [known[each.id] for each, _ in view.components if each.id in known],
    }


def affected_components(view: PublicIncident, known: Mapping[str, Json]) -> dict[datetime, list[Json] | None]:
    """Each update's `affected_components`, by its publication time, as Statuspage gives them:
    every public component the incident had affected by then (`known`: the page's components by
    id, in its order), with its `old_status` at the update before (operational before the first)
    and its `new_status` at this one, from the stored impacts; None (Statuspage's `null`) for an
    update by whose time it had affected none."""
    impacts = [impact for impact in view.listed.impacts if impact.component_id in known]
    said: dict[datetime, list[Json] | None] = {}
    before: dict[str, ComponentState] = {}
    for published in sorted({update.key.published_at for update in view.updates}):
        then = states_at(impacts, published)
        said[published] = [
            {
                "code": key,
                "name": document["name"],
                "old_status": before.get(key, ComponentState.OPERATIONAL).value,
                "new_status": then[key].value,
            }
            for key, document in known.items()
            if key in then and not document["group"]
        ] or None
        before = then
    return said
