"""When the outbox tries again after Slack failed: exponential backoff with jitter, capped.

After a 5xx answer or a network error an effect waits a random time between `first` and
`first * 2**attempts`, never more than `cap` (30 s): a Slack blip costs a second or two, a long
outage leaves every queue at most 30 s behind once Slack answers again, and the random spread
keeps the bot's processes from all knocking at the same instant when it comes back. A 429 is
not jittered: Slack's Retry-After is honoured exactly (`wait`). While Slack refuses the token,
the outbox checks again every `held_every` (60 s, `bot.outbox.pause`).

`random` is the jitter's source (a number in [0, 1)): tests pass a fixed one.
"""

from __future__ import annotations

import random as random_module
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from bot.outbox.failures import Retry

MAX_DOUBLINGS = 16  # 2**16 s is far beyond any cap; keeps the power small


@dataclass(frozen=True)
class Backoff:
    first: timedelta = timedelta(seconds=1)
    cap: timedelta = timedelta(seconds=30)
    held_every: timedelta = timedelta(seconds=60)
    random: Callable[[], float] = field(default=random_module.random, repr=False)

    def after(self, attempts: int) -> timedelta:
        """The wait after a failure, `attempts` being the failures before this one (0 the first time)."""
        ceiling = min(self.cap, self.first * float(2 ** min(max(attempts, 0), MAX_DOUBLINGS)))
        floor = min(self.first, ceiling)
        share: float = self.random()
        return floor + (ceiling - floor) * share

    def wait(self, retry: Retry, attempts: int) -> timedelta:
        """Before trying again after `retry`: Slack's Retry-After exactly when it sent one, else `after`."""
        if retry.after_seconds is not None:
            return timedelta(seconds=retry.after_seconds)
        return self.after(attempts)
