"""outbox.auth_hold: not Slack work, the row that pauses the outbox while Slack refuses the token.

Claimed like any effect, so one sender at a time checks the token (`bot.outbox.sender`); the
sender handles it itself and never sends it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, NoReturn

from bot.outbox.failures import GiveUp
from bot.outbox.payload import Payload
from bot.outbox.sending import Sending


@dataclass(frozen=True)
class AuthCheck(Payload):
    kind: ClassVar[str] = "outbox.auth_hold"

    def send(self, slack: Sending) -> NoReturn:
        raise GiveUp("the outbox's pause is not Slack work")
