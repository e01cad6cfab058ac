"""The kinds of Slack work the outbox records: the `kind` column of each row.

Each kind has one payload class (`bot.outbox.payloads`); the value is what is stored, so a value
never changes once released (rows of a deployed database must still load).
"""

from __future__ import annotations

from enum import StrEnum


class EffectKind(StrEnum):
    CREATE_CHANNEL = "channel.create"
    INVITE = "channel.invite"
    SET_TOPIC = "channel.topic"
    POST_CARD = "card.post"
    UPDATE_CARD = "card.update"
    POST_TIMELINE = "timeline.post"
    ANNOUNCE = "announce"
    TELL_CHANNEL_READY = "reply.channel_ready"
    FETCH_MESSAGE = "message.fetch"
    ACKNOWLEDGE_MESSAGE = "message.acknowledge"
    OPEN_INCIDENT_MODAL = "view.open"  # (until the edit modal had its own kind, both modals were this one)
    OPEN_DRAFT_EDITOR = "view.open_draft"
    POST_DRAFT = "draft.post"
    UPDATE_DRAFT = "draft.update"
    PUBLISH_DRAFT = "draft.publish"
    POST_REMINDER = "reminder.post"
    # Not Slack work: the outbox's pause while Slack refuses the token (see bot.outbox.sender)
    AUTH_HOLD = "outbox.auth_hold"


# Rendered from the incident's current state when sent, so only the newest pending one matters.
SUPERSEDED_BY_LATER = frozenset({EffectKind.UPDATE_CARD, EffectKind.SET_TOPIC})
