"""Private incidents through the services and storage, on SQLite and PostgreSQL (docs/behaviour.md,
Private incidents): no update deadline, `list` by the same rule as the domain's, and the status
page's reads never return a private incident, whatever its rows say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bot.domain.visibility import visible_to
from bot.storage import public
from bot.storage.db import Database
from tests.service.test_reminder_schedule import ALICE, BOB, INC_1, Story

CAROL = "U0CAROL"
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def test_a_private_incident_has_no_update_deadline_until_it_is_made_public(any_db: Database) -> None:
    story = Story(any_db)
    story.incidents.open(team_id="T1", actor=ALICE, title="Keys leaked", severity=1, private=True)
    assert story.schedule().due is None and story.schedule().remind_at is None
    story.incidents.set_private(INC_1, actor=ALICE, private=False)
    assert story.schedule().due is not None  # the public now expects updates: one cadence from now
    story.incidents.set_private(INC_1, actor=ALICE, private=True)
    assert story.schedule().due is None


def test_list_shows_a_private_incident_by_the_domain_rule(any_db: Database) -> None:
    story = Story(any_db)
    story.incidents.open(team_id="T1", actor=ALICE, title="Public one")
    story.incidents.open(team_id="T1", actor=ALICE, title="Private one", private=True)
    with any_db.write() as session:
        session.execute(text("UPDATE incident SET channel_id = 'C0PRIV', comms = :bob WHERE number = 2"), {"bob": BOB})
    everyone = story.incidents.list_incidents(team_id="T1", everything=True)
    for viewer in (ALICE, BOB, CAROL):
        for channel in (None, "C0PRIV", "C0GENERAL"):
            for everything in (False, True):
                shown = story.incidents.list_incidents(
                    team_id="T1", everything=everything, viewer=viewer, channel_id=channel
                )
                expected = [i for i in everyone if visible_to(i, user_id=viewer, channel_id=channel)]
                assert [i.number for i in shown] == [i.number for i in expected]
    assert [i.number for i in story.incidents.list_incidents(team_id="T1", viewer=CAROL)] == [1]


def test_the_status_page_never_reads_a_private_incident_even_if_its_rows_say_it_is_listed(any_db: Database) -> None:
    story = Story(any_db)
    story.open()
    story.publish()
    with any_db.read() as session:
        assert len(public.page(session=session, resolved_since=LONG_AGO)) == 1
    with any_db.write() as session:  # private, yet still listed: the reads must refuse it anyway
        session.execute(text("UPDATE incident SET private = :yes"), {"yes": True})
    with any_db.read() as session:
        assert public.page(session=session, resolved_since=LONG_AGO) == []
        assert public.unresolved(session=session) == []
        assert public.recent(session=session, limit=50) == []


def test_made_public_only_updates_published_from_then_on_are_read(any_db: Database) -> None:
    story = Story(any_db)
    story.open()
    story.publish()
    story.incidents.set_private(INC_1, actor=ALICE, private=True)
    story.incidents.set_private(INC_1, actor=ALICE, private=False)
    with any_db.read() as session:
        assert public.page(session=session, resolved_since=LONG_AGO) == []  # nothing published since
    with any_db.write() as session:  # listed again, as by an old row: still only what came after
        session.execute(text("UPDATE incident SET listed_at = :t"), {"t": datetime.now(UTC) - timedelta(hours=1)})
    with any_db.read() as session:
        assert public.page(session=session, resolved_since=LONG_AGO) == []
    later = story.publish()
    with any_db.read() as session:
        (incident,) = public.page(session=session, resolved_since=LONG_AGO)
    assert [update.text for update in incident.updates] == [later]
