"""Which incident a command names (`Where`: the INC-n given, else the channel it was typed in),
and whether the person asking may reach it (docs/behaviour.md, Private incidents). Every service
finds its incident here."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.domain.incident import Incident, format_name
from bot.domain.visibility import check_visible
from bot.errors import NoIncidentHere, NotFound
from bot.storage import left_channels, repository
from bot.storage.db import Database
from bot.storage.repository import StoredIncident


@dataclass(frozen=True)
class Where:
    """Where a command was typed: the workspace, the channel, and the INC-n given (if any)."""

    team_id: str
    channel_id: str | None = None
    number: int | None = None
    user_id: str | None = None  # who asked (None: the bot itself): a private incident may refuse them


NOT_AN_INCIDENT_CHANNEL = (
    "This is not an incident channel: name the incident right after the subcommand, e.g. {example}."
)
"""The refusal of a command without INC-n outside an incident channel; `bot.slack.usage` gives
each subcommand's own example."""


def locate(session: Session, where: Where, *, lock: bool = True) -> StoredIncident:
    """The incident named by `where` (row-locked unless `lock=False`), or NotFound."""
    if where.number is not None:
        stored = repository.get_by_number(session=session, team_id=where.team_id, number=where.number, for_update=lock)
    elif where.channel_id:
        stored = repository.get_by_channel(session=session, channel_id=where.channel_id, for_update=lock)
    else:
        stored = None
    if stored is None:
        raise missing(session, where)
    check_involved(stored.incident, where)
    return stored


def check_involved(incident: Incident, where: Where) -> None:
    """A private incident is read and changed only by its people and from its own channel
    (docs/behaviour.md, Private incidents); the bot's own work (no `user_id`) is not asked."""
    if where.user_id is not None:
        check_visible(incident, user_id=where.user_id, channel_id=where.channel_id)


def not_found(where: Where) -> NotFound:
    """The refusal when `where` names no incident: the number given, or the channel."""
    if where.number is not None:
        return NotFound(f"There is no {format_name(where.number)} in this workspace.")
    return NoIncidentHere(NOT_AN_INCIDENT_CHANNEL.format(example="`/incident note INC-7 <text>`"))


def missing(session: Session, where: Where) -> NotFound:
    """`not_found`, unless the channel is one an incident left for a private one: then it says so
    (and no more than its number, which the channel's name had), so nobody types into it thinking
    they are changing the incident."""
    if where.number is None and where.channel_id:
        left = that_left(session, where.channel_id)
        if left is not None:
            return NotFound(left_behind(left.incident.name))
    return not_found(where)


def that_left(session: Session, channel_id: str) -> StoredIncident | None:
    """The incident whose channel `channel_id` was until it moved to a private one; None when no
    incident left it. What is done there is answered with `left_behind` and reaches nothing."""
    left = left_channels.incident_that_left(session=session, channel_id=channel_id)
    return None if left is None else repository.get_by_id(session=session, incident_id=left)


def missing_in(db: Database, where: Where) -> NotFound:
    """`missing`, read in a session of its own (for a command that found nothing without one)."""
    with db.read() as session:
        return missing(session, where)


def left_behind(name: str, *, doing: str = "Nothing was changed") -> str:
    """The answer to what is done in the public channel incident `name` left for a private one."""
    return (
        f"{doing}: this channel is no longer {name}'s. {name} was made private and moved to a private "
        "channel; its people work on it there."
    )
