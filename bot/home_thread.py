"""The App Home's sender: one thread in each web process and in `incident-bot worker`, beside the
Slack sender, so that publishing a thousand Homes never holds up an incident channel's work.

A round takes the workspace's refresh requests (queuing a publish for each recent viewer,
`HomeService.refresh`), then sends the App Home's due publishes (an `EffectSender` of the "home"
lane: the outbox's retries, backoff, Retry-After and token pause, as for every Slack call). It is
woken after the acks of its own process that gave it work (`bot.outbox.wakes`), and looks again
every `poll_seconds` (a publish held back to keep one a person every 10 s goes within that much of
its time).
"""

from __future__ import annotations

from collections.abc import Callable

from bot.background import Background
from bot.home import HomeService
from bot.outbox.sender import EffectSender

POLL_SECONDS = 1.0
GATHER_SECONDS = 0.05  # woken by an ack, wait this long first: the acks of a burst make one round


class HomeThread(Background):
    def __init__(
        self,
        homes: HomeService,
        sender: EffectSender,
        *,
        workspace: Callable[[], str | None],
        poll_seconds: float = POLL_SECONDS,
        gather_seconds: float = GATHER_SECONDS,
    ) -> None:
        super().__init__("app-home")
        self.homes = homes
        self.sender = sender
        self.workspace = workspace  # whose Homes: the team this process's token serves (None: unknown yet)
        self.poll_seconds = poll_seconds
        self.retry_seconds = poll_seconds
        self.gather_seconds = gather_seconds

    def run_round(self) -> float:
        self.drain()
        return self.poll_seconds

    def drain(self) -> int:
        """Refresh what was asked for, then send what is due; how many publishes were handled."""
        team_id = self.workspace()
        if team_id is not None:
            self.homes.refresh(team_id=team_id)
        return self.sender.drain(stopping=self.stopping)

    def woken(self) -> None:
        self.sleep(self.gather_seconds)
