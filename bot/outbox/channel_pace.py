"""The channels' pace: Slack accepts about one message a second in a channel.

Lines of one incident's channel (a `batched` kind) are sent at most once per `seconds` (in this
process): what is acknowledged meanwhile waits and goes as one batch, so a busy channel costs one
Slack call a second, not one a line, and stays inside Slack's limit. A kind that posts every one
of its effects in one channel (`Effect.one_channel`: the alert channel's triage messages) keeps
that channel's pace. 0 sends at once (the tests of the sender itself).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Protocol, TypeVar

from bot.outbox.registry import KINDS

BATCHED = sorted(name for name, kind in KINDS.items() if kind.batched)  # paced by their incident's channel


class Queued(Protocol):
    """What the pace needs of an effect that may go now (`bot.outbox.claims.Due`)."""

    @property
    def kind(self) -> str: ...

    @property
    def incident_id(self) -> int | None: ...


Due = TypeVar("Due", bound=Queued)


class ChannelPace:
    """When each paced channel (an incident's, or the one channel a kind posts in) last had a
    message from this process (the beginning of its send, then its end), and what may go now."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        # A paced channel (an incident's, or the one channel a kind posts in) -> time.monotonic() of its
        # last message: when its send began, then when it ended
        self._posted: dict[int | str, float] = {}
        self.next_in: float | None = None  # seconds until a paced line may go (None: none waits)

    def paced(self, kind_name: str, incident_id: int | None) -> int | str | None:
        """Whose pace an effect keeps: its incident's channel (timeline lines), the one channel its
        kind posts in (triage messages, `Effect.one_channel`), or none."""
        kind = KINDS.get(kind_name)
        if self.seconds <= 0 or kind is None:
            return None
        if kind.one_channel:
            return kind_name
        return incident_id if kind.batched and incident_id is not None else None

    def wait(self, paced: int | str) -> float:
        """Seconds before the paced channel `paced` may post again (counted in `next_in` when positive)."""
        last = self._posted.get(paced)
        wait = 0.0 if last is None else last + self.seconds - time.monotonic()
        if wait > 0:
            self.next_in = wait if self.next_in is None else min(self.next_in, wait)
        return wait

    def waiting_kinds(self) -> list[str]:
        """The kinds posting in one channel whose pace holds them back now: not even read, so that
        a storm of them never hides an incident's work behind them."""
        return [paced for paced in list(self._posted) if isinstance(paced, str) and self.wait(paced) > 0]

    def held_in(self, incident_id: int) -> list[str]:
        """The kinds whose effects of this incident its channel's pace holds back now (its lines,
        `batched`, within `seconds` of its last message): what `ready` would leave out of them."""
        if self.seconds <= 0 or self.wait(incident_id) <= 0:
            return []
        return list(BATCHED)

    def held_until(self, kind_name: str, incident_id: int | None) -> float | None:
        """When (time.monotonic()) the pace of the channel an effect of this kind posts in lets it go,
        if it holds it back now (else None). Only reads: any thread may ask."""
        paced = self.paced(kind_name, incident_id)
        last = None if paced is None else self._posted.get(paced)
        if last is None:
            return None
        end = last + self.seconds
        return end if end > time.monotonic() else None

    def ready(self, due: Sequence[Due]) -> list[Due]:
        """The due effects that may go now: one per paced channel, and only once its pace allows."""
        ready: list[Due] = []
        taken: set[int | str] = set()
        for effect in due:
            paced = self.paced(effect.kind, effect.incident_id)
            if paced is not None and (paced in taken or self.wait(paced) > 0):
                continue
            if paced is not None:
                taken.add(paced)
            ready.append(effect)
        return ready

    def posted(self, kind_name: str, incident_id: int | None) -> None:
        """A batch of this kind is being sent, or was sent (or settled): its paced channel waits
        its pace from now. Marked when the send begins too, so that what is acknowledged during
        the send is held back (`SenderThread.offer`), not a reason for another round; marked again
        when it ends (failed or not), unless the send raised: then the pace counts from its beginning."""
        paced = self.paced(kind_name, incident_id)
        if paced is not None:
            self._posted[paced] = time.monotonic()

    def forget_quiet(self) -> None:
        quiet = time.monotonic() - self.seconds
        for paced in [paced for paced, at in list(self._posted.items()) if at <= quiet]:
            self._posted.pop(paced, None)
