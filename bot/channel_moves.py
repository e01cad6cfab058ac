"""A private incident leaves its public channel for a new private one (docs/behaviour.md, Private
incidents): the button under `/incident private`. One transaction records who asked and when (a
timeline entry) and queues the move as Slack work, so it waits out a slow or absent Slack: the
private channel made and the public one's members invited (`channel.move`), the incident's people
invited, its topic, card and the timeline so far posted there (`channel.leave` closing that
order); then, apart from the incident's work, the public channel made honest and quiet: its card
and topic replaced by a notice, renamed `inc-<n>-moved`, a note left, archived when Slack lets
the bot (`channel.vacate`). The incident's channel is the new
one from the moment Slack has made it; drafts proposed in the old one are stale, and the direct
messages of pages still waiting for an answer are edited to link the new one.

The same move is queued with nobody pressing anything when `/incident private` came while Slack was
still making the incident's channel, public as the incident was when that began: the channel's
record finds the incident private by then (`move_out`, handed to the outbox by the runtime)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.changes import Changed
from bot.clock import Clock
from bot.domain.incident import EntryKind, TimelineEntry
from bot.domain.visibility import PRIVATE, involved, move_to_private_channel
from bot.errors import RuleRefused
from bot.lookup import Where, locate
from bot.outbox import store
from bot.outbox.effect import Effect
from bot.outbox.kinds.copy_timeline import CopyTimeline
from bot.outbox.kinds.invite import Invite
from bot.outbox.kinds.leave_channel import LeaveChannel
from bot.outbox.kinds.move_channel import MoveChannel
from bot.outbox.kinds.post_card import PostCard
from bot.outbox.kinds.set_topic import SetTopic
from bot.outbox.kinds.update_draft import UpdateDraft
from bot.outbox.kinds.update_page import UpdatePage
from bot.outbox.kinds.vacate_channel import VacateChannel
from bot.storage import drafts, pages, repository
from bot.storage.db import Database
from bot.storage.repository import StoredIncident

MOVED = "the incident moved to a new private channel after it was written."


class ChannelMoves:
    """IncidentService's channel moves; the service gives it its database and clock."""

    db: Database
    clock: Clock

    def move_to_private_channel(self, where: Where, *, actor: str) -> Changed:
        """Refused, with nothing stored, for a public incident, one without a channel or with a
        private one already, and while an earlier move waits to be done."""
        with self.db.write() as session:
            stored = locate(session, where)
            now = self.clock()  # read once the row lock is held
            return Changed(incident=stored.incident, entry=_queue_move(session, stored, actor=actor, now=now))

    def move_out(self, session: Session, incident_id: int, channel_id: str) -> None:
        """In the transaction recording `channel_id`, the public channel Slack just made for the
        incident (`bot.outbox.kinds.create_channel`): when the incident was made private meanwhile
        (the command found no channel to offer the move from), the move is queued as the button
        queues it, asked by whoever made it private. Nothing for a public incident, a channel that
        is private or not its own, while a move waits, or in a write that is not one transaction
        (`Database.write_each` on PostgreSQL: the creation's own record is one)."""
        if not self.db.atomic(session):
            return
        stored = repository.get_by_id(session=session, incident_id=incident_id)
        incident = stored.incident
        if not incident.private or incident.channel_private or incident.channel_id != channel_id:
            return
        if store.waiting(session=session, incident_id=incident_id, kind=MoveChannel.kind):
            return
        _queue_move(session, stored, actor=_made_private_by(session, stored), now=self.clock())


def _queue_move(session: Session, stored: StoredIncident, *, actor: str, now: datetime) -> TimelineEntry:
    """The move's timeline entry and its Slack work, in order; refused (nothing stored) for a public
    incident, one without a channel or with a private one, and while an earlier move waits."""
    incident, old = stored.incident, stored.incident.channel_id
    entry = move_to_private_channel(incident, former=stored.channel_name or "", actor=actor, now=now)
    if store.waiting(session=session, incident_id=stored.id, kind=MoveChannel.kind):
        raise RuleRefused(f"{incident.name} is already moving to a new private channel.")
    assert old is not None  # the rule refuses an incident without a channel
    entry_id = repository.add_entry(session=session, incident_id=stored.id, entry=entry)
    for draft in drafts.proposed(session=session, incident_id=stored.id):  # their messages stay behind
        if drafts.mark_stale(session=session, draft_id=draft.id, reason=MOVED, now=now):
            store.enqueue(session=session, incident_id=stored.id, effect=UpdateDraft(draft_id=draft.id), now=now)
    effects: list[Effect] = [
        MoveChannel(from_channel=old),
        Invite(users=tuple(sorted(involved(incident) | {actor}))),
        SetTopic(),
        PostCard(),
        CopyTimeline(from_channel=old, until_entry=entry_id),
        LeaveChannel(from_channel=old),
        VacateChannel(from_channel=old, card_ts=stored.card_ts),  # apart: never holds the new channel back
    ]
    # pages still waiting for an answer: linking the new channel, not the archived one (after the move)
    waiting = [page.id for page in pages.of_incident(session=session, incident_id=stored.id) if page.state.is_open]
    effects += [UpdatePage(page_id=page_id) for page_id in waiting]
    store.enqueue_all(session=session, incident_id=stored.id, effects=effects, now=now)
    return entry


def _made_private_by(session: Session, stored: StoredIncident) -> str:
    """Who made the incident private last (its opener, if no entry says so)."""
    for each in reversed(repository.timeline(session=session, incident_id=stored.id)):
        if each.entry.kind is EntryKind.VISIBILITY and each.entry.text == PRIVATE:
            return each.entry.actor
    return stored.incident.opened_by
