"""Sending one outbox effect to Slack. No storage here: the sender passes in what it read.

`Delivery.send` either returns what Slack gave back that must be remembered (a channel, the
card's ts, a fetched message) or raises: `Retry` for what should be tried again later, `Hold`
when Slack refuses the token or a permission, `GiveUp` for what never will work. Errors that
Slack answers are classified in one place (`bot.outbox.failures.classify`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.config import Settings
from bot.domain.drafts import DraftRecord
from bot.domain.durations import Durations, short
from bot.domain.incident import EntryKind, Incident, Status, TimelineEntry
from bot.domain.markup import for_public
from bot.outbox.failures import GiveUp, Retry, classify
from bot.outbox.kinds import EffectKind
from bot.slack import blocks, draft_blocks
from bot.slack.channels import channel_name
from bot.slack.lines import duration_lines, line
from bot.slack.text import FALLBACK_LIMIT, escape, messages, section, sections, split_text

log = logging.getLogger(__name__)

HARMLESS_ERRORS = frozenset({"already_in_channel", "already_pinned", "already_reacted", "cant_invite_self"})
ACK_REACTION = "white_check_mark"
DRAFT_KINDS = frozenset(
    {EffectKind.POST_DRAFT, EffectKind.UPDATE_DRAFT, EffectKind.PUBLISH_DRAFT, EffectKind.OPEN_VIEW}
)


@dataclass(frozen=True)
class IncidentView:
    """What the sender read from storage for one effect."""

    incident: Incident
    channel_name: str | None = None
    card_ts: str | None = None
    names: Mapping[str, str] = field(default_factory=dict)
    entry: TimelineEntry | None = None
    durations: Durations | None = None
    draft: DraftRecord | None = None


@dataclass(frozen=True)
class Delivered:
    channel: tuple[str, str] | None = None  # (id, name) of the channel created or adopted
    card_ts: str | None = None
    draft_message_ts: str | None = None  # the draft's message in the incident channel
    draft_published_ts: str | None = None  # the draft's post in the status channel
    message: dict[str, Any] | None = None  # a message fetched from Slack
    note: str | None = None


Progress = Callable[[Delivered], None]


class Delivery:
    def __init__(self, client: WebClient, settings: Settings, *, bot_user_id: Callable[[], str]) -> None:
        self.client = client
        self.settings = settings
        self.bot_user_id = bot_user_id

    def send(
        self,
        kind: EffectKind,
        payload: Mapping[str, Any],
        view: IncidentView | None,
        progress: Progress = lambda _: None,
    ) -> Delivered:
        try:
            return self._send(kind, payload, view, progress)
        except SlackApiError as error:
            classify(error)
        except OSError as error:  # connection refused, reset, timed out
            raise Retry(f"network: {type(error).__name__}") from error

    def _send(
        self, kind: EffectKind, payload: Mapping[str, Any], view: IncidentView | None, progress: Progress
    ) -> Delivered:
        if kind is EffectKind.OPEN_VIEW and "modal" in payload:
            self.client.views_open(trigger_id=payload["trigger_id"], view=blocks.open_modal(**payload["modal"]))
            return Delivered()
        if view is None:
            raise GiveUp(f"{kind} needs an incident")
        zone = self.settings.zone
        incident = view.incident
        if kind is EffectKind.CREATE_CHANNEL:
            return self._create_channel(incident)
        if kind is EffectKind.ANNOUNCE:
            return self._announce(view)
        if kind is EffectKind.TELL_CHANNEL_READY:
            return self._tell_channel_ready(view, payload)
        if kind in DRAFT_KINDS:
            return self._draft(kind, view, payload)
        channel = incident.channel_id
        if channel is None:
            raise GiveUp(f"{incident.name} has no channel")
        match kind:
            case EffectKind.INVITE:
                for user in payload["users"]:
                    self._tolerate(self.client.conversations_invite, channel=channel, users=user)
            case EffectKind.SET_TOPIC:
                self.client.conversations_setTopic(channel=channel, topic=blocks.topic(incident, view.names))
            case EffectKind.POST_CARD:
                return self._post_card(view, channel, progress)
            case EffectKind.UPDATE_CARD:
                if view.card_ts is None:
                    return Delivered(note="no card yet")
                total = short(view.durations.total) if view.durations else None
                card = blocks.card(incident, view.names, zone, total=total)
                self.client.chat_update(channel=channel, ts=view.card_ts, blocks=card, text=_fallback(incident))
            case EffectKind.POST_TIMELINE:
                return self._post_timeline(view, channel)
            case EffectKind.FETCH_MESSAGE:
                return self._fetch(view, channel, payload)
            case EffectKind.ACKNOWLEDGE_MESSAGE:
                self._tolerate(self.client.reactions_add, channel=channel, timestamp=payload["ts"], name=ACK_REACTION)
            case _:
                raise GiveUp(f"no delivery for {kind}")
        return Delivered()

    # --- the steps ---------------------------------------------------------------------------

    def _create_channel(self, incident: Incident) -> Delivered:
        """Create `inc-<n>-<slug>`; adopt our own channel of that name (a retry after a crash)."""
        if incident.channel_id is not None:
            return Delivered(note="channel exists")
        for attempt in range(1, 50):
            name = channel_name(incident.number, incident.title, attempt)
            try:
                created = self.client.conversations_create(name=name)
                return Delivered(channel=(created["channel"]["id"], name))
            except SlackApiError as error:
                if error.response.get("error") != "name_taken":
                    raise
            existing = self._find_channel(name)
            if existing is not None and existing.get("creator") == self.bot_user_id():
                if not existing.get("is_member"):
                    self.client.conversations_join(channel=existing["id"])
                return Delivered(channel=(existing["id"], name), note="adopted")
        raise GiveUp(f"no free channel name for {incident.name}")

    def _find_channel(self, name: str) -> dict[str, Any] | None:
        cursor = None
        while True:
            page = self.client.conversations_list(
                types="public_channel", exclude_archived=True, limit=1000, cursor=cursor
            )
            channels: list[dict[str, Any]] = page.get("channels") or []
            for channel in channels:
                if channel.get("name") == name:
                    return dict(channel)
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None

    def _post_card(self, view: IncidentView, channel: str, progress: Progress) -> Delivered:
        card_ts = view.card_ts
        if card_ts is None:
            card = blocks.card(view.incident, view.names, self.settings.zone)
            posted = self.client.chat_postMessage(channel=channel, blocks=card, text=_fallback(view.incident))
            card_ts = str(posted["ts"])
            progress(Delivered(card_ts=card_ts))  # remembered before pinning: a retry won't post twice
        self._tolerate(self.client.pins_add, channel=channel, timestamp=card_ts)
        return Delivered(card_ts=card_ts)

    def _post_timeline(self, view: IncidentView, channel: str) -> Delivered:
        entry = view.entry
        if entry is None:
            raise GiveUp("timeline entry missing")
        text = line(entry, view.incident, view.names, self.settings.zone)
        lines = [text]
        if entry.status_to is Status.RESOLVED and entry.kind is EntryKind.STATUS and view.durations:
            lines.extend(duration_lines(view.durations))
        for chunk in messages(sections(lines)):
            self.client.chat_postMessage(channel=channel, blocks=chunk, text=split_text(text, FALLBACK_LIMIT)[0])
        return Delivered()

    def _draft(self, kind: EffectKind, view: IncidentView, payload: Mapping[str, Any]) -> Delivered:
        draft = view.draft
        if draft is None:
            raise GiveUp("draft missing")
        if kind is EffectKind.OPEN_VIEW:
            self.client.views_open(trigger_id=payload["trigger_id"], view=draft_blocks.edit_modal(draft))
            return Delivered()
        if kind is EffectKind.PUBLISH_DRAFT:
            target = self.settings.status_channel
            if target is None:
                raise GiveUp("INCIDENT_STATUS_CHANNEL is not set")
            if draft.published_ts is not None:
                return Delivered(note="already posted")
            text = draft_blocks.published_text(draft)
            return Delivered(draft_published_ts=self.post_joining(target, text=text, blocks=[section(text)]))
        channel = view.incident.channel_id
        if channel is None:
            raise GiveUp(f"{view.incident.name} has no channel")
        fallback, message = draft_blocks.draft_message(
            draft, view.names, self.settings.zone, status_channel=self.settings.status_channel
        )
        if kind is EffectKind.POST_DRAFT:
            posted = self.client.chat_postMessage(channel=channel, text=fallback, blocks=message)
            return Delivered(draft_message_ts=str(posted["ts"]))
        if draft.message_ts is None:
            return Delivered(note="draft message not posted yet")
        self.client.chat_update(channel=channel, ts=draft.message_ts, text=fallback, blocks=message)
        return Delivered()

    def _announce(self, view: IncidentView) -> Delivered:
        target = self.settings.announce_channel
        if target is None:
            return Delivered(note="no INCIDENT_ANNOUNCE_CHANNEL")
        incident = view.incident
        reopened = view.entry is not None and view.entry.kind is EntryKind.REOPENED
        if reopened:
            text = blocks.reopened_announcement(incident, incident.channel_id, view.names)
        else:
            total = short(view.durations.total) if view.durations else None
            text = blocks.announcement(incident, incident.channel_id, view.names, total=total)
        self.post_joining(target, blocks=[section(text)], text=text)
        return Delivered()

    def _tell_channel_ready(self, view: IncidentView, payload: Mapping[str, Any]) -> Delivered:
        channel = view.incident.channel_id
        if channel is None:
            raise GiveUp("no channel to tell about")
        text = blocks.channel_ready(view.incident, channel)
        url = payload.get("response_url")
        if url:
            response = WebhookClient(url, timeout=10).send_dict({"response_type": "ephemeral", "text": text})
            if response.status_code >= 500 or response.status_code == 429:
                raise Retry(f"response_url answered {response.status_code}")
            return Delivered(note=None if response.status_code == 200 else f"response_url {response.status_code}")
        origin, user = payload.get("origin"), payload.get("user")
        if not user:
            return Delivered(note="nobody to tell")
        if origin:
            try:
                self.client.chat_postEphemeral(channel=origin, user=user, text=text)
                return Delivered()
            except SlackApiError as error:
                # A DM or private channel the bot is not in: Slack will not take an ephemeral there.
                if error.response.get("error") not in UNREACHABLE_ORIGIN:
                    raise
        self.client.chat_postMessage(channel=user, text=text)  # a direct message from the app
        return Delivered(note="told in a direct message")

    def _fetch(self, view: IncidentView, channel: str, payload: Mapping[str, Any]) -> Delivered:
        """The message a :pushpin: was put on: a top-level message, or a reply inside a thread
        (`reaction_added` does not say which). When Slack has no such message any more, the
        person who reacted is told, so a pin is never lost without a word."""
        ts = str(payload["ts"])
        page = self.client.conversations_history(channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1)
        found = [message for message in page.get("messages") or [] if message.get("ts") == ts]
        if not found:
            found = [message for message in self._thread_of(channel, ts) if message.get("ts") == ts]
        if found:
            return Delivered(message=dict(found[0]))
        user = payload.get("user")
        if user:
            text = (
                f"I could not add that message to the {view.incident.name} timeline: Slack no longer has it "
                "(was it deleted?). Add what it said with `/incident note`."
            )
            self._tolerate(self.client.chat_postEphemeral, channel=channel, user=str(user), text=text)
        return Delivered(note=f"message {ts} not found; {user or 'nobody'} told")

    def _thread_of(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """The thread holding message `ts` (its parent and the replies at `ts`); [] when none."""
        try:
            thread = self.client.conversations_replies(channel=channel, ts=ts, latest=ts, oldest=ts, inclusive=True)
        except SlackApiError as error:
            if error.response.get("error") == "thread_not_found":
                return []
            raise
        return list(thread.get("messages") or [])

    def post_joining(self, channel: str, **message: Any) -> str:
        """chat.postMessage (returns the ts), joining the public channel first if the bot is not in it."""
        try:
            return str(self.client.chat_postMessage(channel=channel, **message)["ts"])
        except SlackApiError as error:
            if error.response.get("error") != "not_in_channel":
                raise
        self.client.conversations_join(channel=channel)
        return str(self.client.chat_postMessage(channel=channel, **message)["ts"])

    @staticmethod
    def _tolerate(method: Callable[..., Any], **arguments: Any) -> None:
        """Call a Web API method whose 'already done' answers count as success (already pinned, ...)."""
        try:
            method(**arguments)
        except SlackApiError as error:
            if error.response.get("error") not in HARMLESS_ERRORS:
                raise


# chat.postEphemeral's answers when the bot cannot speak where the person opened the modal.
UNREACHABLE_ORIGIN = frozenset({"channel_not_found", "not_in_channel", "user_not_in_channel", "is_archived"})


def _fallback(incident: Incident) -> str:
    """The notification text that goes with blocks: Slack parses it too, so it is escaped."""
    return escape(f"{incident.name} ({incident.status.value}, sev{incident.severity}): {for_public(incident.title)}")
