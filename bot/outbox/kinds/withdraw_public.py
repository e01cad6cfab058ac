"""public.withdraw: what the bot posted about an incident for anyone to read outside its channel
(its announcements in INCIDENT_ANNOUNCE_CHANNEL, its published updates in INCIDENT_STATUS_CHANNEL)
edited to say only that an incident was made private: no title, no link (docs/behaviour.md,
Private incidents). Recorded when the incident is made private, in the strict order of its work:
an announcement or update on its way then is sent (an announcement is not, being private now)
before this reads what to withdraw. A message deleted since is left alone; a message Slack will
not edit (an archived channel) does not keep the others showing: each is tried, then the first
failure is the effect's (edits are idempotent, so a retry edits again)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from slack_sdk.errors import SlackApiError

from bot.outbox.effect import Effect, Sending
from bot.outbox.results import Nothing
from bot.outbox.slack_calls import error_code
from bot.render.text import section
from bot.render.withdrawn import WITHDRAWN

GONE = frozenset({"message_not_found", "channel_not_found"})  # deleted since: nothing left to withdraw


@dataclass(frozen=True)
class WithdrawPublic(Effect):
    kind: ClassVar[str] = "public.withdraw"
    shows_public_copies: ClassVar[bool] = True

    def send(self, slack: Sending) -> Nothing:
        view = slack.about()
        status = slack.settings.status_channel
        messages = [*view.announced, *((status, ts) for ts in view.published_posts if status)]
        gone = 0
        failed: SlackApiError | None = None
        for channel, ts in messages:  # every one, whatever happened to another: none left showing
            try:
                slack.client.chat_update(channel=channel, ts=ts, text=WITHDRAWN, blocks=[section(WITHDRAWN)])
            except SlackApiError as error:
                if error_code(error) in GONE:
                    gone += 1
                else:
                    failed = failed or error
        if failed is not None:  # retried (edits are idempotent) or given up, as its error says
            raise failed
        if not messages:
            return Nothing(note="nothing was posted outside its channel")
        return Nothing(note=f"{gone} of {len(messages)} deleted already" if gone else None)
