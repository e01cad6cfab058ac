"""A reader waits for their language's text only while a draft of it can still be published
(docs/behaviour.md, Subscribers), also when the draft goes stale while the fan-out that waits for
it is being handed out; in-process with a real SMTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from subscriber_world import SmtpServer, SubscriberWorld, link_in, plain_smtp, text_of

from bot.outbox.fan_out import FanOutSender
from bot.storage.db import Database


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    yield from plain_smtp()


@pytest.fixture
def world(any_db: Database, smtp: SmtpServer) -> SubscriberWorld:
    return SubscriberWorld(any_db, smtp=smtp)


def test_a_draft_discarded_while_its_fan_out_is_handed_out_still_ends_the_wait(
    world: SubscriberWorld, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fan-out read the French draft as proposed, and it is discarded before the fan-out puts
    the French readers off: they are not put off for 5 minutes (the wake was lost). PostgreSQL:
    another process discards it while the fan-out's read is open (SQLite's writer waits for it)."""
    if world.db.is_sqlite:
        pytest.skip("on SQLite a write waits for the fan-out's open read: the discard cannot come in between")
    world.confirmed("anglais@example.com", smtp.mailbox)
    world.post("/status/subscribe", {"email": "francais@example.fr", "language": "fr"})
    world.deliver()
    world.open_link(link_in(smtp.mailbox.to("francais@example.fr")[0], "/status/confirm"), method="POST")
    incident = world.open()
    world.clock.now += timedelta(minutes=1)
    english, french = world.drafts.draft(incident, actor="U0ALICE", language=None, length="long").drafts
    planned, discarded = FanOutSender._plan, []

    def discarded_meanwhile(self: FanOutSender, session: Any, job: Any, now: Any) -> Any:
        plan = planned(self, session, job, now)
        if not discarded:  # after the fan-out read the drafts, before it puts the French readers off
            elsewhere = threading.Thread(
                target=lambda: discarded.append(world.drafts.discard(french.id, actor="U0ALICE"))
            )
            elsewhere.start()  # another request's thread: the fan-out's own read is still open
            elsewhere.join()
        return plan

    world.drafts.publish(english.id, actor="U0ALICE")
    monkeypatch.setattr(FanOutSender, "_plan", discarded_meanwhile)
    world.deliver()
    assert discarded, "the draft was discarded while the fan-out was handed out"
    world.deliver()  # no clock moved: nobody waits 5 minutes for a draft that is gone
    [_, fallback] = smtp.mailbox.to("francais@example.fr")
    assert "Cette mise à jour a été publiée en anglais." in text_of(fallback)
