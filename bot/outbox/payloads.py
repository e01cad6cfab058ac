"""One typed payload per kind of Slack work, and their JSON in the outbox's `payload` column.

The service records a payload (`store.enqueue(payload=Invite(users=(lead,)), ...)`); the
delivery receives it back, typed. `encode` and `decode` are the only code that reads or writes
the column. Its JSON keys are the fields' names, as they were before the payloads had types,
so rows recorded by an older version load unchanged; the two shapes that differ are converted
in `decode` (the incident modal nests its fields under "modal"; an edit modal recorded before
it had its own kind is a `view.open` row with a "draft_id").

A payload with an `entry_id` or a `draft_id` field (`AboutEntry`, `AboutDraft`) makes the
sender read that timeline entry or draft for the delivery (`bot.outbox.view`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar, Protocol, get_args, runtime_checkable

from bot.outbox.kinds import EffectKind


@dataclass(frozen=True)
class CreateChannel:
    """Create the incident's channel (or adopt ours of that name, after a crash)."""

    kind: ClassVar[EffectKind] = EffectKind.CREATE_CHANNEL


@dataclass(frozen=True)
class Invite:
    kind: ClassVar[EffectKind] = EffectKind.INVITE
    users: tuple[str, ...]


@dataclass(frozen=True)
class SetTopic:
    """The channel's topic, rendered from the incident as it is when sent."""

    kind: ClassVar[EffectKind] = EffectKind.SET_TOPIC
    entry_id: int | None = None


@dataclass(frozen=True)
class PostCard:
    """Post and pin the incident's card."""

    kind: ClassVar[EffectKind] = EffectKind.POST_CARD


@dataclass(frozen=True)
class UpdateCard:
    """The card as the incident is when sent; durations as they stood at `entry_id` (a close)."""

    kind: ClassVar[EffectKind] = EffectKind.UPDATE_CARD
    entry_id: int | None = None


@dataclass(frozen=True)
class PostTimeline:
    """The timeline entry's line in the incident channel."""

    kind: ClassVar[EffectKind] = EffectKind.POST_TIMELINE
    entry_id: int


@dataclass(frozen=True)
class Announce:
    """An opening, close or reopening in INCIDENT_ANNOUNCE_CHANNEL (`entry_id` says which)."""

    kind: ClassVar[EffectKind] = EffectKind.ANNOUNCE
    entry_id: int


@dataclass(frozen=True)
class TellChannelReady:
    """Tell `user` where the new channel is: through the command's `response_url`, or (from the
    modal) an ephemeral message in the `origin` channel, or else a direct message."""

    kind: ClassVar[EffectKind] = EffectKind.TELL_CHANNEL_READY
    user: str
    response_url: str | None = None
    origin: str | None = None


@dataclass(frozen=True)
class FetchMessage:
    """The message `user` put a :pushpin: on, to copy to the timeline."""

    kind: ClassVar[EffectKind] = EffectKind.FETCH_MESSAGE
    channel: str
    ts: str
    user: str


@dataclass(frozen=True)
class AcknowledgeMessage:
    """A reaction on a message copied to the timeline (`user` added it)."""

    kind: ClassVar[EffectKind] = EffectKind.ACKNOWLEDGE_MESSAGE
    entry_id: int
    ts: str
    user: str


@dataclass(frozen=True)
class OpenIncidentModal:
    """`/incident open` without a title; `private_metadata` is the channel it was typed in."""

    kind: ClassVar[EffectKind] = EffectKind.OPEN_INCIDENT_MODAL
    trigger_id: str
    severity: int
    private_metadata: str = ""


@dataclass(frozen=True)
class OpenDraftEditor:
    kind: ClassVar[EffectKind] = EffectKind.OPEN_DRAFT_EDITOR
    trigger_id: str
    draft_id: int


@dataclass(frozen=True)
class PostDraft:
    """The draft with its buttons in the incident channel."""

    kind: ClassVar[EffectKind] = EffectKind.POST_DRAFT
    draft_id: int


@dataclass(frozen=True)
class UpdateDraft:
    """The draft's message as the draft is when sent (edited, published, discarded, stale)."""

    kind: ClassVar[EffectKind] = EffectKind.UPDATE_DRAFT
    draft_id: int


@dataclass(frozen=True)
class PublishDraft:
    """The draft's text in INCIDENT_STATUS_CHANNEL, once."""

    kind: ClassVar[EffectKind] = EffectKind.PUBLISH_DRAFT
    draft_id: int


@dataclass(frozen=True)
class PostReminder:
    """A nudge or an escalation about an overdue public update (bot.domain.reminders), with its
    buttons; `version` is the schedule's version once it was claimed (the buttons' key)."""

    kind: ClassVar[EffectKind] = EffectKind.POST_REMINDER
    reminder: str  # a ReminderKind: nudge | escalation
    due: str  # ISO 8601: the update was due by
    noticed_at: str  # ISO 8601: when the scheduler claimed it
    late_seconds: float  # how long after its time it was claimed (a downtime, a clock jump)
    version: int


@dataclass(frozen=True)
class AuthCheck:
    """Not Slack work: the row that pauses the outbox while Slack refuses the token."""

    kind: ClassVar[EffectKind] = EffectKind.AUTH_HOLD


Payload = (
    CreateChannel
    | Invite
    | SetTopic
    | PostCard
    | UpdateCard
    | PostTimeline
    | Announce
    | TellChannelReady
    | FetchMessage
    | AcknowledgeMessage
    | OpenIncidentModal
    | OpenDraftEditor
    | PostDraft
    | UpdateDraft
    | PublishDraft
    | PostReminder
    | AuthCheck
)
PAYLOADS: dict[EffectKind, type[Payload]] = {cls.kind: cls for cls in get_args(Payload)}


@runtime_checkable
class AboutEntry(Protocol):
    @property
    def entry_id(self) -> int | None: ...


@runtime_checkable
class AboutDraft(Protocol):
    @property
    def draft_id(self) -> int: ...


class UnreadablePayload(ValueError):
    """A stored row this version cannot read: a kind it does not know, or not the keys it needs."""


def encode(payload: Payload) -> str:
    """The payload as stored in the `payload` column."""
    data: dict[str, Any] = asdict(payload)
    if isinstance(payload, OpenIncidentModal):  # the shape this kind has always been stored in
        data = {"trigger_id": payload.trigger_id, "modal": {key: data[key] for key in ("severity", "private_metadata")}}
    return json.dumps(data, sort_keys=True)


def decode(kind: str, text: str) -> Payload:
    """The payload of a stored row of `kind`; raises `UnreadablePayload` when this version cannot read it."""
    try:
        data: dict[str, Any] = json.loads(text) if text else {}
        if kind == EffectKind.OPEN_INCIDENT_MODAL:
            if "draft_id" in data:  # an edit modal recorded before it had its own kind
                kind = EffectKind.OPEN_DRAFT_EDITOR
            else:
                data = {"trigger_id": data["trigger_id"], **data["modal"]}
        cls = PAYLOADS[EffectKind(kind)]
        known = {field.name for field in fields(cls)}
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return cls(**{key: value for key, value in values.items() if key in known})
    except (ValueError, KeyError, TypeError) as error:
        raise UnreadablePayload(f"this version cannot read a {kind} payload ({error})") from error
