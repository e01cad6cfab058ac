"""Sending one outbox payload to Slack. No storage here: the sender passes in what it read.

`Delivery.send` matches the payload's type to its delivery step and returns a typed result
(`bot.outbox.results`) of what Slack gave back that must be remembered, or raises: `Retry`
for what should be tried again later, `Hold` when Slack refuses the token or a permission,
`GiveUp` for what never will work. Slack's error answers are classified in one place
(`bot.outbox.failures.classify`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import assert_never

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.config import Settings
from bot.domain.drafts import DraftRecord
from bot.domain.durations import short
from bot.domain.incident import EntryKind, Incident, Status
from bot.domain.markup import escape, for_public
from bot.domain.reminders import ReminderKind
from bot.outbox import payloads
from bot.outbox.attempts import Attempt
from bot.outbox.failures import GiveUp, Retry, classify
from bot.outbox.results import (
    CardPosted,
    ChannelCreated,
    DraftPosted,
    DraftPublished,
    MessageFetched,
    Nothing,
    Progress,
    Result,
)
from bot.outbox.slack_calls import (
    error_code,
    find_channel,
    post_joining,
    posted_before,
    tell_ephemeral_or_directly,
    thread_of,
    tolerate,
)
from bot.outbox.view import IncidentView
from bot.slack import blocks, draft_blocks, reminder_blocks
from bot.slack.channels import channel_name
from bot.slack.lines import duration_lines, line, promise_line
from bot.slack.text import FALLBACK_LIMIT, messages, section, sections, split_text

log = logging.getLogger(__name__)

ACK_REACTION = "white_check_mark"


class Delivery:
    def __init__(self, client: WebClient, settings: Settings, *, bot_user_id: Callable[[], str]) -> None:
        self.client = client
        self.settings = settings
        self.bot_user_id = bot_user_id

    def send(
        self,
        payload: payloads.Payload,
        view: IncidentView | None,
        progress: Progress = lambda _: None,
        *,
        attempt: Attempt,
    ) -> Result:
        """Send `payload`; every message posted carries `attempt`'s effect id, and when the previous
        attempt may have reached Slack, what it posted is found and not posted again."""
        try:
            return self._send(payload, view, progress, attempt)
        except SlackApiError as error:
            classify(error)
        except OSError as error:  # connection refused, reset, timed out: the request may have arrived
            raise Retry(f"network: {type(error).__name__}", maybe_sent=True) from error

    def _send(
        self, payload: payloads.Payload, view: IncidentView | None, progress: Progress, attempt: Attempt
    ) -> Result:
        match payload:
            case payloads.OpenIncidentModal():
                modal = blocks.open_modal(severity=payload.severity, private_metadata=payload.private_metadata)
                self.client.views_open(trigger_id=payload.trigger_id, view=modal)
                return Nothing()
            case payloads.CreateChannel():
                return self._create_channel(_about(view, payload).incident)
            case payloads.Invite():
                channel = _channel(_about(view, payload))
                for user in payload.users:
                    tolerate(self.client.conversations_invite, channel=channel, users=user)
                return Nothing()
            case payloads.SetTopic():
                about = _about(view, payload)
                self.client.conversations_setTopic(
                    channel=_channel(about), topic=blocks.topic(about.incident, about.names)
                )
                return Nothing()
            case payloads.PostCard():
                return self._post_card(_about(view, payload), progress, attempt)
            case payloads.UpdateCard():
                return self._update_card(_about(view, payload))
            case payloads.PostTimeline():
                return self._post_timeline(_about(view, payload), attempt)
            case payloads.Announce():
                return self._announce(_about(view, payload), attempt)
            case payloads.TellChannelReady():
                return self._tell_channel_ready(_about(view, payload), payload)
            case payloads.FetchMessage():
                return self._fetch(_about(view, payload), payload)
            case payloads.AcknowledgeMessage():
                channel = _channel(_about(view, payload))
                tolerate(self.client.reactions_add, channel=channel, timestamp=payload.ts, name=ACK_REACTION)
                return Nothing()
            case payloads.OpenDraftEditor():
                modal = draft_blocks.edit_modal(_draft(_about(view, payload)))
                self.client.views_open(trigger_id=payload.trigger_id, view=modal)
                return Nothing()
            case payloads.PostDraft() | payloads.UpdateDraft():
                posting = isinstance(payload, payloads.PostDraft)
                return self._show_draft(_about(view, payload), attempt, posting=posting)
            case payloads.PublishDraft():
                return self._publish_draft(_about(view, payload), attempt)
            case payloads.PostReminder():
                return self._post_reminder(_about(view, payload), payload, attempt)
            case payloads.AuthCheck():
                raise GiveUp("the outbox's pause is not Slack work")
            case _:
                assert_never(payload)

    # --- the steps ---------------------------------------------------------------------------

    def _create_channel(self, incident: Incident) -> Result:
        """Create `inc-<n>-<slug>`; adopt our own channel of that name (a retry after a crash)."""
        if incident.channel_id is not None:
            return Nothing(note="channel exists")
        for attempt in range(1, 50):
            name = channel_name(incident.number, incident.title, attempt)
            try:
                created = self.client.conversations_create(name=name)
                return ChannelCreated(channel_id=created["channel"]["id"], name=name)
            except SlackApiError as error:
                if error_code(error) != "name_taken":
                    raise
            existing = find_channel(self.client, name)
            if existing is not None and existing.get("creator") == self.bot_user_id():
                if not existing.get("is_member"):
                    self.client.conversations_join(channel=existing["id"])
                return ChannelCreated(channel_id=existing["id"], name=name, adopted=True)
        raise GiveUp(f"no free channel name for {incident.name}")

    def _post_card(self, view: IncidentView, progress: Progress, attempt: Attempt) -> Result:
        channel = _channel(view)
        card_ts = view.card_ts
        if card_ts is None:
            card_ts = posted_before(self.client, channel, attempt).get(0)
        if card_ts is None:
            card = blocks.card(view.incident, view.names, self.settings.zone)
            posted = self.client.chat_postMessage(
                channel=channel, blocks=card, text=_fallback(view.incident), metadata=attempt.metadata()
            )
            card_ts = str(posted["ts"])
        if view.card_ts is None:
            progress(CardPosted(ts=card_ts))  # remembered before pinning: a retry won't post twice
        tolerate(self.client.pins_add, channel=channel, timestamp=card_ts)
        return CardPosted(ts=card_ts)

    def _update_card(self, view: IncidentView) -> Result:
        channel = _channel(view)
        if view.card_ts is None:
            return Nothing(note="no card yet")
        total = short(view.durations.total) if view.durations else None
        card = blocks.card(view.incident, view.names, self.settings.zone, total=total)
        self.client.chat_update(channel=channel, ts=view.card_ts, blocks=card, text=_fallback(view.incident))
        return Nothing()

    def _post_timeline(self, view: IncidentView, attempt: Attempt) -> Result:
        channel = _channel(view)
        entry = view.entry
        if entry is None:
            raise GiveUp("timeline entry missing")
        text = line(entry, view.incident, view.names, self.settings.zone)
        lines = [text]
        if entry.status_to is Status.RESOLVED and entry.kind is EntryKind.STATUS and view.durations:
            lines.extend(duration_lines(view.durations))
            kept = promise_line(view.promises, self.settings.zone) if view.promises else None
            lines.extend([kept] if kept else [])
        already = posted_before(self.client, channel, attempt)
        for part, chunk in enumerate(messages(sections(lines))):
            if part not in already:
                fallback = split_text(text, FALLBACK_LIMIT)[0]
                self.client.chat_postMessage(
                    channel=channel, blocks=chunk, text=fallback, metadata=attempt.metadata(part)
                )
        return Nothing(note="found already posted" if already else None)

    def _show_draft(self, view: IncidentView, attempt: Attempt, *, posting: bool) -> Result:
        """Post the draft with its buttons, or update its message to show what became of it."""
        draft = _draft(view)
        channel = _channel(view)
        fallback, message = draft_blocks.draft_message(
            draft, view.names, self.settings.zone, status_channel=self.settings.status_channel
        )
        if posting:
            ts = posted_before(self.client, channel, attempt).get(0)
            if ts is None:
                posted = self.client.chat_postMessage(
                    channel=channel, text=fallback, blocks=message, metadata=attempt.metadata()
                )
                ts = str(posted["ts"])
            return DraftPosted(draft_id=draft.id, ts=ts)
        if draft.message_ts is None:
            return Nothing(note="draft message not posted yet")
        self.client.chat_update(channel=channel, ts=draft.message_ts, text=fallback, blocks=message)
        return Nothing()

    def _publish_draft(self, view: IncidentView, attempt: Attempt) -> Result:
        draft = _draft(view)
        target = self.settings.status_channel
        if target is None:
            raise GiveUp("INCIDENT_STATUS_CHANNEL is not set")
        if draft.published_ts is not None:
            return Nothing(note="already posted")
        ts = posted_before(self.client, target, attempt).get(0)
        if ts is None:
            text = draft_blocks.published_text(draft)
            ts = post_joining(self.client, target, text=text, blocks=[section(text)], metadata=attempt.metadata())
        return DraftPublished(draft_id=draft.id, ts=ts)

    def _post_reminder(self, view: IncidentView, payload: payloads.PostReminder, attempt: Attempt) -> Result:
        """A nudge or escalation, unless the incident was resolved since it was claimed."""
        channel = _channel(view)
        if not view.incident.status.is_open:
            return Nothing(note="resolved since")
        if posted_before(self.client, channel, attempt):
            return Nothing(note="found already posted")
        fallback, message = reminder_blocks.reminder_message(
            view.incident,
            kind=ReminderKind(payload.reminder),
            due=datetime.fromisoformat(payload.due),
            noticed_at=datetime.fromisoformat(payload.noticed_at),
            late=timedelta(seconds=payload.late_seconds),
            version=payload.version,
            zone=self.settings.zone,
        )
        self.client.chat_postMessage(channel=channel, blocks=message, text=fallback, metadata=attempt.metadata())
        return Nothing()

    def _announce(self, view: IncidentView, attempt: Attempt) -> Result:
        target = self.settings.announce_channel
        if target is None:
            return Nothing(note="no INCIDENT_ANNOUNCE_CHANNEL")
        if posted_before(self.client, target, attempt):
            return Nothing(note="found already posted")
        incident = view.incident
        if view.entry is not None and view.entry.kind is EntryKind.REOPENED:
            text = blocks.reopened_announcement(incident, incident.channel_id, view.names)
        else:
            total = short(view.durations.total) if view.durations else None
            text = blocks.announcement(incident, incident.channel_id, view.names, total=total)
        post_joining(self.client, target, blocks=[section(text)], text=text, metadata=attempt.metadata())
        return Nothing()

    def _tell_channel_ready(self, view: IncidentView, payload: payloads.TellChannelReady) -> Result:
        channel = view.incident.channel_id
        if channel is None:
            raise GiveUp("no channel to tell about")
        text = blocks.channel_ready(view.incident, channel)
        if payload.response_url:
            answer = WebhookClient(payload.response_url, timeout=10).send_dict(
                {"response_type": "ephemeral", "text": text}
            )
            if answer.status_code >= 500 or answer.status_code == 429:
                raise Retry(f"response_url answered {answer.status_code}")
            return Nothing(note=None if answer.status_code == 200 else f"response_url {answer.status_code}")
        if not payload.user:
            return Nothing(note="nobody to tell")
        directly = tell_ephemeral_or_directly(self.client, origin=payload.origin, user=payload.user, text=text)
        return Nothing(note="told in a direct message" if directly else None)

    def _fetch(self, view: IncidentView, payload: payloads.FetchMessage) -> Result:
        """The message a :pushpin: was put on: a top-level message, or a reply inside a thread
        (`reaction_added` does not say which). When Slack has no such message any more, the
        person who reacted is told, so a pin is never lost without a word."""
        channel, ts = _channel(view), payload.ts
        page = self.client.conversations_history(channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1)
        found = [message for message in page.get("messages") or [] if message.get("ts") == ts]
        if not found:
            found = [message for message in thread_of(self.client, channel, ts) if message.get("ts") == ts]
        if found:
            return MessageFetched(channel=payload.channel, message=dict(found[0]), added_by=payload.user)
        if payload.user:
            text = (
                f"I could not add that message to the {view.incident.name} timeline: Slack no longer has it "
                "(was it deleted?). Add what it said with `/incident note`."
            )
            tolerate(self.client.chat_postEphemeral, channel=channel, user=payload.user, text=text)
        return Nothing(note=f"message {ts} not found; {payload.user or 'nobody'} told")


def _about(view: IncidentView | None, payload: payloads.Payload) -> IncidentView:
    """The incident the payload is about (read by the sender); GiveUp when there is none."""
    if view is None:
        raise GiveUp(f"{payload.kind} needs an incident")
    return view


def _channel(view: IncidentView) -> str:
    if view.incident.channel_id is None:
        raise GiveUp(f"{view.incident.name} has no channel")
    return view.incident.channel_id


def _draft(view: IncidentView) -> DraftRecord:
    if view.draft is None:
        raise GiveUp("draft missing")
    return view.draft


def _fallback(incident: Incident) -> str:
    """The notification text that goes with blocks: Slack parses it too, so it is escaped."""
    return escape(f"{incident.name} ({incident.status.value}, sev{incident.severity}): {for_public(incident.title)}")
