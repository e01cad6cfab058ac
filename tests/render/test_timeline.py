"""The channel and the retrospective tell one story: every kind of timeline entry reads the same in
the Slack line and in the Markdown document, but for each medium's markup (pure rendering)."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.affects import ComponentChange, affect, changes_entry
from bot.domain.aftermath import follow_up_entry, recurrence_entry, relation_entry, retro_entry
from bot.domain.catalog import ComponentState, read_catalog
from bot.domain.durations import compute
from bot.domain.impacts import set_impact
from bot.domain.incident import (
    Attack,
    EntryKind,
    Incident,
    Status,
    TimelineEntry,
    add_message,
    add_note,
    change_status,
    open_incident,
    reopen,
    set_attack,
    set_public_title,
    set_severity,
)
from bot.domain.paging import (
    PAGING_KINDS,
    Target,
    TargetKind,
    Via,
    acknowledged_entry,
    declined_entry,
    escalated_entry,
    paged_entry,
    unanswered_entry,
)
from bot.domain.reminders import Promise, no_update_entry, promise_entry, snooze_entry
from bot.domain.retro import Record, RetroState
from bot.domain.roles import Role, change_role
from bot.domain.triage import AlertEvent, AlertNews, alert_news_entry
from bot.domain.visibility import make_private, make_public, move_to_private_channel
from bot.render.lines import line
from bot.render.retro import markdown

IST = ZoneInfo("Asia/Kolkata")
HOME = Target(TargetKind.COMPONENT, "home", "Home page")
NAMES = {"U0ALICE": "alice", "U0BOB": "bob", "alerts:prod-alertmanager": "prod-alertmanager"}
AM_PAGE = "http://alertmanager.example.com:9093"
SOURCE = "http://prometheus.example.com/graph?g0.expr=rate%28http_errors%5B5m%5D%29&g0.tab=1"


def at(minute: int) -> datetime:
    return datetime(2022, 2, 17, 21, 41, tzinfo=IST) + timedelta(minutes=minute)


def story() -> tuple[Incident, list[TimelineEntry]]:
    """One entry of every kind, as the domain writes them."""
    incident, opened = open_incident(
        number=2, title="Home page down", severity=1, actor="U0ALICE", started_at=at(0), now=at(0), zone=IST
    )
    entries = [
        opened,
        recurrence_entry("2nd similar incident in 7 days: INC-1 “Home” (Feb 11, 1h)", actor="U0ALICE", now=at(0)),
    ]

    def then(change: tuple[Incident, TimelineEntry]) -> None:
        nonlocal incident
        incident, entry = change
        entries.append(entry)

    then(change_role(incident, role=Role.COMMS, person="U0BOB", actor="U0ALICE", now=at(1)))
    then(change_role(incident, role=Role.COMMS, person=None, actor="U0ALICE", now=at(2)))
    then(change_role(incident, role=Role.LEAD, person="U0BOB", actor="U0ALICE", now=at(2)))
    then(set_public_title(incident, text="Home page errors", actor="U0ALICE", now=at(3)))
    then(set_impact(incident, text="Users see errors", language="fr", default_language="en", actor="U0BOB", now=at(4)))
    then(set_severity(incident, severity=2, actor="U0BOB", now=at(5)))
    then(set_attack(incident, attack=Attack.SUSPECTED, actor="U0BOB", now=at(6)))
    then(make_private(incident, actor="U0BOB", now=at(7)))
    in_its_channel = replace(incident, channel_id="C0INC2")
    entries.append(move_to_private_channel(in_its_channel, former="inc-2-home-page-down", actor="U0BOB", now=at(7)))
    then(make_public(incident, actor="U0BOB", now=at(8)))
    entries.append(add_note(incident, text="Rolled back the push", actor="U0BOB", at=at(9), now=at(9), zone=IST))
    home = read_catalog('[[component]]\nid = "home"\nname = "Home & feed"\n').components[0]
    entries.append(
        affect(incident, [], home, ComponentState.MAJOR, language="en", actor="U0BOB", at=at(9), now=at(9), zone=IST)
    )
    entries.append(
        add_message(incident, text="Errors are dropping", author="U0BOB", posted_at=at(10), now=at(10), source="C1/1.2")
    )
    attached = AlertNews(AlertEvent.ATTACHED, "5xx rate above 5% on web", 3, 3, 0, "prod-alertmanager", AM_PAGE)
    resolved = AlertNews(AlertEvent.RESOLVED, "HighErrorRate", 3, 0, 3, "prod-alertmanager", SOURCE)
    entries += [
        alert_news_entry(attached, actor="U0BOB", at=at(10), now=at(10)),
        alert_news_entry(resolved, actor="alerts:prod-alertmanager", at=at(10), now=at(10)),
        TimelineEntry(at(11), at(11), "U0BOB", EntryKind.DRAFT, "English short, French short"),
        TimelineEntry(at(12), at(12), "U0BOB", EntryKind.PUBLISHED, "English short update (identified)"),
        TimelineEntry(at(13), at(13), "U0BOB", EntryKind.CORRECTED, "English short update (identified)"),
        promise_entry(Promise(at(30), at(12), at(35)), actor="U0BOB"),
        snooze_entry(timedelta(minutes=15), at(51), actor="U0BOB", now=at(36)),
        no_update_entry(at(80), actor="U0BOB", now=at(37)),
        relation_entry(other=incident, linked=True, actor="U0ALICE", now=at(38)),
        follow_up_entry(follow_up_id=1, text="Alert on 5xx", owner=None, due=None, actor="U0ALICE", now=at(39)),
        paged_entry(HOME, Via.ONCALL, "@oncall-web", ["U0BOB"], actor="U0ALICE", now=at(39)),
        paged_entry(Target(TargetKind.PERSON, "U0BOB"), Via.DIRECT, "", ["U0BOB"], actor="U0ALICE", now=at(39)),
        paged_entry(Target(TargetKind.GROUP, "S1", "@dba"), Via.GROUP, "@dba", ["U0BOB"], actor="U0ALICE", now=at(39)),
        declined_entry(HOME, actor="U0BOB", now=at(39)),
        escalated_entry(HOME, "@sre-leads", ["U0ALICE"], timedelta(minutes=5), actor="U0ALICE", now=at(39)),
        acknowledged_entry(HOME, timedelta(minutes=6), actor="U0ALICE", now=at(39)),
        unanswered_entry(Target(TargetKind.PERSON, "U0BOB"), timedelta(minutes=5), actor="U0ALICE", now=at(39)),
    ]
    then(
        change_status(
            incident, to=Status.IDENTIFIED, actor="U0BOB", message="Bad push", at=at(40), now=at(40), zone=IST
        )
    )
    then(
        change_status(
            incident, to=Status.IDENTIFIED, actor="U0BOB", message="Still bad", at=at(41), now=at(41), zone=IST
        )
    )
    then(
        change_status(
            incident, to=Status.RESOLVED, actor="U0ALICE", message="Works again", at=at(50), now=at(50), zone=IST
        )
    )
    then(reopen(incident, actor="U0ALICE", now=at(55), reason="Back again"))
    then(change_status(incident, to=Status.RESOLVED, actor="U0ALICE", message="", at=at(60), now=at(60), zone=IST))
    entries.append(retro_entry(RetroState.DONE, "", actor="U0ALICE", now=at(61)))
    return incident, entries


INCIDENT, ENTRIES = story()


def document_lines() -> list[str]:
    record = Record(INCIDENT, ENTRIES, compute(INCIDENT, ENTRIES, until=at(61)), NAMES, IST)
    document = markdown(record).splitlines()
    start = document.index("## Timeline") + 2
    return document[start : start + len(ENTRIES)]


def slack_words(text: str) -> str:
    """A Slack line without its time, emoji and bold, unescaped, its links as their labels."""
    text = re.sub(r"<[^|<>]+\|([^<>]+)>", r"\1", text)
    text = re.sub(r"^`[^`]+` ", "", text)
    text = re.sub(r"(^| ):[a-z0-9_+-]+: ", r"\1", text, count=1)
    return html.unescape(text.replace("*", ""))


def document_words(text: str) -> str:
    """A document's timeline item without its times and the colon after who, unescaped, its links
    as their labels."""
    text = re.sub(r"\[((?:[^\]\\]|\\.)+)\]\(<[^<>]+>\)", r"\1", text)
    text = re.sub(r"^- \*\*[^*]+\*\* ", "", text)
    text = re.sub(rf"^({'|'.join(NAMES.values())}): ", r"\1 ", text)
    return re.sub(r"\\(.)", r"\1", text)


def test_every_kind_of_entry_has_a_line_in_the_story() -> None:
    assert {entry.kind for entry in ENTRIES} == set(EntryKind)


@pytest.mark.parametrize(
    ("entry", "item"), list(zip(ENTRIES, document_lines(), strict=True)), ids=[e.kind.value for e in ENTRIES]
)
def test_the_slack_line_and_the_document_say_the_same(entry: TimelineEntry, item: str) -> None:
    assert slack_words(line(entry, INCIDENT, NAMES, IST)) == document_words(item)


def test_a_close_reads_resolved_in_the_document_as_in_the_channel() -> None:
    closes = [item for entry, item in zip(ENTRIES, document_lines(), strict=True) if entry.status_to is Status.RESOLVED]
    assert [document_words(item) for item in closes] == ["alice resolved INC-2: Works again", "alice resolved INC-2"]


def test_a_visibility_change_says_what_it_means_in_the_document_as_in_the_channel() -> None:
    said = [
        document_words(item)
        for entry, item in zip(ENTRIES, document_lines(), strict=True)
        if entry.kind is EntryKind.VISIBILITY
    ]
    assert said == [
        "bob made the incident private: off the status page and feeds, not announced",
        "bob made the incident public: the next published update puts it on the status page",
    ]


def test_the_bot_s_own_finding_and_record_name_nobody_in_either() -> None:
    for entry, item in zip(ENTRIES, document_lines(), strict=True):
        if entry.kind in (EntryKind.PROMISE, EntryKind.RELATED) and entry.source:
            shown = line(entry, INCIDENT, NAMES, IST)
            assert "alice" not in shown and "bob" not in shown and "alice" not in item and "bob" not in item


def test_a_link_made_by_someone_is_their_act_in_both() -> None:
    linked = ENTRIES[[entry.kind for entry in ENTRIES].index(EntryKind.RELATED, 2)]
    assert linked.source is None
    assert line(linked, INCIDENT, NAMES, IST).startswith("`22:19 IST` *alice* linked related incident INC-2")


def test_a_component_change_names_the_component_and_both_states() -> None:
    entry = ENTRIES[[entry.kind for entry in ENTRIES].index(EntryKind.COMPONENTS)]
    assert line(entry, INCIDENT, NAMES, IST) == "`21:50 IST` *bob* :red_circle: set *Home &amp; feed* to major outage"
    returned = changes_entry(
        [
            ComponentChange("home", "Home page", ComponentState.MAJOR, ComponentState.OPERATIONAL),
            ComponentChange("api", "API", ComponentState.PARTIAL, ComponentState.OPERATIONAL),
        ],
        actor="U0ALICE",
        at=at(60),
        now=at(60),
    )
    assert line(returned, INCIDENT, NAMES, IST) == (
        "`22:41 IST` *alice* :large_green_circle: set *Home page* to operational (was major outage), "
        "*API* to operational (was partial outage)"
    )


def test_a_message_copied_from_another_channel_links_to_where_it_was_posted_in_both() -> None:
    copied = add_message(INCIDENT, text="checkout 500s", author="U0BOB", posted_at=at(0), now=at(1), source="C9/1.2")
    linked = replace(copied, link="https://acme.slack.com/archives/C9/p12")
    assert line(linked, INCIDENT, NAMES, IST) == (
        "`21:41 IST` *bob* :pushpin: checkout 500s · <https://acme.slack.com/archives/C9/p12|original message>"
    )
    record = Record(INCIDENT, [linked], compute(INCIDENT, [linked], until=at(1)), NAMES, IST)
    assert "checkout 500s · [original message](<https://acme.slack.com/archives/C9/p12>)" in markdown(record)
    assert line(copied, INCIDENT, NAMES, IST).endswith("*bob* :pushpin: checkout 500s")  # none: no link


def test_paging_says_who_paged_whom_why_and_who_answered() -> None:
    said = [line(entry, INCIDENT, NAMES, IST) for entry in ENTRIES if entry.kind in PAGING_KINDS]
    assert said == [
        "`22:20 IST` *alice* :pager: paged *bob*: on call for Home page (@oncall-web)",
        "`22:20 IST` *alice* :pager: paged *bob*",
        "`22:20 IST` *alice* :pager: paged *bob*: in @dba",
        "`22:20 IST` *bob* :no_entry_sign: can't take the page for Home page",
        "`22:20 IST` :rotating_light: paged *alice*: nobody acknowledged the page for Home page within 5m "
        "(@sre-leads, its escalation group)",
        "`22:20 IST` *alice* :raising_hand: acknowledged the page for Home page: 6m after the page",
        "`22:20 IST` :warning: nobody acknowledged the page to *bob* within 5m",
    ]


def test_attached_alerts_read_the_same_with_their_links_clickable_in_each_medium() -> None:
    said = [
        (line(entry, INCIDENT, NAMES, IST), item)
        for entry, item in zip(ENTRIES, document_lines(), strict=True)
        if entry.kind is EntryKind.ALERTS
    ]
    (attached, attached_item), (resolved, resolved_item) = said
    assert attached.endswith(
        "*bob* :rotating_light: attached the alerts *5xx rate above 5% on web*: 3 firing, 0 resolved · "
        "<http://alertmanager.example.com:9093|prod-alertmanager>"
    )
    assert resolved.endswith(
        "*prod-alertmanager* :white_check_mark: HighErrorRate resolved (3 of 3 resolved) · "
        "<http://prometheus.example.com/graph?g0.expr=rate%28http_errors%5B5m%5D%29&amp;g0.tab=1|Source>"
    )
    assert resolved_item.endswith(f"prod-alertmanager: HighErrorRate resolved (3 of 3 resolved) · [Source](<{SOURCE}>)")
    assert attached_item.endswith("3 firing, 0 resolved · [prod-alertmanager](<http://alertmanager.example.com:9093>)")
