"""PagerDuty's sender: the outbox's `EffectSender` claiming only PagerDuty's events
(`Effect.own_sender` "pagerduty"), in a thread of its own in each process that runs the Slack
sender (web processes, Socket Mode's, `incident-bot worker`), woken by the acks that recorded an
event (`bot.outbox.wakes`).

Apart from the Slack sender, because each would otherwise hold the other back: a sender's round
waits for all of its batches (`bot.outbox.send_pool`), and a PagerDuty POST may take its whole
timeout (`pagerduty_event.TIMEOUT_SECONDS`), as may a hung Slack call. Its claims are the
outbox's (`claims.claimable_by`): the incident's lane apart, in the order recorded,
one sender at a time across processes. The token pause (`bot.outbox.pause`) is about Slack's
token: it does not stop this sender, so a page made while Slack refuses the token still reaches
PagerDuty. PagerDuty's own refusals are given up event by event, as the outbox gives up any
refused work.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from sqlmodel import Session

from bot.outbox import claims
from bot.outbox.claims import Due
from bot.outbox.sender import EffectSender
from bot.outbox.wakes import PAGERDUTY


def claimable(
    *, session: Session, team_id: str, now: datetime, limit: int = 20, skip_kinds: Sequence[str] = ()
) -> list[Due]:
    """Workspace `team_id`'s PagerDuty events that may be sent now: the first of each incident's
    lane apart, waiting for nothing of its lane recorded before it (`claims.claimable_by`; no
    channel's pace holds any back: `skip_kinds` is none of them)."""
    due = claims.claimable_by(PAGERDUTY, session=session, team_id=team_id, now=now, limit=limit)
    return [each for each in due if each.kind not in skip_kinds]


class PagerDutySender(EffectSender):
    """The outbox's sender, for PagerDuty's events only, whether or not Slack takes the token."""

    claimable = staticmethod(claimable)
    paused_by_slack_token: ClassVar[bool] = False
