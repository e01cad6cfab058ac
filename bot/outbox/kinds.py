"""The kinds of Slack work the service records in the outbox (shared by storage and Slack)."""

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
    OPEN_VIEW = "view.open"
    POST_DRAFT = "draft.post"
    UPDATE_DRAFT = "draft.update"
    PUBLISH_DRAFT = "draft.publish"
    # Not Slack work: the outbox's pause while Slack refuses the token (see bot.outbox.sender)
    AUTH_HOLD = "outbox.auth_hold"


# Rendered from the incident's current state when sent, so only the newest pending one matters.
SUPERSEDED_BY_LATER = frozenset({EffectKind.UPDATE_CARD, EffectKind.SET_TOPIC})
