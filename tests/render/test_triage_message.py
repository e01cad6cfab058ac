"""A group's triage message as people read it (pure: domain values in, Block Kit out): escaped,
links kept whole, what differs per alert, the buttons while undecided and who decided after."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.alerts import AlertLink, AlertState, AlertStatus, Counts, Source, StoredAlert, StoredGroup, Triage
from bot.domain.incident import open_incident
from bot.domain.triage import TriageView
from bot.render.triage import triage_message
from slack_emulator.validation import check_blocks

IST = ZoneInfo("Asia/Kolkata")
SEEN = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)  # 21:41 IST
LABELS = {"alertname": "HighErrorRate", "service": "web", "severity": "critical"}


def group(**changes: object) -> StoredGroup:
    base = StoredGroup(
        id=12,
        source=Source.ALERTMANAGER,
        sender="prod-alertmanager",
        team_id="T1",
        group_key='{}:{alertname="HighErrorRate"}',
        summary="5xx rate above 5% on <!channel> & web",
        title="5xx rate above 5% on web",
        severity=1,
        rule=None,
        group_labels={"alertname": "HighErrorRate"},
        common_labels=LABELS,
        common_annotations={},
        external_url="http://alertmanager.example.com:9093",
        truncated=0,
        first_seen_at=SEEN,
        last_seen_at=SEEN + timedelta(minutes=11),
        changed_at=SEEN,
        triage=Triage.OPEN,
        triage_version=0,
        decided_by=None,
        decided_at=None,
        incident_id=None,
        message_ts=None,
        declare_at=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def alert(number: int, status: AlertStatus = AlertStatus.FIRING) -> StoredAlert:
    ends = SEEN + timedelta(minutes=5) if status is AlertStatus.RESOLVED else None
    return StoredAlert(
        id=number,
        key=f"fp{number}",
        name="HighErrorRate",
        labels=LABELS | {"instance": f"web-{number}:9100"},
        annotations={},
        links=(
            AlertLink("Source", "http://prometheus.example.com/graph?g0.expr=a|b&x=<1>"),
            AlertLink("Silence", "http://alertmanager.example.com:9093/#/silences/new"),
        ),
        state=AlertState(status, SEEN - timedelta(minutes=2), ends),
        first_fired_at=SEEN - timedelta(minutes=2),
        fired=1,
        last_seen_at=SEEN,
    )


def shown(blocks: list[dict[str, object]]) -> str:
    found: list[str] = []
    for block in blocks:
        if isinstance(block.get("text"), dict):
            found.append(block["text"]["text"])  # type: ignore[index]
        found += [field["text"] for field in block.get("fields", [])]  # type: ignore[union-attr]
        if block["type"] == "context":
            found += [element["text"] for element in block["elements"]]  # type: ignore[union-attr]
    return "\n".join(found)


def test_the_message_shows_the_group_escaped_with_each_alert_s_own_labels_and_links() -> None:
    view = TriageView(group(), (alert(1), alert(2, AlertStatus.RESOLVED)), Counts(firing=1, resolved=1))
    text, blocks = triage_message(view, IST)
    check_blocks(blocks)  # Block Kit as slack_sdk's models validate it (the emulator's check)
    said = shown(blocks)
    assert ":red_circle: *5xx rate above 5% on &lt;!channel&gt; &amp; web*" in said
    assert "<!channel>" not in said and "<!channel>" not in text
    assert "*Severity*\nsev1 (critical)" in said
    assert "*First seen*\n2022-02-17 21:41 IST" in said and "*Last seen*\n21:52 IST" in said
    assert "*Source*\nprod-alertmanager · <http://alertmanager.example.com:9093|Alertmanager>" in said
    assert ":fire: `instance=web-1:9100` since 21:39 IST" in said  # only what differs from the common labels
    assert ":white_check_mark: `instance=web-2:9100` resolved at 21:46 IST" in said
    assert "<http://prometheus.example.com/graph?g0.expr=a%7Cb&amp;x=%3C1%3E|Source>" in said
    assert text == "sev1 (critical) alert: 5xx rate above 5% on &lt;!channel&gt; &amp; web (1 firing, 1 resolved)"


def test_undecided_it_offers_declare_the_open_incidents_and_dismiss_each_carrying_its_version() -> None:
    incident, _ = open_incident(
        number=3, title="Checkout <@U0BOB> is slow", severity=2, actor="U1", started_at=SEEN, now=SEEN, zone=IST
    )
    view = TriageView(group(triage_version=4), (alert(1),), Counts(1, 0), open_incidents=(incident,))
    _, blocks = triage_message(view, IST)
    [controls] = [block for block in blocks if block["type"] == "actions"]
    declare, add, dismiss = controls["elements"]  # type: ignore[index]
    assert (declare["text"]["text"], declare["value"], declare["style"]) == ("Declare incident", "12:4", "primary")
    assert add["type"] == "static_select" and add["placeholder"]["text"] == "Add to incident"
    assert add["options"] == [
        {"text": {"type": "plain_text", "text": "INC-3 Checkout @someone is slow", "emoji": True}, "value": "12:4:3"}
    ]
    assert (dismiss["text"]["text"], dismiss["value"]) == ("Dismiss", "12:4")


def test_decided_it_says_who_decided_what_and_offers_nothing() -> None:
    incident, _ = open_incident(number=7, title="Web down", severity=1, actor="U1", started_at=SEEN, now=SEEN, zone=IST)
    incident = replace(incident, channel_id="C0INC7")
    decided = group(triage=Triage.DECLARED, decided_by="U1", decided_at=SEEN + timedelta(minutes=3), incident_id=1)
    view = TriageView(decided, (alert(1),), Counts(1, 0), incident=incident, names={"U1": "alice"})
    _, blocks = triage_message(view, IST)
    assert not [block for block in blocks if block["type"] == "actions"]
    assert ":rotating_light: Declared as INC-7 by alice at 21:44 IST · <#C0INC7>" in shown(blocks)
    dismissed = TriageView(replace(decided, triage=Triage.DISMISSED, incident_id=None), (), Counts(0, 1), names={})
    assert ":no_bell: Dismissed by someone at 21:44 IST: no incident" in shown(triage_message(dismissed, IST)[1])


def test_a_rule_waiting_to_declare_says_when_and_many_alerts_are_counted_not_listed() -> None:
    waiting = group(rule="web <down>", declare_at=SEEN + timedelta(minutes=5), truncated=3)
    view = TriageView(waiting, tuple(alert(n) for n in range(1, 11)), Counts(firing=25, resolved=0, truncated=3))
    said = shown(triage_message(view, IST)[1])
    assert "Rule *web &lt;down&gt;* declares an incident at 21:46 IST if these alerts still fire." in said
    assert "_and 15 more_" in said
    assert "_3 more left out by the sender_" in said


def test_the_card_counts_the_alerts_attached_and_once_all_resolved_offers_to_decide() -> None:
    from bot.domain.incident import Status
    from bot.render.blocks import alert_blocks

    incident, _ = open_incident(number=7, title="Web down", severity=1, actor="U1", started_at=SEEN, now=SEEN, zone=IST)
    firing = alert_blocks(incident, Counts(firing=2, resolved=1))
    assert shown(firing) == "*Alerts* :fire: 2 firing · :white_check_mark: 1 resolved"
    settled = alert_blocks(incident, Counts(firing=0, resolved=3))
    assert "*Every alert attached has resolved* (3 of 3). Nothing is resolved automatically" in shown(settled)
    [decide] = [block for block in settled if block["type"] == "actions"]
    assert [b["text"]["text"] for b in decide["elements"]] == ["Move to monitoring", "Resolve"]  # type: ignore[index]
    check_blocks(settled)
    closed = replace(incident, status=Status.RESOLVED)
    assert [block["type"] for block in alert_blocks(closed, Counts(firing=0, resolved=3))] == ["section"]
