"""channel.retire: the note left in a private incident's former public channel, pointing to its
new private one, and the public one archived when Slack lets the bot (docs/behaviour.md, Private
incidents)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from slack_sdk.errors import SlackApiError

from bot.outbox.effect import Effect, Sending
from bot.outbox.results import Nothing
from bot.outbox.slack_calls import error_code, post_joining, posted_before
from bot.render import moves

# conversations.archive's answers when the bot may not archive the channel: said in the note.
ARCHIVE_REFUSED = frozenset(
    {"restricted_action", "not_authorized", "missing_scope", "cant_archive_general", "cant_archive_required"}
)


@dataclass(frozen=True)
class RetireChannel(Effect):
    kind: ClassVar[str] = "channel.retire"
    from_channel: str

    def send(self, slack: Sending) -> Nothing:
        view = slack.about()
        incident = view.incident
        old = self.from_channel
        if incident.channel_id in (None, old):  # the new channel was never made: nothing to leave
            text = moves.not_moved(incident)
            if not posted_before(slack.client, old, slack.attempt).ts(slack.attempt.effect_id):
                post_joining(slack.client, old, text=text, metadata=slack.attempt.metadata())
            return Nothing(note="the incident did not move: its channel stays")
        text = moves.pointer(incident, view.names)
        ts = posted_before(slack.client, old, slack.attempt, always=True).ts(slack.attempt.effect_id)
        if ts is None:
            ts = post_joining(slack.client, old, text=text, metadata=slack.attempt.metadata())
        try:
            slack.client.conversations_archive(channel=old)
        except SlackApiError as error:
            code = error_code(error)
            if code == "already_archived":
                return Nothing(note="archived already")
            if code not in ARCHIVE_REFUSED:
                raise
            refused = moves.pointer(incident, view.names, archive_refused=code)
            slack.client.chat_update(channel=old, ts=ts, text=refused)
            return Nothing(note=f"not archived: {code}")
        return Nothing(note="archived")
