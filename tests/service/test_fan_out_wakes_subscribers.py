"""The subscriber threads are woken by what gives them work, not by every ack (docs/architecture.md,
bot.outbox.subscriber_threads): a Publish or a correction wakes them once its fan-out is committed,
so the woken thread finds it; a note, a status change or a draft wakes nobody. On SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.domain.incident import Status
from bot.drafts import DraftService
from bot.lookup import Where
from bot.service import IncidentService
from bot.storage import fan_outs
from bot.storage.db import Database

IST = ZoneInfo("Asia/Kolkata")
INC_1 = Where(team_id="T1", number=1)
ALICE = "U0ALICE"


def test_a_publish_and_a_correction_wake_the_subscribers_once_their_fan_out_is_committed(any_db: Database) -> None:
    moment = datetime(2022, 2, 17, 21, 41, tzinfo=IST)
    settings = Settings(zone=IST, status_channel="C0STATUS", public_name="Chirper", languages=("en", "fr"))
    woken: list[datetime | None] = []

    def wake() -> None:  # what the woken thread sees first: the fan-out due
        with any_db.read() as session:
            woken.append(fan_outs.next_due(session=session))

    incidents = IncidentService(any_db, zone=IST, clock=lambda: moment)
    drafts = DraftService(any_db, settings, clock=lambda: moment, fanned_out=wake)
    incidents.open(team_id="T1", actor=ALICE, title="Checkout fails", severity=2)
    incidents.note(INC_1, actor=ALICE, text="Looking at the load balancer")
    incidents.set_status(INC_1, actor=ALICE, status=Status.IDENTIFIED, message="Bad deploy")
    drafted = drafts.draft(INC_1, actor=ALICE, language="en", length="short")
    assert woken == [], "nothing so far has anything for the subscribers"

    drafts.publish(drafted.drafts[0].id, actor=ALICE)
    assert len(woken) == 1 and woken[0] is not None, "woken after the commit: the fan-out is there to take"
    with any_db.write() as session:  # a thread takes it
        taken = fan_outs.claim_next(session=session, worker="test", now=moment)
        assert taken is not None
        fan_outs.done(session=session, fan_out_id=taken.id, delivered=0, now=moment)

    drafts.correct(drafted.drafts[0].id, actor=ALICE, text="Checkout fails for some of you. We are on it.")
    assert len(woken) == 2 and woken[1] is not None
