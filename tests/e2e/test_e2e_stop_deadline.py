"""A stop keeps its word (README, Stopping): however many Slack calls are in hand, the whole stop
ends by one deadline (`bot.background.Deadline`, 10 s), each call still unanswered then left to its
claim's lease; and `incident-bot serve` answers the requests in hand before it stops what they
need, as gunicorn's graceful stop does. Slack's answers are held by the emulator and the stop's
clock is the test's, so nothing here depends on timing (the waits are bounds for a failure only);
on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Callable, Iterable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select
from test_e2e_bad_requests import FORM, command, signed_raw

from bot import background
from bot.lifecycle import Starting, Stop, listen, run_until_stopped, serving
from bot.outbox.kinds.create_channel import CreateChannel
from bot.outbox.kinds.post_card import PostCard
from bot.sandbox import Sandbox
from bot.serve import make_http_server
from bot.service import IncidentService
from bot.storage.db import Database
from bot.storage.effect_tables import EffectRow
from bot.storage.tables import IncidentRow
from slack_emulator import TEAM_ID, SlackEmulator

WAIT = 30.0  # seconds: only a failure waits this long
INCIDENTS = 4  # as many batches as a round claims and its pool sends at once (`CLAIM_BATCH`, `SEND_THREADS`)


class StopClock:
    """The stop's monotonic clock, moved by the test: no stop here waits for real seconds to pass."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def outbox(db: Database) -> list[EffectRow]:
    with db.read() as session:
        return list(session.exec(select(EffectRow).order_by(EffectRow.id)).all())  # type: ignore[arg-type]


def test_a_stop_with_several_slack_calls_in_hand_ends_by_its_deadline_leaving_them_to_their_leases(
    database_url: str, make_stack: Callable[..., Sandbox]
) -> None:
    """Four channels being created, side by side, and Slack answers none of them. Before, the stop
    waited for each call up to the Slack client's 30 s timeout (the pool closed waiting for its
    sends), not the 10 s the README promises. Now once the stop's 10 s have gone by, the calls
    still in hand are not waited for: each effect stays claimed until its lease runs out (the next
    process sends it then, once), and nothing more is sent."""
    db = Database(database_url)
    db.upgrade()
    for number in range(1, INCIDENTS + 1):  # opened by a process that is gone: the next one sends it all
        IncidentService(db, zone=ZoneInfo("Asia/Kolkata")).open(
            team_id=TEAM_ID, actor="U0ALICE", title=f"Down {number}"
        )
    db.dispose()
    emulator = SlackEmulator()
    creating = emulator.hold("conversations.create")
    stack = make_stack(emulator=emulator)
    assert creating.wait_arrived(WAIT, count=INCIDENTS), "the four creations in hand at once"

    clock = StopClock()
    deadline = background.Deadline(monotonic=clock)
    clock.now += background.STOP_SECONDS  # the stop's 10 s have gone by, the calls still unanswered
    stopping = threading.Thread(target=stack.runtime.stop, args=(deadline,))
    stopping.start()
    stopping.join(WAIT)
    assert not stopping.is_alive(), "the stop ended by its deadline, Slack's calls still in hand"
    assert creating.arrived == INCIDENTS and emulator.calls("conversations.create") == [], "none answered"
    rows = outbox(stack.runtime.db)
    created = [row for row in rows if row.kind == CreateChannel.kind]
    assert len(created) == INCIDENTS
    assert all(row.state == "pending" and row.claimed_until is not None for row in created), "left to their leases"
    # Each card was leased and read while its channel was being created (bot.outbox.ahead): it is
    # left to its lease with its creation, as it could not go before it anyway; the rest is pending
    # again at once for the next process.
    cards = [row for row in rows if row.kind == PostCard.kind]
    assert len(cards) == INCIDENTS and all(row.state == "pending" for row in cards), "never sent"
    rest = [row for row in rows if row.kind not in (CreateChannel.kind, PostCard.kind)]
    assert rest and all(row.state == "pending" and row.claimed_until is None for row in rest), "nothing more"
    creating.release()  # in a process that exited, the abandoned sends end with it; here they end now
    assert stack.runtime.sender.pool.wait_for_sends(WAIT)  # before the next test empties the database
    stack.runtime.sender_thread.stop(WAIT)  # its round, abandoned at the deadline, ends with them


class Recorded:
    """What happened, in order, across the request's thread and the stop's."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.lock = threading.Lock()

    def add(self, event: str) -> None:
        with self.lock:
            self.events.append(event)


def test_serve_answers_the_request_in_hand_before_it_stops_the_rest(
    stack: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`incident-bot serve`'s server and stop (`bot.lifecycle`), with the bot's own app: a slash
    command arrives, SIGTERM comes while it is in hand. Before, the stop closed the server without
    waiting for it and stopped the background threads and the database under it; the process then
    exited with the request cut. Now no new request is taken, the one in hand is answered, and only
    then are the threads stopped, within the stop's deadline."""
    recorded, arrived, release = Recorded(), threading.Event(), threading.Event()
    real_app = stack.runtime.wsgi()

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        arrived.set()
        release.wait(WAIT)  # in hand until the stop has gone as far as it goes without it
        answer = list(real_app(environ, start_response))
        recorded.add("answered")
        return answer

    stop_runtime = stack.runtime.stop

    def stop_threads(*deadline: Any) -> None:
        recorded.add("threads stopped")
        release.set()  # the stop went on without the request: it is let go, too late
        stop_runtime(*deadline)

    monkeypatch.setattr(stack.runtime, "stop", stop_threads)
    servers: list[Any] = []

    def start(starting: Starting) -> None:
        starting.runtime = stack.runtime
        server = listen(starting, lambda: make_http_server(app, host="127.0.0.1", port=0), "127.0.0.1:0")
        assert server is not None
        waiting = getattr(server, "finish_requests", None)
        if waiting is not None:  # the stop waits for the request in hand: the test lets it go on

            def finish(timeout: float) -> bool:
                release.set()
                return bool(waiting(timeout))

            server.finish_requests = finish  # type: ignore[method-assign]
        serving(starting, server, "http")
        servers.append(server)

    stop = Stop()
    running = threading.Thread(target=lambda: recorded.add(f"status {run_until_stopped(stop, start)}"))
    running.start()
    answers: list[Any] = []

    def ask() -> None:
        body = command(text="open sev2 Checkout fails").encode()
        while not servers:
            threading.Event().wait(0.01)
        url = f"http://127.0.0.1:{servers[0].server_port}/slack/events"
        request = urllib.request.Request(url, data=body, headers={"Content-Type": FORM, **signed_raw(body)})
        try:
            with urllib.request.urlopen(request, timeout=WAIT) as answer:  # noqa: S310 - loopback
                answers.append((answer.status, answer.read().decode()))
        except OSError as error:
            answers.append(error)

    asking = threading.Thread(target=ask)
    asking.start()
    assert arrived.wait(WAIT), "the command reached the app"
    stop.signal = "SIGTERM"
    stop.set()
    asking.join(WAIT)
    running.join(WAIT)
    [(status, text)] = answers
    assert status == 200 and "Opened *INC-1*" in text, answers
    assert recorded.events == ["answered", "threads stopped", "status 0"]
    with stack.runtime.db.read() as session:
        assert len(session.exec(select(IncidentRow)).all()) == 1
