"""timeline.post: a timeline entry's line in the incident channel (with the durations, for a close)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.domain.incident import EntryKind, Status
from bot.domain.reminders import promise_line
from bot.outbox.failures import GiveUp
from bot.outbox.payload import Payload
from bot.outbox.results import Nothing
from bot.outbox.sending import Sending
from bot.outbox.slack_calls import posted_before
from bot.slack.lines import duration_lines, line
from bot.slack.text import FALLBACK_LIMIT, messages, sections, split_text


@dataclass(frozen=True)
class PostTimeline(Payload):
    kind: ClassVar[str] = "timeline.post"
    entry_id: int

    def send(self, slack: Sending) -> Nothing:
        """A long line goes in several messages; those an earlier attempt posted are not posted again."""
        view = slack.about()
        channel = slack.channel()
        entry = view.entry
        if entry is None:
            raise GiveUp("timeline entry missing")
        text = line(entry, view.incident, view.names, slack.settings.zone)
        lines = [text]
        if entry.status_to is Status.RESOLVED and entry.kind is EntryKind.STATUS and view.durations:
            lines.extend(duration_lines(view.durations))
            kept = promise_line(view.promises, slack.settings.zone) if view.promises else None
            lines.extend([kept] if kept else [])
        already = posted_before(slack.client, channel, slack.attempt)
        for part, chunk in enumerate(messages(sections(lines))):
            if part not in already:
                first = split_text(text, FALLBACK_LIMIT)[0]
                slack.client.chat_postMessage(
                    channel=channel, blocks=chunk, text=first, metadata=slack.attempt.metadata(part)
                )
        return Nothing(note="found already posted" if already else None)
