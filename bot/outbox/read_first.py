"""Of the work let go together, what people wait for reads first (`Effect.read_first`: the card).

When the channel's creation is recorded, the card, the invite, the topic and the first lines are
claimed together and sent side by side in the sender's pool (`bot.outbox.sender`). Their reads
of the database share one interpreter, so the card's view (seven statements) read beside three
others took three times as long as alone, and the card is what the person who opened the incident
is waiting for (open -> create -> post -> pin, BENCHMARKS.md). So the batches that `read_first`
are handed to the pool first, and the others of the same hand-over wait until their views are
read (or their send ended some other way) before reading theirs: the card is posted, and the rest
goes one read later, still side by side with the card's post and pin. Nothing waits longer than
`WAIT_SECONDS` (a database that hangs holds the others back no longer than that). Only the order
in which batches already claimed begin changes: what may go, and the lanes, are the claim's alone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from bot.outbox.claims import Claimed

WAIT_SECONDS = 2.0  # at most this long for the first reads: a read takes milliseconds


class ReadFirst:
    """The gates of one sender: which batch waits for which first read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._opens: dict[int, threading.Event] = {}  # first effect of a batch that reads first -> its gate
        self._waits: dict[int, list[threading.Event]] = {}  # first effect of a batch that waits -> the gates

    @staticmethod
    def ordered(batches: Sequence[list[Claimed]]) -> list[list[Claimed]]:
        """The batches, those that `read_first` first (otherwise in the order claimed)."""
        return sorted(batches, key=lambda batch: not batch[0].effect.read_first)

    def gated(self, batches: Sequence[list[Claimed]]) -> list[list[Claimed]]:
        """`ordered`, and, when some read first and others do not, the others made to wait for
        them (`wait`) until each of them has read its views (`opened`)."""
        ordered = self.ordered(batches)
        first = [batch for batch in ordered if batch[0].effect.read_first]
        if not first or len(first) == len(ordered):
            return ordered
        gates = [threading.Event() for _ in first]
        with self._lock:
            for batch, gate in zip(first, gates, strict=True):
                self._opens[batch[0].id] = gate
            for batch in ordered[len(first) :]:
                self._waits[batch[0].id] = gates
        return ordered

    def wait(self, batch: Sequence[Claimed]) -> None:
        """Before `batch` reads: wait for the first reads it was handed over with, if any."""
        with self._lock:
            gates = self._waits.pop(batch[0].id, [])
        deadline = time.monotonic() + WAIT_SECONDS
        for gate in gates:
            gate.wait(max(0.0, deadline - time.monotonic()))

    def opened(self, batch: Sequence[Claimed]) -> None:
        """`batch` read its views (or its send ended without): what waited for it may read."""
        with self._lock:
            gate = self._opens.pop(batch[0].id, None)
        if gate is not None:
            gate.set()
