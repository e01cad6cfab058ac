"""The threads a sender sends a round's batches in, side by side (`bot.outbox.sender`).

A round claims batches of different lanes or incidents (`bot.outbox.claims.claimable`): none
waits for another, so they go at once, each in a thread of a pool of `SEND_THREADS` per sender
(the web process's, the worker's), and the round waits for all of them before it claims again.
A batch that lets other work go (the channel's creation) hands back that work, claimed when it
was recorded, and it goes at once in the same round: the invite, the topic, the card and the
first lines of a new incident go side by side as soon as the channel exists. The pool is started
with the first round that needs it and stopped with the sender's thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence, Sized
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

SEND_THREADS = 4  # as many as a round claims (`sender.CLAIM_BATCH`)

Batch = TypeVar("Batch", bound=Sized)  # the sender's claimed effects, sent as one


class SendPool:
    """At most `threads` sends at once (the sender sends in its own thread when `threads` is 1)."""

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self._executor: ThreadPoolExecutor | None = None

    def send_all(self, send: Callable[[Batch], Sequence[Batch]], batches: Sequence[Batch]) -> int:
        """`send` every batch at once, and each batch that a `send` returns (the work a batch let
        go) as soon as it returns it; wait for all; how many effects they held. Raises what the
        first that failed raised, once the others were sent and recorded."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="effect-send")
        going: dict[Future[Sequence[Batch]], Batch] = {self._executor.submit(send, b): b for b in batches}
        handled, failed = 0, list[BaseException]()
        while going:
            done, _ = wait(going, return_when=FIRST_COMPLETED)
            for future in done:
                handled += len(going.pop(future))
                error = future.exception()
                if error is not None:
                    failed.append(error)
                    continue
                for then in future.result():
                    going[self._executor.submit(send, then)] = then
        if failed:
            raise failed[0]
        return handled

    def close(self) -> None:
        """Stop the threads, once the sends in hand are done."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
