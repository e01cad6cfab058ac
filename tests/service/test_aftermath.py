"""After the fire, through the services on both backends: recurrence at open, related links,
follow-ups, the retrospective's decision, and the record the retrospective is built from."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from freezegun import freeze_time
from markdown_it import MarkdownIt
from sqlalchemy import event, text
from sqlmodel import select

from bot.aftermath import AftermathService
from bot.domain.incident import EntryKind, Status
from bot.domain.retro import RetroState
from bot.errors import NotFound, RuleRefused, UsageError
from bot.lookup import Where
from bot.render.export import as_data
from bot.render.retro import markdown
from bot.service import IncidentService
from bot.storage import members
from bot.storage.db import Database
from bot.storage.tables import FollowUpRow
from tests.conftest import KOLKATA, database_state

INC_1 = Where(team_id="T1", number=1)
INC_2 = Where(team_id="T1", number=2)
SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "export.schema.json").read_text())


@pytest.fixture
def after(any_db: Database) -> AftermathService:
    return AftermathService(any_db, zone=KOLKATA, clock=lambda: datetime.now(UTC))


def _two_outages(service: IncidentService) -> None:
    """The seed stories: Feb 11 (an hour and two minutes), then Feb 17 (1h 58m)."""
    with freeze_time("2022-02-11 14:05:00+05:30") as clock:
        service.open(team_id="T1", actor="U1", title="Something went wrong on home page", severity=2)
        clock.move_to("2022-02-11 15:07:00+05:30")
        service.close(INC_1, actor="U1")
    with freeze_time("2022-02-17 21:41:00+05:30") as clock:
        service.open(team_id="T1", actor="U1", title="Something went wrong on the home page", severity=1)
        clock.move_to("2022-02-17 22:06:00+05:30")
        service.set_status(INC_2, actor="U1", status=Status.IDENTIFIED)
        clock.move_to("2022-02-17 23:39:00+05:30")
        service.close(INC_2, actor="U1")


def test_the_second_outage_in_a_week_names_the_first_when_it_opens(service: IncidentService) -> None:
    _two_outages(service)
    entries = service.timeline(INC_2).entries
    recurrence = [entry for entry in entries if entry.kind is EntryKind.RELATED]
    assert [entry.text for entry in recurrence] == [
        "2nd similar incident in 7 days: INC-1 “Something went wrong on home page” (Feb 11, 1h 2m)"
    ]
    assert entries.index(recurrence[0]) == 1  # right after the opening line


def test_an_unrelated_title_or_an_incident_over_30_days_old_is_not_named(service: IncidentService) -> None:
    with freeze_time("2022-01-10 10:00:00+05:30"):
        service.open(team_id="T1", actor="U1", title="Home page broken", severity=2)
    with freeze_time("2022-02-17 10:00:00+05:30"):
        service.open(team_id="T1", actor="U1", title="Checkout payments failing", severity=2)
        service.open(team_id="T1", actor="U1", title="Something went wrong on the home page", severity=2)
    for number in (2, 3):
        kinds = [entry.kind for entry in service.timeline(Where(team_id="T1", number=number)).entries]
        assert EntryKind.RELATED not in kinds


def test_an_open_links_every_similar_earlier_incident_in_one_statement(
    any_db: Database, service: IncidentService, after: AftermathService
) -> None:
    """The recurrence check links the new incident to each similar one opened in the 30 days
    before it, in the transaction the person's `/incident open` waits for: one INSERT for all of
    them, not a round trip each (BENCHMARKS.md, issue 26)."""
    with freeze_time("2022-02-17 21:41:00+05:30"):
        for _ in range(3):
            service.open(team_id="T1", actor="U1", title="Something went wrong on the home page", severity=2)
        inserts: list[str] = []

        def noted(_conn: object, _cursor: object, statement: str, *_: object) -> None:
            if statement.lstrip().upper().startswith("INSERT INTO INCIDENT_LINK"):
                inserts.append(statement)

        event.listen(any_db.engine, "before_cursor_execute", noted)
        try:
            service.open(team_id="T1", actor="U1", title="Something went wrong on the home page", severity=2)
        finally:
            event.remove(any_db.engine, "before_cursor_execute", noted)
    assert len(inserts) == 1
    assert [other.number for other in after.record(Where(team_id="T1", number=4)).related] == [1, 2, 3]


def test_an_alert_that_keeps_recurring_names_its_latest_three_look_alikes_and_counts_the_rest(
    service: IncidentService, after: AftermathService
) -> None:
    """Five look-alikes in a day (an alert that keeps firing): the sixth's line stays one short line,
    the latest three named, the two before them counted, all five linked."""
    title = "Something went wrong on the home page"
    with freeze_time("2022-02-17 09:00:00+05:30") as clock:
        for _ in range(6):
            service.open(team_id="T1", actor="U1", title=title, severity=2)
            clock.tick(3600)
    fourth, fifth = (service.timeline(Where(team_id="T1", number=n)).entries[1] for n in (4, 5))
    assert fourth.text == (  # three look-alikes: each named
        f"4th similar incident in 1 day: INC-1 “{title}” (Feb 17, still open); "
        f"INC-2 “{title}” (Feb 17, still open); INC-3 “{title}” (Feb 17, still open)"
    )
    assert fifth.text == (
        f"5th similar incident in 1 day: 1 earlier one, then INC-2 “{title}” (Feb 17, still open); "
        f"INC-3 “{title}” (Feb 17, still open); INC-4 “{title}” (Feb 17, still open)"
    )
    sixth = service.timeline(Where(team_id="T1", number=6)).entries[1]
    assert sixth.text == (
        f"6th similar incident in 1 day: 2 earlier ones, then INC-3 “{title}” (Feb 17, still open); "
        f"INC-4 “{title}” (Feb 17, still open); INC-5 “{title}” (Feb 17, still open)"
    )
    assert [other.number for other in after.record(Where(team_id="T1", number=6)).related] == [1, 2, 3, 4, 5]


def test_related_links_are_made_once_and_removed_once(service: IncidentService, after: AftermathService) -> None:
    with freeze_time("2022-02-17 10:00:00+05:30"):
        service.open(team_id="T1", actor="U1", title="Search slow", severity=2)
        service.open(team_id="T1", actor="U1", title="Database failover", severity=2)
        entry = after.relate(INC_2, actor="U2", other_number=1, linked=True)
        assert entry.text == "linked related incident INC-1 “Search slow”"
        with pytest.raises(RuleRefused, match="already related"):
            after.relate(INC_1, actor="U2", other_number=2, linked=True)
        assert [other.number for other in after.record(INC_1).related] == [2]
        after.relate(INC_1, actor="U2", other_number=2, linked=False)
        with pytest.raises(RuleRefused, match="not related"):
            after.relate(INC_1, actor="U2", other_number=2, linked=False)
        assert after.record(INC_2).related == []


@pytest.mark.parametrize(
    ("other", "error", "message"),
    [(1, RuleRefused, "cannot be related to itself"), (9, NotFound, "There is no INC-9")],
)
def test_a_bad_relation_is_refused_and_nothing_is_stored(
    any_db: Database, service: IncidentService, after: AftermathService, other: int, error: type, message: str
) -> None:
    with freeze_time("2022-02-17 10:00:00+05:30"):
        service.open(team_id="T1", actor="U1", title="Search slow", severity=2)
        before = database_state(any_db)
        with pytest.raises(error, match=message):
            after.relate(INC_1, actor="U2", other_number=other, linked=True)
    assert database_state(any_db) == before


def test_a_follow_up_is_added_then_done_once(service: IncidentService, after: AftermathService) -> None:
    with freeze_time("2022-02-17 10:00:00+05:30"):
        service.open(team_id="T1", actor="U1", title="Search slow", severity=2)
        number, entry = after.add_follow_up(
            INC_1, actor="U1", text="Alert on p99 latency", owner="U2", due="2022-02-24"
        )
        assert entry.text == f"added follow-up #{number}: Alert on p99 latency (<@U2>, due 2022-02-24)"
        after.finish_follow_up(team_id="T1", follow_up_id=number, actor="U2")
        with pytest.raises(RuleRefused, match="already done"):
            after.finish_follow_up(team_id="T1", follow_up_id=number, actor="U2")
        (listed,) = after.record(INC_1).follow_ups
        assert listed.done_at is not None and listed.owner == "U2"


@pytest.mark.parametrize(
    ("where", "text", "due", "error", "message"),
    [
        (Where(team_id="T1", number=7), "Add an alert", None, NotFound, "There is no INC-7"),
        (INC_1, "Add an alert", "2022-02-16", UsageError, "in the past"),
        (INC_1, "Add an alert", "2022-02-30", UsageError, "not a date on the calendar"),
        (INC_1, "Add an alert", "next week", UsageError, "YYYY-MM-DD, e.g. `due 2022-02-24`"),  # a week from today
        (INC_1, "   ", None, UsageError, "The follow-up is empty"),
        (INC_1, "x" * 301, None, UsageError, "the limit is 300"),
    ],
)
def test_a_bad_follow_up_is_refused_and_nothing_is_stored(
    any_db: Database,
    service: IncidentService,
    after: AftermathService,
    where: Where,
    text: str,
    due: str | None,
    error: type,
    message: str,
) -> None:
    with freeze_time("2022-02-17 10:00:00+05:30"):
        service.open(team_id="T1", actor="U1", title="Search slow", severity=2)
        before = database_state(any_db)
        with pytest.raises(error, match=message):
            after.add_follow_up(where, actor="U1", text=text, owner=None, due=due)
        with pytest.raises(NotFound, match="no follow-up #99"):
            after.finish_follow_up(team_id="T1", follow_up_id=99, actor="U1")
    assert database_state(any_db) == before


def test_the_retrospective_is_decided_once_and_only_after_the_close(
    any_db: Database, service: IncidentService, after: AftermathService
) -> None:
    with freeze_time("2022-02-17 10:00:00+05:30") as clock:
        service.open(team_id="T1", actor="U1", title="Search slow", severity=2)
        before = database_state(any_db)
        with pytest.raises(RuleRefused, match="still open"):
            after.decide_retro(INC_1, actor="U1", state=RetroState.DONE)
        assert database_state(any_db) == before
        clock.tick(600)
        service.close(INC_1, actor="U1")
        with pytest.raises(UsageError, match="Say why"):
            after.decide_retro(INC_1, actor="U1", state=RetroState.WAIVED, reason=" ")
        entry = after.decide_retro(INC_1, actor="U1", state=RetroState.WAIVED, reason="Covered by INC-0's review")
        assert entry.text == "waived the retrospective: Covered by INC-0's review"
        with pytest.raises(RuleRefused, match="already waived"):
            after.decide_retro(INC_1, actor="U1", state=RetroState.DONE)
    assert after.record(INC_1).retro_state is RetroState.WAIVED


def test_the_record_renders_as_commonmark_and_validates_as_json(
    service: IncidentService, after: AftermathService
) -> None:
    _two_outages(service)
    with freeze_time("2022-02-18 10:00:00+05:30"):
        service.note(INC_2, actor="U1", text="<script>alert(1)</script> and <https://grafana.example/d/1|the *board*>")
        after.add_follow_up(INC_2, actor="U1", text="- Page the CDN team `first`", owner="U2", due="2022-02-25")
        record = after.record(INC_2)
    document = markdown(record)
    tokens = MarkdownIt("commonmark").parse(document)
    assert not [token for token in tokens if token.type in ("html_block", "html_inline")]
    headings = [tokens[index + 1].content for index, token in enumerate(tokens) if token.type == "heading_open"]
    assert headings[:3] == ["INC-2: Something went wrong on the home page", "Summary", "Impact"]
    expected = {"Timeline", "Public updates", "Related incidents", "Follow-ups", "Causes", "What to change"}
    assert expected <= set(headings)
    html = MarkdownIt("commonmark").render(document)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert '<a href="https://grafana.example/d/1">the *board*</a>' in html
    assert "INC-1 Something went wrong on home page (2022-02-11, 1h 2m)" in html
    assert "- Page the CDN team `first`" in html  # a follow-up starting with "-" stays text
    assert "<@" not in document and "<!" not in document
    jsonschema.validate(as_data(record), SCHEMA, format_checker=jsonschema.FormatChecker())
    assert as_data(record)["durations"]["total_seconds"] == 118 * 60  # type: ignore[index]


def test_the_document_names_everyone_it_mentions_in_titles_and_follow_ups(
    any_db: Database, service: IncidentService, after: AftermathService
) -> None:
    with freeze_time("2022-02-17 21:41:00+05:30"):
        with any_db.write() as session:
            known = [members.Member(user_id, "T1", name, name.title()) for user_id, name in KNOWN.items()]
            members.put(session=session, members=known, learned_at=datetime.now(UTC))
        service.open(team_id="T1", actor="U1", title="Checkout fails for <@U2>", severity=2)
        service.open(team_id="T1", actor="U1", title="Search results empty, asked <@U4>", severity=2)
        after.relate(INC_1, actor="U1", other_number=2, linked=True)
        after.add_follow_up(INC_1, actor="U1", text="Ask <@U3> about retries", owner=None, due=None)
        document = markdown(after.record(INC_1))
    assert "# INC-1: Checkout fails for @bob" in document
    assert "- INC-2 Search results empty, asked @dave (" in document
    assert "- [ ] #1 Ask @carol about retries (no owner)" in document
    assert "someone" not in document


KNOWN = {"U1": "alice", "U2": "bob", "U3": "carol", "U4": "dave"}


def test_an_open_incident_gets_a_draft_document(service: IncidentService, after: AftermathService) -> None:
    with freeze_time("2022-02-17 21:41:00+05:30"):
        service.open(team_id="T1", actor="U1", title="Search slow", severity=2)
        record = after.record(INC_1)
    assert markdown(record).splitlines()[2].startswith("> **Draft:**")
    data = as_data(record)
    assert data["draft"] is True
    jsonschema.validate(data, SCHEMA, format_checker=jsonschema.FormatChecker())


def _notices(db: Database) -> list[str]:
    """The reminders queued in the outbox (notice.post), oldest first."""
    with db.engine.connect() as connection:
        rows = connection.execute(text("SELECT payload FROM effect WHERE kind = 'notice.post' ORDER BY id")).scalars()
        return [json.loads(row)["text"] for row in rows]


def test_an_overdue_follow_up_reminds_its_owner_once_a_week_until_done(
    any_db: Database, service: IncidentService
) -> None:
    with freeze_time("2022-02-17 10:00:00+05:30") as clock:
        after = AftermathService(any_db, zone=KOLKATA, clock=lambda: datetime.now(UTC))
        service.open(team_id="T1", actor="U1", title="Search slow", severity=2)
        number, _ = after.add_follow_up(INC_1, actor="U1", text="Add a <slow> alert", owner="U2", due="2022-02-18")
        after.add_follow_up(INC_1, actor="U1", text="Nobody owns this", owner=None, due="2022-02-18")
        clock.move_to("2022-02-18 23:00:00+05:30")
        assert after.send_due_reminders(team_id="T1") == 0  # due today: not overdue yet
        clock.move_to("2022-02-19 09:00:00+05:30")
        assert after.send_due_reminders(team_id="T1") == 1
        assert after.send_due_reminders(team_id="T1") == 0  # claimed: a second look (another process) sends nothing
        clock.move_to("2022-02-25 09:00:00+05:30")
        assert after.send_due_reminders(team_id="T1") == 0  # a week has not passed
        clock.move_to("2022-02-26 09:01:00+05:30")
        assert after.send_due_reminders(team_id="T1") == 1
        after.finish_follow_up(team_id="T1", follow_up_id=number, actor="U2")
        clock.move_to("2022-03-10 09:00:00+05:30")
        assert after.send_due_reminders(team_id="T1") == 0
    assert _notices(any_db) == [
        f"<@U2> follow-up #{number} of INC-1 was due 2022-02-18 ({days} day{'s' if days > 1 else ''} ago): "
        f"Add a &lt;slow&gt; alert\nWhen it is done: `/incident followup done {number}`."
        for days in (1, 8)
    ]


def test_a_pending_retrospective_reminds_the_lead_once_three_working_days_after_the_close(
    any_db: Database, service: IncidentService
) -> None:
    with freeze_time("2022-02-18 18:00:00+05:30") as clock:  # a Friday
        after = AftermathService(any_db, zone=KOLKATA, clock=lambda: datetime.now(UTC))
        service.open(team_id="T1", actor="U1", title="Search slow", severity=2)
        service.open(team_id="T1", actor="U1", title="Checkout fails", severity=2)
        clock.tick(600)
        service.close(INC_1, actor="U1")
        service.close(INC_2, actor="U1")
        after.decide_retro(INC_2, actor="U1", state=RetroState.DONE)
        clock.move_to("2022-02-23 18:09:00+05:30")  # Wednesday: Mon, Tue, Wed are 3 working days, 1 minute short
        assert after.send_due_reminders(team_id="T1") == 0
        clock.move_to("2022-02-23 18:11:00+05:30")
        assert after.send_due_reminders(team_id="T1") == 1
        clock.move_to("2022-03-01 18:11:00+05:30")
        assert after.send_due_reminders(team_id="T1") == 0  # once
    assert _notices(any_db) == [
        "<@U1> the retrospective of INC-1 is still to do, 3 working days after the close. "
        "`/incident retro` builds it from the record; `/incident retro done` or "
        "`/incident retro waived &lt;reason&gt;` records the decision."
    ]


def test_a_close_older_than_two_weeks_is_not_reminded_after_a_long_downtime(
    any_db: Database, service: IncidentService
) -> None:
    with freeze_time("2022-02-01 10:00:00+05:30") as clock:
        after = AftermathService(any_db, zone=KOLKATA, clock=lambda: datetime.now(UTC))
        service.open(team_id="T1", actor="U1", title="Search slow", severity=2)
        service.close(INC_1, actor="U1")
        clock.move_to("2022-03-01 10:00:00+05:30")
        assert after.send_due_reminders(team_id="T1") == 0
    assert _notices(any_db) == []


def test_the_document_and_export_name_each_impact_s_language_and_a_visibility_change(
    service: IncidentService, after: AftermathService
) -> None:
    with freeze_time("2020-10-15 22:30:00+02:00"):
        service.open(team_id="T1", actor="U1", title="Worldwide outage", severity=1, private=True)
        service.set_impact(INC_1, actor="U1", text="You cannot post")
        service.set_impact(INC_1, actor="U1", text="Vous ne pouvez pas publier", language="fr")
        service.set_private(INC_1, actor="U1", private=False)
        record = after.record(INC_1)
    document = markdown(record)
    assert "set the customer impact (English): You cannot post" in document
    assert "set the customer impact (Français): Vous ne pouvez pas publier" in document
    assert "made the incident public" in document
    data = as_data(record)
    jsonschema.validate(data, SCHEMA, format_checker=jsonschema.FormatChecker())
    impacts = [entry for entry in data["timeline"] if entry["kind"] == "impact"]  # type: ignore[attr-defined]
    assert [(entry["language"], entry["text"]) for entry in impacts] == [
        ("en", "You cannot post"),
        ("fr", "Vous ne pouvez pas publier"),
    ]


def test_reminders_after_the_fire_are_sent_only_for_the_workspace_asked(
    any_db: Database, service: IncidentService
) -> None:
    """One database, two workspaces: each process reminds of its own follow-ups and retrospectives."""
    with freeze_time("2022-02-18 18:00:00+05:30") as clock:
        after = AftermathService(any_db, zone=KOLKATA, clock=lambda: datetime.now(UTC))
        for team in ("T1", "T2"):
            service.open(team_id=team, actor="U1", title="Search slow", severity=2)
            after.add_follow_up(Where(team, number=1), actor="U1", text="Add an alert", owner="U2", due="2022-02-19")
            clock.tick(600)
            service.close(Where(team, number=1), actor="U1")
        clock.move_to("2022-02-23 18:30:00+05:30")  # the follow-ups overdue, the retrospectives pending 3 days
        assert after.send_due_reminders(team_id="T1") == 2
        assert after.send_due_reminders(team_id="T1") == 0
        with any_db.read() as session:
            theirs = session.exec(select(FollowUpRow).where(FollowUpRow.team_id == "T2")).one()
        assert theirs.reminded_at is None, "T2's follow-up was not claimed by T1's process"
        assert after.send_due_reminders(team_id="T2") == 2
