"""timeline.post: a timeline entry's line in the incident channel (with the durations, for a close)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar
from zoneinfo import ZoneInfo

from bot.domain.durations import Durations
from bot.domain.incident import EntryKind, Status, TimelineEntry
from bot.domain.reminders import PromiseRecord, promise_line
from bot.outbox.attempts import metadata_of
from bot.outbox.failures import GiveUp
from bot.outbox.payload import Payload
from bot.outbox.results import Nothing
from bot.outbox.sending import Sending
from bot.outbox.slack_calls import effects_posted_before, posted_before
from bot.render.lines import duration_lines, line
from bot.render.text import FALLBACK_LIMIT, messages, section, sections, split_text, whole_lines


@dataclass(frozen=True)
class PostTimeline(Payload):
    kind: ClassVar[str] = "timeline.post"
    coalesces: ClassVar[bool] = True
    entry_id: int

    def send(self, slack: Sending) -> Nothing:
        """A long line goes in several messages; those an earlier attempt posted are not posted again."""
        view = slack.about()
        channel = slack.channel()
        entry = view.entry
        if entry is None:
            raise GiveUp("timeline entry missing")
        text = line(entry, view.incident, view.names, slack.settings.zone)
        lines = _with_durations(text, entry, view.durations, view.promises, slack.settings.zone)
        already = posted_before(slack.client, channel, slack.attempt)
        for part, chunk in enumerate(messages(sections(lines))):
            if part not in already:
                first = split_text(text, FALLBACK_LIMIT)[0]
                slack.client.chat_postMessage(
                    channel=channel, blocks=chunk, text=first, metadata=slack.attempt.metadata(part)
                )
        return Nothing(note="found already posted" if already else None)

    def send_together(self, slack: Sending) -> Nothing:
        """Several lines of one channel in as few messages as fit, in order, each line whole in one
        message that names its effect; lines an earlier attempt posted are not posted again."""
        channel = slack.channel()
        already = effects_posted_before(slack.client, channel, slack.attempt)
        lines: list[tuple[int, str]] = []
        for effect_id, view in zip(slack.attempt.together, slack.together, strict=True):
            if view.entry is None:
                raise GiveUp("timeline entry missing")
            if effect_id not in already:
                first = line(view.entry, view.incident, view.names, slack.settings.zone)
                close = _with_durations(first, view.entry, view.durations, view.promises, slack.settings.zone)
                lines.append((effect_id, "\n".join(close)))
        for effect_ids, texts in whole_lines(lines):
            first = split_text(texts[0].split("\n", 1)[0], FALLBACK_LIMIT)[0]
            blocks = [section(text) for text in texts]
            slack.client.chat_postMessage(channel=channel, blocks=blocks, text=first, metadata=metadata_of(effect_ids))
        together = len(slack.together) - 1
        return Nothing(note=f"sent with {together} more" if not already else "some found already posted")


def _with_durations(
    text: str, entry: TimelineEntry, durations: Durations | None, promises: PromiseRecord | None, zone: ZoneInfo
) -> list[str]:
    """The entry's line, and for a close the durations and the public updates promised and kept under it."""
    if not (entry.status_to is Status.RESOLVED and entry.kind is EntryKind.STATUS and durations):
        return [text]
    kept = promise_line(promises, zone) if promises else None
    return [text, *duration_lines(durations), *([kept] if kept else [])]
