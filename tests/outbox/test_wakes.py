"""What a request fed (bot.outbox.wakes): kept per thread, forgotten once taken, and never more than
a few dozen pieces, though background threads record work and never take it."""

from __future__ import annotations

import threading

from bot.outbox import wakes
from bot.outbox.kinds.post_timeline import PostTimeline


def test_what_a_thread_fed_is_its_own_and_forgotten_once_taken() -> None:
    wakes.take()
    wakes.feed(None, 1, PostTimeline.kind)
    wakes.feed("home")
    seen_elsewhere: list[frozenset[wakes.Fed]] = []
    other = threading.Thread(target=lambda: seen_elsewhere.append(wakes.take()))
    other.start()
    other.join()
    assert seen_elsewhere == [frozenset()]
    assert wakes.take() == {wakes.Fed(wakes.SLACK, 1, PostTimeline.kind), wakes.Fed(wakes.HOME)}
    assert wakes.take() == frozenset()


def test_a_thread_that_never_takes_keeps_a_few_dozen_pieces_and_its_senders_are_woken_whatever_the_pace() -> None:
    wakes.take()
    for incident_id in range(10_000):
        wakes.feed(None, incident_id, PostTimeline.kind)
    fed = wakes.take()
    assert len(fed) == wakes.MOST + 1
    assert wakes.Fed(wakes.SLACK) in fed  # of no incident: no pace holds it back, so the sender is woken
