"""Bolt's Socket Mode handler, counting the envelopes in hand (`incident-bot socket`, `bot.socket_mode`).

slack_sdk's builtin client cannot say what it has in hand, so the handler counts them: an
envelope is in hand from the moment the client hands it to its workers (`message_workers`, this
module's `CountedExecutor`; it is queued there while every worker is busy) until Bolt has run it
and sent its ack (with `process_before_response`, the listener's work is done by then:
`bot.slack.listeners`). A stop waits for those in hand until its deadline before it closes Slack's
connection, since their acks go over it, and keeps taking the envelopes Slack still sends over
that connection meanwhile: Slack hands each to one of the app's open connections, so one refused
would fail for the person even while another process is there to answer it (a rolling deploy).

The envelopes run in daemon threads (`bot.background.DaemonExecutor`): a `ThreadPoolExecutor`'s
threads are joined at the process's exit, so one envelope whose Slack call or database never
answers held the exit past the stop's deadline, up to the Slack client's 30 s timeout, or without
end.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient

from bot.background import DaemonExecutor, InHand

ENVELOPE_THREADS = 10  # envelopes handled at once: slack_sdk's default `concurrency`


class CountedExecutor(DaemonExecutor):
    """A `DaemonExecutor` whose calls are counted in `in_hand` from the moment each is handed over
    (queued while every thread is busy) until it has run."""

    def __init__(self, threads: int, name: str, in_hand: InHand) -> None:
        super().__init__(threads, name)
        self.in_hand = in_hand

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if not self.in_hand.take():  # never for Socket Mode's: a stop does not close its count
            return super().submit(fn, *args, **kwargs)

        def counted(*given: Any, **named: Any) -> Any:
            try:
                return fn(*given, **named)
            finally:
                self.in_hand.done()

        try:
            return super().submit(counted, *args, **kwargs)
        except BaseException:
            self.in_hand.done()
            raise


class EnvelopeHandler(SocketModeHandler):
    """Bolt's `SocketModeHandler`, its envelopes counted in `envelopes` while in hand."""

    def __init__(self, app: App, *, app_token: str | None, web_client: WebClient) -> None:
        super().__init__(app, app_token=app_token, web_client=web_client, concurrency=ENVELOPE_THREADS)
        self.envelopes = InHand()
        # no thread of the client's own pool has started yet (they start with the first envelope)
        workers = CountedExecutor(ENVELOPE_THREADS, "socket-mode-envelope", self.envelopes)
        self.client.message_workers = workers  # type: ignore[assignment]
