"""The threads a sender sends a round's batches in, side by side (`bot.outbox.sender`).

A round claims batches of different lanes or incidents (`bot.outbox.store.claimable`): none
waits for another, so they go at once, each in a thread of a pool of `SEND_THREADS` per sender
(the web process's, the worker's), and the round waits for all of them before it claims again.
The invite, the topic, the card and the first lines of a new incident go at once. The pool is
started with the first round that needs it and stopped with the sender's thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence, Sized
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TypeVar

SEND_THREADS = 4  # as many as a round claims (`sender.CLAIM_BATCH`)

Batch = TypeVar("Batch", bound=Sized)  # the sender's claimed effects, sent as one


class SendPool:
    """At most `threads` sends at once (the sender sends in its own thread when `threads` is 1)."""

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self._executor: ThreadPoolExecutor | None = None

    def send_all(self, send: Callable[[Batch], object], batches: Sequence[Batch]) -> int:
        """`send` every batch at once and wait for all; how many effects they held. Raises what
        the first that failed raised, once the others were sent and recorded."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="effect-send")
        futures = [self._executor.submit(send, batch) for batch in batches]
        wait(futures)
        for future in futures:
            future.result()
        return sum(len(batch) for batch in batches)

    def close(self) -> None:
        """Stop the threads, once the sends in hand are done."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
