"""Private incidents (docs/behaviour.md, Private incidents): pure rules.

A private incident (opened with `--private`, or made private later) never reaches the public:
no announcement, no status page, no feeds, and Publish is refused. In `list` and `timeline`, and
for every change, it is there only for the people it is known to involve (its opener and its role holders: lead, comms,
scribe) and to anyone asking from inside its own channel (a private channel: only its members
can type there). The bot decides this without asking Slack, so an ack never waits for it.

Made public, it appears on the status page from its next published update: what was published
before (while it was public earlier) stays off, so nothing said before it went private
reappears (`public_since`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.domain.incident import EntryKind, Incident, TimelineEntry
from bot.domain.roles import people
from bot.errors import NotFound, RuleRefused

PRIVATE = "private"
PUBLIC = "public"


@dataclass(frozen=True)
class Withdrawn:
    """What of an incident made private is being withdrawn from everyone's view (bot.public_copies):
    the channel of each of its announcements, and how many published updates it had."""

    announced: tuple[str, ...] = ()
    updates: int = 0


def make_private(incident: Incident, *, actor: str, now: datetime) -> tuple[Incident, TimelineEntry]:
    if incident.private:
        raise RuleRefused(f"{incident.name} is already private.")
    entry = TimelineEntry(at=now, recorded_at=now, actor=actor, kind=EntryKind.VISIBILITY, text=PRIVATE)
    return replace(incident, private=True), entry


def make_public(incident: Incident, *, actor: str, now: datetime) -> tuple[Incident, TimelineEntry]:
    if not incident.private:
        raise RuleRefused(f"{incident.name} is already public: it is not private, so there is nothing to make public.")
    entry = TimelineEntry(at=now, recorded_at=now, actor=actor, kind=EntryKind.VISIBILITY, text=PUBLIC)
    return replace(incident, private=False, public_since=now), entry


def has_public_channel(incident: Incident) -> bool:
    """Its channel is one anyone in the workspace can find, join and read (it was opened public)."""
    return incident.channel_id is not None and not incident.channel_private


def move_to_private_channel(incident: Incident, *, former: str, actor: str, now: datetime) -> TimelineEntry:
    """A private incident leaves its public channel (`former`, its name) for a new private one:
    the entry that records who asked and when; the outbox does the move (bot.channel_moves)."""
    if not incident.private:
        raise RuleRefused(
            f"{incident.name} is public, so its channel stays as it is. "
            f"To move it to a private channel, make it private first: `/incident private {incident.name}`."
        )
    if incident.channel_id is None:
        raise RuleRefused(f"{incident.name} has no channel yet; the one it gets will be private.")
    if incident.channel_private:
        raise RuleRefused(f"{incident.name}'s channel is already private: there is nothing to move.")
    return TimelineEntry(at=now, recorded_at=now, actor=actor, kind=EntryKind.CHANNEL, text=former)


def involved(incident: Incident) -> set[str]:
    """Who a private incident shows to anywhere: its opener and its role holders."""
    return people(incident) | {incident.opened_by}


def visible_to(incident: Incident, *, user_id: str, channel_id: str | None) -> bool:
    """Whether `list`, `timeline` or a change may show or touch the incident for `user_id` asking in `channel_id`."""
    if not incident.private:
        return True
    return user_id in involved(incident) or (channel_id is not None and channel_id == incident.channel_id)


def check_visible(incident: Incident, *, user_id: str, channel_id: str | None) -> None:
    """Refuse anything of a private incident (seeing it, changing it, naming it from elsewhere) to
    someone it does not involve, outside its channel: as if it did not exist, and saying why."""
    if not visible_to(incident, user_id=user_id, channel_id=channel_id):
        raise NotFound(
            f"{incident.name} is private: only its opener and role holders, or anyone in its own channel, "
            "can see or change it."
        )


def check_follow_up_finisher(
    incident: Incident, *, follow_up_id: int, owner: str | None, user_id: str, channel_id: str | None
) -> None:
    """A follow-up of a private incident is finished by its owner (their App Home lists it, with
    the incident's name only) or by someone the incident shows to; anyone else is refused."""
    if user_id != owner and not visible_to(incident, user_id=user_id, channel_id=channel_id):
        raise NotFound(
            f"Follow-up #{follow_up_id} belongs to {incident.name}, which is private: only its owner, the "
            "incident's opener and role holders, or anyone in the incident's own channel can finish it."
        )


def refuse_publishing(incident: Incident) -> None:
    """Publish is refused while the incident is private: nothing of it reaches the public."""
    if incident.private:
        raise RuleRefused(
            f"{incident.name} is private: nothing of it is published. If the public should hear about it, "
            f"make it public first with `/incident public {incident.name}`, then publish a new draft."
        )
