"""Sending a batch to Slack. No storage here: the sender passes in what it read.

`Delivery.send` gives the batch's first effect what its `send` needs (`bot.outbox.effect.Sending`)
and returns the typed result of what Slack gave back (`bot.outbox.results`), or raises: `Retry`
for what should be tried again later, `Hold` when Slack refuses the token or a permission,
`GiveUp` for what never will work. Slack's error answers are classified in one place
(`bot.outbox.failures.classify`); what each kind does is in its module (`bot.outbox.kinds`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.domain.home import Home
from bot.domain.triage import TriageView
from bot.outbox.attempts import Attempt
from bot.outbox.effect import Effect, MoveOut, Sending
from bot.outbox.failures import Retry, classify
from bot.outbox.results import Progress, Result
from bot.outbox.view import IncidentView


class Delivery:
    def __init__(
        self,
        client: WebClient,
        settings: Settings,
        *,
        bot_user_id: Callable[[], str],
        move_out: MoveOut | None = None,
    ) -> None:
        self.client = client
        self.settings = settings
        self.bot_user_id = bot_user_id
        self.move_out = move_out  # a public channel made for an incident private by then: its move queued

    def send(
        self,
        effects: Sequence[Effect],
        views: Sequence[IncidentView],
        progress: Progress,
        *,
        attempt: Attempt,
        group: TriageView | None = None,
        home: Home | None = None,
    ) -> Result:
        """Send a batch (one effect, or several of a `batched` kind; `views`: what was read for each,
        `group`: its alert group's, `attempt.effect_ids`: their ids). Every message posted names the
        effects it holds, and when the previous attempt may have reached Slack, what it posted is
        found and not posted again."""
        first = effects[0]
        slack = Sending(
            kind=first.kind,
            client=self.client,
            settings=self.settings,
            bot_user_id=self.bot_user_id,
            views=tuple(views),
            attempt=attempt,
            progress=progress,
            group=group,
            home=home,
            move_out=self.move_out,
        )
        try:
            return first.send(slack)
        except SlackApiError as error:
            classify(error)
        except OSError as error:  # connection refused, reset, timed out: the request may have arrived
            raise Retry(f"network: {type(error).__name__}", maybe_sent=True) from error


class Sends(Protocol):
    """What the sender (`bot.outbox.sender`) needs of `Delivery` (tests give a fake)."""

    def send(
        self,
        effects: Sequence[Effect],
        views: Sequence[IncidentView],
        progress: Progress,
        *,
        attempt: Attempt,
        group: TriageView | None = None,
    ) -> Result: ...
