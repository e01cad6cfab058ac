"""A step of a send remembered beside the next Slack call, not before it (`Sending.progress`).

A kind whose send makes a second Slack call after one that changed something (the card: posted,
then pinned; a channel moved, then its people invited) remembers the first call's result at once
(the card's `ts`), so that a retry after the second call failed does not do the first again (a
second card). Written before the second call, that write was a database round trip on the path
to the pinned card (1.5 to 4.5 ms on PostgreSQL). Now it is written in a thread of its own while
the second call goes, and the send does not end, neither returning nor raising, before the write
has: the outcome is recorded after it, and a retry finds it, as before. A write that failed makes
the send fail once the call is over, as one that may have reached Slack (`Retry(maybe_sent=True)`),
but for a send Slack refused the token (`Hold`): it stays held, the outbox paused (the retry, once
the token is taken again, is not told that a step may be done: its record is lost with the Hold).
Steps are written in the order given: a step waits for the one before it. A step is written only
while the effect is still its sender's (`ours_to_save`, in one transaction with that check): one
whose lease ran out while Slack was slow, and that another sender took over, writes nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from types import TracebackType

from sqlalchemy.exc import SQLAlchemyError

from bot.outbox import store
from bot.outbox.failures import Hold, Retry
from bot.outbox.results import Result
from bot.storage.db import Database

log = logging.getLogger(__name__)


def ours_to_save(
    db: Database, effect_id: int, incident_id: int | None, *, worker: str, before: Result | None = None
) -> Callable[[Result], None]:
    """How `worker`'s send of the effect writes a step (after `before`, the result of the work it
    was read ahead of: `Ready.lets_go`): in one transaction with the check that the effect is still
    `worker`'s (`store.still_ours`). A sender whose lease ran out while Slack was slow, and whose
    effect another sender took over since, writes nothing: what Slack answered it (its card's `ts`)
    never replaces what the sender that took over stored."""

    def save(step: Result) -> None:
        with db.write() as session:
            if not store.still_ours(session=session, effect_id=effect_id, worker=worker):
                log.info("effect %s: no longer this sender's (taken over, or settled), step dropped", effect_id)
                return
            for each in (step,) if before is None else (before, step):
                each.remember(session, incident_id)

    return save


class Steps:
    """The `progress` of one attempt: `save` each step beside what the send does next; `wait`
    (always, when the send ended: `with Steps(save) as steps:` around the send) for every write,
    raising the first that failed."""

    def __init__(self, save: Callable[[Result], None]) -> None:
        self._save = save
        self._writing: threading.Thread | None = None
        self._failed: list[BaseException] = []

    def __call__(self, step: Result) -> None:
        self._join()
        self._writing = threading.Thread(target=self._write, args=(step,), name="effect-step", daemon=True)
        self._writing.start()

    def _write(self, step: Result) -> None:
        try:
            self._save(step)
        except BaseException as error:  # noqa: BLE001 - raised again by `wait`, in the sending thread
            self._failed.append(error)

    def _join(self) -> None:
        if self._writing is not None:
            self._writing.join()
            self._writing = None

    def wait(self) -> None:
        """Every step written; when one failed for the database, a `Retry` that says Slack may have done the step
        (`maybe_sent`): the retry then looks for what it did (the card posted, found by its
        metadata) instead of doing it again (a second card, pinned too)."""
        self._join()
        if self._failed:
            lost = self._failed[0]
            if isinstance(lost, SQLAlchemyError):  # the database away: the step's record may be all that is missing
                raise Retry(f"a step was done but not recorded: {type(lost).__name__}", maybe_sent=True) from lost
            raise lost  # a bug: failed as any other, given up after its attempts

    def __enter__(self) -> Steps:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, raised: BaseException | None, traceback: TracebackType | None
    ) -> None:
        """The send ended: `wait`, whose failure replaces what the send raised, but a `Hold`: Slack
        refused the token, and the outbox must pause (`bot.outbox.pause`), not retry for ever."""
        if not isinstance(raised, Hold):
            self.wait()
            return
        self._join()
        if self._failed:
            log.warning("a step was done but not recorded before Slack refused the token: %r", self._failed[0])
