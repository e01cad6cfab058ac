"""reply.channel_ready: tell whoever opened the incident where its new channel is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from slack_sdk.webhook import WebhookClient

from bot.domain.alerts import is_source
from bot.outbox.effect import CHANNEL_LANE, Effect, Sending
from bot.outbox.failures import GiveUp, Retry
from bot.outbox.results import Nothing
from bot.outbox.slack_calls import tell_ephemeral_or_directly
from bot.render import blocks

WEBHOOK_TIMEOUT = 10  # seconds


@dataclass(frozen=True)
class TellChannelReady(Effect):
    """Tell `user` where the new channel is: through the command's `response_url`, or (from the
    modal) an ephemeral message in the `origin` channel, or else a direct message."""

    kind: ClassVar[str] = "reply.channel_ready"
    lane: ClassVar[str | None] = "reply"
    after: ClassVar[str | None] = CHANNEL_LANE
    user: str
    response_url: str | None = None
    origin: str | None = None

    def send(self, slack: Sending) -> Nothing:
        incident = slack.about().incident
        channel = incident.channel_id
        if channel is None:
            raise GiveUp("no channel to tell about")
        text = blocks.channel_ready(incident, channel)
        if self.response_url:
            answer = WebhookClient(self.response_url, timeout=WEBHOOK_TIMEOUT).send_dict(blocks.reply(text))
            if answer.status_code >= 500 or answer.status_code == 429:
                raise Retry(f"response_url answered {answer.status_code}")
            return Nothing(note=None if answer.status_code == 200 else f"response_url {answer.status_code}")
        if not self.user or is_source(self.user):  # opened by a rule: nobody is waiting to be told
            return Nothing(note="nobody to tell")
        directly = tell_ephemeral_or_directly(slack.client, origin=self.origin, user=self.user, text=text)
        return Nothing(note="told in a direct message" if directly else None)
