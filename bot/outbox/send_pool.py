"""The threads a sender sends a round's batches in, side by side (`bot.outbox.sender`).

A round claims batches of different lanes or incidents (`bot.outbox.claims.claimable`): none
waits for another, so they go at once, each in a thread of a pool of `SEND_THREADS` per sender
(the web process's, the worker's), and the round waits for all of them before it claims again.
A batch that lets other work go (the channel's creation) hands back that work, claimed when it
was recorded, and it goes at once in the same round: the invite, the topic, the card and the
first lines of a new incident go side by side as soon as the channel exists. The pool is started
with the first round that needs it and closed with the sender's thread, for good: a closed pool
takes no more work (`PoolClosed`, with the batches it did not send for the sender to give back),
so a round still going after its thread's stop gave up waiting for it starts no new threads. A
batch handed over and not begun when it closes never begins (`close` returns it, for the sender to
give back at once); the sends in hand are waited for until the stop's deadline (`wait_for_sends`),
and one Slack has not answered by then is left to its lease (README, Stopping). Its threads are
daemons (`bot.background.DaemonExecutor`): a send still in hand does not hold the process's exit (a
`ThreadPoolExecutor`'s threads are joined at exit, up to the Slack client's 30 s timeout).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence, Sized
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import Any, TypeVar

from bot.background import DaemonExecutor

SEND_THREADS = 4  # as many as a round claims (`sender.CLAIM_BATCH`)

Batch = TypeVar("Batch", bound=Sized)  # the sender's claimed effects, sent as one


class PoolClosed(RuntimeError):
    """The pool is closed (its sender is stopping): `unsent`, the batches it was handed and did not
    send, are the sender's to give back; `handled`, how many effects the others held."""

    def __init__(self, unsent: Sequence[Any], handled: int = 0) -> None:
        super().__init__(f"the send pool is closed: its sender is stopping ({len(unsent)} batches not sent)")
        self.unsent = list(unsent)
        self.handled = handled


class SendPool:
    """At most `threads` sends at once (the sender sends in its own thread when `threads` is 1)."""

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self._executor: DaemonExecutor | None = None
        self._closed = False
        self._in_hand: dict[Future[Any], Any] = {}  # handed over and not ended: each one's batch
        self._lock = threading.RLock()  # closing and submitting never interleave (a send may end at once)

    @property
    def closed(self) -> bool:
        return self._closed

    def send_all(self, send: Callable[[Batch], Sequence[Batch]], batches: Sequence[Batch]) -> int:
        """`send` every batch at once, and each batch that a `send` returns (the work a batch let
        go) as soon as it returns it; wait for all; how many effects they held. Raises what the
        first that failed raised, once the others were sent and recorded; `PoolClosed` when the
        pool was closed before or meanwhile, once the sends it had begun are done, with what it
        did not send."""
        going: dict[Future[Sequence[Batch]], Batch] = {}
        unsent: list[Batch] = []
        for batch in batches:
            self._submit(send, batch, going, unsent)
        handled, failed = 0, list[BaseException]()
        while going:
            done, _ = wait(going, return_when=FIRST_COMPLETED)
            for future in done:
                batch = going.pop(future)
                if future.cancelled():  # not begun when the pool closed: `close` handed it back
                    continue
                handled += len(batch)
                error = future.exception()
                if error is not None:
                    failed.append(error)
                    continue
                for then in future.result():
                    self._submit(send, then, going, unsent)
        if unsent:
            raise PoolClosed(unsent, handled) from (failed[0] if failed else None)
        if failed:
            raise failed[0]
        return handled

    def _submit(
        self,
        send: Callable[[Batch], Sequence[Batch]],
        batch: Batch,
        going: dict[Future[Sequence[Batch]], Batch],
        unsent: list[Batch],
    ) -> None:
        """Start sending `batch` in a thread of the pool (started now if need be), unless it is closed."""
        with self._lock:
            if self._closed:
                unsent.append(batch)
                return
            if self._executor is None:
                self._executor = DaemonExecutor(self.threads, "effect-send")
            future = self._executor.submit(send, batch)
            going[future] = self._in_hand[future] = batch
            future.add_done_callback(self._ended)

    def _ended(self, future: Future[Any]) -> None:
        with self._lock:
            self._in_hand.pop(future, None)

    def close(self) -> list[Any]:
        """Take no more work, for good, and let the threads end with the sends in hand: those
        handed over and not begun never begin, returned for the sender to give back."""
        with self._lock:
            self._closed = True
            executor = self._executor
            handed = list(self._in_hand.items())
        unsent = [batch for future, batch in handed if future.cancel()]
        if executor is not None:
            executor.shutdown(wait=False)
        return unsent

    def wait_for_sends(self, timeout: float) -> bool:
        """Wait for the sends in hand, at most `timeout` seconds: whether they all ended."""
        with self._lock:
            in_hand = list(self._in_hand)
        return not wait(in_hand, timeout=timeout).not_done
