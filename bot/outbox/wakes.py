"""Which senders a request gave work to, so that its ack wakes those and no other thread
(docs/architecture.md, One request).

A request runs in one thread from its first statement to its ack (Bolt's `process_before_response`),
so what it queued is its thread's: every outbox row is made by `bot.outbox.store.row`, which says
here which sender will send it (the Slack sender, or the kind's `own_sender`: "home" for the App
Home's, "pagerduty" for PagerDuty's events), and so does every ask for the App Homes to be
published again (`store.refresh_homes`).

After the ack, `take()` hands what was fed to the runtime (which wakes those senders) and forgets
it. A note wakes the Slack sender only, and not even that one while its channel's pace holds the
line back and the sender would wake by itself by then (`SenderThread.offer`); a refused command
wakes nobody. Work recorded in a transaction that then rolled back wakes a sender for nothing,
which costs one round. A sender not woken still looks every second, so a path that forgot to say
so is late, never lost.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import NamedTuple

SLACK = "slack"  # the outbox's Slack sender (`bot.outbox.sender_thread`): work whose kind has no own sender
HOME = "home"  # the App Home's sender (`bot.home_thread`; `Effect.own_sender` of its kinds)
PAGERDUTY = "pagerduty"  # PagerDuty's sender (`bot.outbox.pagerduty_sender`; `Effect.own_sender` of its events)


class Fed(NamedTuple):
    """Work a request recorded: for which sender, of which incident (None: of none), of which kind
    (the Slack sender is not woken for a line its channel's pace holds back anyway)."""

    sender: str
    incident_id: int | None = None
    kind: str = ""


_FED: ContextVar[frozenset[Fed]] = ContextVar("fed", default=frozenset())


# Pieces of work remembered at most; past that, only their senders (woken without looking closer).
# Background threads record work too and never take it: what they keep stays this small.
MOST = 32


def feed(sender: str | None, incident_id: int | None = None, kind: str = "") -> None:
    """Work for `sender` (None: the Slack sender) was recorded in this thread's request."""
    fed = Fed(sender or SLACK, incident_id, kind)
    already = _FED.get()
    if fed in already:
        return
    if len(already) >= MOST:
        fed = Fed(fed.sender)  # of no incident and no kind: its sender is woken whatever the pace
        if fed in already:
            return
    _FED.set(already | {fed})


def take() -> frozenset[Fed]:
    """What this thread's request fed since the last `take`, forgotten now."""
    fed = _FED.get()
    if fed:
        _FED.set(frozenset())
    return fed
