"""timeline.copy: the timeline up to a move, posted in the incident's new private channel
(docs/behaviour.md, Private incidents)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.domain.durations import compute
from bot.outbox.effect import Effect, Sending
from bot.outbox.results import Nothing
from bot.outbox.slack_calls import posted_before
from bot.render import moves


@dataclass(frozen=True)
class CopyTimeline(Effect):
    """Entries up to `until_entry` (the move's own), as `timeline` shows them; nothing when the
    incident is still in `from_channel` (the new channel could not be made)."""

    kind: ClassVar[str] = "timeline.copy"
    shows_timeline: ClassVar[bool] = True
    from_channel: str
    until_entry: int

    def send(self, slack: Sending) -> Nothing:
        view = slack.about()
        channel = slack.channel()
        if channel == self.from_channel:
            return Nothing(note="the incident did not move: nothing copied")
        entries = [entry for entry_id, entry in view.timeline if entry_id <= self.until_entry]
        until = max((entry.at for entry in entries), default=view.incident.impact_started_at)
        durations = compute(view.incident, entries, until=until)
        pages = moves.timeline_so_far(view.incident, entries, durations, view.names, slack.settings.zone)
        posted = posted_before(slack.client, channel, slack.attempt, always=True)  # pages may be several
        for part, page in enumerate(pages):
            if posted.ts(slack.attempt.effect_id, part):
                continue
            slack.client.chat_postMessage(
                channel=channel, text=page["text"], blocks=page["blocks"], metadata=slack.attempt.metadata(part)
            )
        return Nothing()
