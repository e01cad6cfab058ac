"""Incident roles (docs/behaviour.md, The slash command): lead, comms and scribe.

The lead is the opener by default and can be handed on but never cleared: an incident always has
a lead (`bot.domain.incident.set_lead`, timeline kind `lead`). Comms and scribe start unset; each
assignment or clearing is one timeline entry of kind `role` whose text is `"<role> <user id>"`,
or just `"<role>"` when the role was cleared. Roles are people: a bot, a guest or a deactivated
account cannot hold one. Pure: the caller looks the person up.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from enum import StrEnum

from bot.domain.incident import EntryKind, Incident, TimelineEntry, set_lead
from bot.errors import RuleRefused


class Role(StrEnum):
    LEAD = "lead"
    COMMS = "comms"
    SCRIBE = "scribe"


ROLE_TITLES = {Role.LEAD: "incident lead", Role.COMMS: "comms lead", Role.SCRIBE: "scribe"}
"""How a role is said in a sentence: "made *bob* the comms lead"."""


def holder(incident: Incident, role: Role) -> str | None:
    """Who holds `role` on `incident` (a Slack user id), or None when nobody does."""
    match role:
        case Role.LEAD:
            return incident.lead
        case Role.COMMS:
            return incident.comms
        case Role.SCRIBE:
            return incident.scribe


def people(incident: Incident) -> set[str]:
    """Everyone holding a role on `incident`."""
    return {person for role in Role if (person := holder(incident, role))}


def check_person(role: Role, *, is_bot: bool, is_guest: bool, deleted: bool) -> None:
    """Refuse a role for someone who cannot hold one."""
    title = ROLE_TITLES[role]
    if is_bot:
        raise RuleRefused(f"An app or bot cannot be the {title}: mention a person.")
    if is_guest:
        raise RuleRefused(f"A workspace guest cannot be the {title}: mention a member of the team.")
    if deleted:
        raise RuleRefused(f"That Slack account is deactivated, so it cannot be the {title}.")


def change_role(
    incident: Incident, *, role: Role, person: str | None, actor: str, now: datetime
) -> tuple[Incident, TimelineEntry]:
    """Give `role` to `person`, or clear it (`person=None`)."""
    if role is Role.LEAD:
        if person is None:
            raise RuleRefused(
                f"{incident.name} always has a lead, so the lead cannot be cleared: "
                f"make someone else the lead with `/incident role {incident.name} lead @person`."
            )
        return set_lead(incident, lead=person, actor=actor, now=now)
    current = holder(incident, role)
    if person is None and current is None:
        raise RuleRefused(f"{incident.name} has no {ROLE_TITLES[role]}: there is nothing to clear.")
    if person == current:
        raise RuleRefused(f"That person is already the {ROLE_TITLES[role]} of {incident.name}.")
    changed = replace(incident, comms=person) if role is Role.COMMS else replace(incident, scribe=person)
    text = role.value if person is None else f"{role.value} {person}"
    return changed, TimelineEntry(at=now, recorded_at=now, actor=actor, kind=EntryKind.ROLE, text=text)


def read_entry(entry: TimelineEntry) -> tuple[Role, str | None]:
    """The role an entry of kind `role` (or `lead`) changed, and who holds it now (None: cleared)."""
    if entry.kind is EntryKind.LEAD:
        return Role.LEAD, entry.text
    word, _, person = entry.text.partition(" ")
    return Role(word), person or None


def entry_people(entry: TimelineEntry) -> set[str]:
    """The person a `lead` or `role` entry names (so the timeline can show their name)."""
    if entry.kind in (EntryKind.LEAD, EntryKind.ROLE):
        person = read_entry(entry)[1]
        return {person} if person else set()
    return set()
