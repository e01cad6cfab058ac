"""timeline.post: a timeline entry's line in the incident channel (with the durations, for a close)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar
from zoneinfo import ZoneInfo

from bot.domain.durations import Durations
from bot.domain.incident import EntryKind, Status, TimelineEntry
from bot.domain.reminders import PromiseRecord, promise_line
from bot.outbox.effect import CHANNEL_LANE, TIMELINE_LANE, Effect, Sending
from bot.outbox.failures import GiveUp
from bot.outbox.results import Nothing
from bot.outbox.slack_calls import posted_before
from bot.render.lines import duration_lines, line
from bot.render.text import FALLBACK_LIMIT, MESSAGE_BLOCK_LIMIT, pack_lines, section, split_text, whole_lines


@dataclass(frozen=True)
class PostTimeline(Effect):
    kind: ClassVar[str] = "timeline.post"
    batched: ClassVar[bool] = True
    lane: ClassVar[str | None] = TIMELINE_LANE
    after: ClassVar[str | None] = CHANNEL_LANE
    entry_id: int

    def send(self, slack: Sending) -> Nothing:
        """The batch's lines in as few messages as fit, in order, each message naming the effects
        whose lines it holds (a line too long for one message goes alone, in parts); what an
        earlier attempt posted is not posted again."""
        channel = slack.channel()
        zone = slack.settings.zone
        firsts: dict[int, str] = {}  # each effect's own line: the notification text of a message it begins
        lines: list[tuple[int, str]] = []
        for effect_id, view in zip(slack.attempt.effect_ids, slack.views, strict=True):
            if view.entry is None:
                raise GiveUp("timeline entry missing")
            firsts[effect_id] = line(view.entry, view.incident, view.names, zone)
            shown = _with_durations(firsts[effect_id], view.entry, view.durations, view.promises, zone)
            lines.append((effect_id, "\n".join(shown)))
        # A batch of several messages is looked up even after a clean failure: a later call's
        # failure (a 429, a 500) leaves the earlier calls' messages posted.
        several = len(list(_messages(lines))) > 1
        posted = posted_before(slack.client, channel, slack.attempt, always=several)
        waiting = [(effect_id, text) for effect_id, text in lines if not posted.ts(effect_id) or _in_parts(text)]
        for effect_ids, part, texts in _messages(waiting):
            if len(effect_ids) == 1 and posted.ts(effect_ids[0], part):
                continue  # a part of a long line an earlier attempt posted
            slack.client.chat_postMessage(
                channel=channel,
                blocks=[section(text) for text in texts],
                text=split_text(firsts[effect_ids[0]], FALLBACK_LIMIT)[0],
                metadata=slack.attempt.metadata(part, effect_ids=effect_ids),
            )
        notes = (f"sent with {len(lines) - 1} more" if len(lines) > 1 else "", "found already posted" if posted else "")
        return Nothing(note="; ".join(filter(None, notes)) or None)


def _in_parts(text: str) -> bool:
    """Is this line too long for one message by itself?"""
    return len(pack_lines([text])) > MESSAGE_BLOCK_LIMIT


def _messages(lines: list[tuple[int, str]]) -> Iterator[tuple[list[int], int, list[str]]]:
    """(effect ids, part, section texts) of each message: the lines packed whole (`whole_lines`),
    but a line too long for one message by itself, which goes alone, in parts."""
    whole: list[tuple[int, str]] = []
    for effect_id, text in lines:
        if not _in_parts(text):
            whole.append((effect_id, text))
            continue
        yield from ((effect_ids, 0, texts) for effect_ids, texts in whole_lines(whole))
        whole = []
        sections = pack_lines([text])
        for part, start in enumerate(range(0, len(sections), MESSAGE_BLOCK_LIMIT)):
            yield [effect_id], part, sections[start : start + MESSAGE_BLOCK_LIMIT]
    yield from ((effect_ids, 0, texts) for effect_ids, texts in whole_lines(whole))


def _with_durations(
    text: str, entry: TimelineEntry, durations: Durations | None, promises: PromiseRecord | None, zone: ZoneInfo
) -> list[str]:
    """The entry's line, and for a close the durations and the public updates promised and kept under it."""
    if not (entry.status_to is Status.RESOLVED and entry.kind is EntryKind.STATUS and durations):
        return [text]
    kept = promise_line(promises, zone) if promises else None
    return [text, *duration_lines(durations), *([kept] if kept else [])]
