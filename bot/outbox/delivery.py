"""Sending one outbox payload to Slack. No storage here: the sender passes in what it read.

`Delivery.send` gives the payload what its `send` needs (`bot.outbox.sending.Sending`) and returns
the typed result of what Slack gave back (`bot.outbox.results`), or raises: `Retry` for what
should be tried again later, `Hold` when Slack refuses the token or a permission, `GiveUp` for
what never will work. Slack's error answers are classified in one place
(`bot.outbox.failures.classify`); what each kind does is in its module (`bot.outbox.kinds`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.outbox.attempts import Attempt
from bot.outbox.failures import Retry, classify
from bot.outbox.payload import Payload
from bot.outbox.results import Progress, Result
from bot.outbox.sending import Sending
from bot.outbox.view import IncidentView


class Delivery:
    def __init__(self, client: WebClient, settings: Settings, *, bot_user_id: Callable[[], str]) -> None:
        self.client = client
        self.settings = settings
        self.bot_user_id = bot_user_id

    def send(
        self,
        payload: Payload,
        view: IncidentView | None,
        progress: Progress = lambda _: None,
        *,
        attempt: Attempt,
    ) -> Result:
        """Send `payload`; every message posted carries `attempt`'s effect id, and when the previous
        attempt may have reached Slack, what it posted is found and not posted again."""
        slack = Sending(
            kind=payload.kind,
            client=self.client,
            settings=self.settings,
            bot_user_id=self.bot_user_id,
            view=view,
            attempt=attempt,
            progress=progress,
        )
        return self._classified(lambda: payload.send(slack))

    def send_together(self, payloads: Sequence[Payload], views: Sequence[IncidentView], *, attempt: Attempt) -> Result:
        """Send a run (`bot.outbox.runs`): payloads of one kind queued one behind the other, one
        view each, their effect ids in `attempt.together`."""
        payload = payloads[0]
        slack = Sending(
            kind=payload.kind,
            client=self.client,
            settings=self.settings,
            bot_user_id=self.bot_user_id,
            view=views[0],
            attempt=attempt,
            progress=lambda _: None,
            together=tuple(views),
        )
        return self._classified(lambda: payload.send_together(slack))

    def _classified(self, send: Callable[[], Result]) -> Result:
        try:
            return send()
        except SlackApiError as error:
            classify(error)
        except OSError as error:  # connection refused, reset, timed out: the request may have arrived
            raise Retry(f"network: {type(error).__name__}", maybe_sent=True) from error
