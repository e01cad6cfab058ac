"""Whose names a message shows, so that they are read (members table) before it is rendered: one
answer for the card, the topic, a timeline line, `/incident timeline` and the retrospective.

Every rendering shows a person by name (never an id, never a mention that pings), so anyone it may
show must be among the names it is given; whoever is left out reads as "someone".
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain import markup, paging, roles
from bot.domain.drafts import DraftRecord
from bot.domain.incident import Incident, TimelineEntry
from bot.domain.paging import Page, PageRequest
from bot.domain.retro import FollowUp, RelatedIncident


def in_incident(incident: Incident) -> set[str]:
    """Its opener, its role holders and whoever its title or impact mentions."""
    return (
        roles.people(incident)
        | {incident.opened_by}
        | markup.user_ids(incident.title)
        | markup.user_ids(incident.impact)
    )


def in_entry(entry: TimelineEntry) -> set[str]:
    """Who did it, whom it names (a role's new holder, the people paged) and whom its text mentions."""
    return {entry.actor} | roles.entry_people(entry) | paging.entry_people(entry) | markup.user_ids(entry.text)


def in_timeline(incident: Incident, entries: Sequence[TimelineEntry]) -> set[str]:
    return in_incident(incident).union(*(in_entry(entry) for entry in entries))


def in_draft(draft: DraftRecord) -> set[str]:
    """Who wrote, edited, published or discarded, and corrected it."""
    return {person for person in (draft.created_by, draft.edited_by, draft.decided_by, draft.corrected_by) if person}


def in_page(page: Page) -> set[str]:
    """The person paged, who paged them, and who acknowledged its request."""
    request = page.request
    return {page.user_id, request.paged_by} | ({request.acknowledged_by} if request.acknowledged_by else set())


def in_requests(requests: Sequence[PageRequest]) -> set[str]:
    """Who each request was for (a person) and who acknowledged it: the card's *Paged* lines."""
    people = {person for request in requests for person in request.target.people}
    return people | {request.acknowledged_by for request in requests if request.acknowledged_by}


def in_follow_up(item: FollowUp) -> set[str]:
    """Its owner and whoever its text mentions."""
    return ({item.owner} if item.owner else set()) | markup.user_ids(item.text)


def in_related(other: RelatedIncident) -> set[str]:
    """Whoever a related incident's title mentions."""
    return markup.user_ids(other.title)
