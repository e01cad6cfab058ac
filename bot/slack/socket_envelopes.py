"""Bolt's Socket Mode handler, counting the envelopes in hand (`incident-bot socket`, `bot.socket_mode`).

slack_sdk's builtin client cannot say what it has in hand, so the handler counts them: an
envelope is in hand from the moment its handling begins until Bolt has run it and sent its ack
(with `process_before_response`, the listener's work is done by then: `bot.slack.listeners`).
A stop closes the count (`InHand.close`): an envelope that arrives after that is neither run nor
acknowledged, as if the connection had closed (Slack sends an event again; a command or a click
fails as it would then), and the stop waits for those in hand until its deadline before it closes
Slack's connection, since their acks go over it.

The envelopes run in daemon threads (`bot.background.DaemonExecutor`, set as the client's
`message_workers`): a `ThreadPoolExecutor`'s threads are joined at the process's exit, so one
envelope whose Slack call or database never answers held the exit past the stop's deadline, up to
the Slack client's 30 s timeout, or without end.
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.background import DaemonExecutor, InHand

log = logging.getLogger(__name__)

ENVELOPE_THREADS = 10  # envelopes handled at once: slack_sdk's default `concurrency`


class EnvelopeHandler(SocketModeHandler):
    """Bolt's `SocketModeHandler`, its envelopes counted in `envelopes` while in hand."""

    def __init__(self, app: App, *, app_token: str | None, web_client: WebClient) -> None:
        super().__init__(app, app_token=app_token, web_client=web_client, concurrency=ENVELOPE_THREADS)
        self.envelopes = InHand()
        # no thread of the client's own pool has started yet (they start with the first envelope)
        self.client.message_workers = DaemonExecutor(ENVELOPE_THREADS, "socket-mode-envelope")  # type: ignore[assignment]

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        if not self.envelopes.take():
            log.info("a Slack %s envelope came while stopping: not taken, not acknowledged", req.type)
            return
        try:
            super().handle(client, req)  # Bolt runs the listener, then sends the ack
        finally:
            self.envelopes.done()
