"""An alert sent again saying something new (docs/behaviour.md, Alerts): a new severity or summary
edits the triage message, and the App Home and *Declare incident* take it too; a resend saying
the same edits nothing. Over real HTTP, signed, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from alert_posts import Answered, alerting_stack, enqueue, from_alertmanager, from_grafana
from e2e_stack import Stack

from bot.lookup import Where
from slack_emulator.records import Message
from tests.alert_samples import body, event

TEAM = "T0EMULATOR"


@pytest.fixture
def alerting(make_stack: Callable[..., Stack]) -> Stack:
    return alerting_stack(make_stack)


def triage_message(stack: Stack) -> Message:
    [message] = [m for m in stack.emulator.messages(stack.settings.alert_channel or "") if m.user == "U0BOT"]
    return message


def read(message: Message) -> str:
    """The message's summary line and fields, as a person reads them."""
    found = []
    for block in message.blocks:
        if "text" in block:
            found.append(block["text"]["text"])
        found += [field["text"] for field in block.get("fields", [])]
    return "\n".join(found)


def home_line(stack: Stack, person: str) -> str:
    """The person's App Home line for the group waiting for triage."""
    assert stack.user(person).open_home().status == 200
    stack.settle()
    view = stack.emulator.home(person)
    assert view is not None
    [line] = [b["text"]["text"] for b in view.body["blocks"] if ":rotating_light:" in b.get("text", {}).get("text", "")]
    return line


def declared(stack: Stack) -> tuple[int, str]:
    """*Declare incident* pressed by bob: the incident's severity and title."""
    assert stack.user("bob").click(stack.settings.alert_channel or "", triage_message(stack).ts, "alerts.declare")
    stack.settle()
    incident = stack.runtime.service.get(Where(TEAM, number=1))
    return incident.severity, incident.title


def disk_event(severity: str, summary: str, action: str = "trigger") -> dict[str, Any]:
    payload = {"summary": summary, "source": "db-1", "severity": severity}
    return event("pagerduty_trigger_documented", dedup_key="db-1/disk", event_action=action, payload=payload)


def test_an_event_triggered_again_with_a_new_severity_and_summary_shows_them_everywhere(alerting: Stack) -> None:
    assert enqueue(alerting.url, disk_event("warning", "Disk 95% full on db-1")).status == 202
    alerting.settle()
    first = read(triage_message(alerting))
    assert ":large_yellow_circle: *Disk 95% full on db-1*" in first and "*Severity*\nsev3 (warning)" in first

    assert enqueue(alerting.url, disk_event("critical", "Disk 99% full on db-1")).status == 202
    alerting.settle()
    message = triage_message(alerting)
    assert message.edited is not None  # edited at once, not at the next change of state
    shown = read(message)
    assert ":red_circle: *Disk 99% full on db-1*" in shown and "*Severity*\nsev1 (critical)" in shown
    assert "95%" not in shown and "warning" not in shown
    assert home_line(alerting, "bob").startswith(":rotating_light: *Disk 99% full on db-1* · sev1")

    edited = message.edited
    assert enqueue(alerting.url, disk_event("critical", "Disk 99% full on db-1")).status == 202  # a resend
    alerting.settle()
    assert triage_message(alerting).edited == edited  # says nothing new: no edit

    assert enqueue(alerting.url, {**disk_event("", ""), "event_action": "acknowledge", "payload": {}}).status == 202
    alerting.settle()
    assert "*Severity*\nsev1 (critical)" in read(triage_message(alerting))  # an acknowledge keeps what it said
    assert declared(alerting) == (1, "Disk 99% full on db-1")


def _alertmanager(severity: str, fingerprint: str, *, resolved_before: bool = False) -> bytes:
    """alertmanager_firing with the alert's `severity` and `fingerprint` (a new severity is a new
    alert: its labels changed); with `resolved_before`, the warning it replaces is sent resolved."""
    sent = body("alertmanager_firing")
    [alert] = sent["alerts"]
    alert |= {"fingerprint": fingerprint, "labels": alert["labels"] | {"severity": severity}}
    sent["commonLabels"] = sent["commonLabels"] | {"severity": severity}
    if resolved_before:
        old = json.loads(json.dumps(alert))
        old |= {"fingerprint": "warning-one", "status": "resolved", "endsAt": "2026-12-06T19:40:00Z"}
        old["labels"]["severity"] = "warning"
        sent["alerts"] = [old, alert]
        del sent["commonLabels"]["severity"]  # no longer common to the alerts sent
    return json.dumps(sent).encode()


def _grafana(critical: bool) -> bytes:
    """grafana_documented with a `severity` label: warning on both alerts, or the CPU one critical."""
    sent = body("grafana_documented")
    for alert in sent["alerts"]:
        alert["labels"]["severity"] = "warning"
    sent["commonLabels"]["severity"] = "warning"
    if critical:
        sent["alerts"][1]["labels"]["severity"] = "critical"
        del sent["commonLabels"]["severity"]
    return json.dumps(sent).encode()


SENT_AGAIN: dict[str, tuple[Callable[[str], Answered], Callable[[str], Answered]]] = {
    "alertmanager": (
        lambda url: from_alertmanager(url, "alertmanager_firing", body=_alertmanager("warning", "warning-one")),
        lambda url: from_alertmanager(
            url, "alertmanager_firing", body=_alertmanager("critical", "critical-one", resolved_before=True)
        ),
    ),
    "grafana": (lambda url: from_grafana(url, _grafana(False)), lambda url: from_grafana(url, _grafana(True))),
}


@pytest.mark.parametrize("sender", sorted(SENT_AGAIN))
def test_a_group_sent_again_with_a_critical_alert_is_shown_and_declared_sev1(alerting: Stack, sender: str) -> None:
    first, again = SENT_AGAIN[sender]
    assert first(alerting.url).status == 200
    alerting.settle()
    assert "*Severity*\nsev3 (warning)" in read(triage_message(alerting))
    assert again(alerting.url).status == 200
    alerting.settle()
    shown = read(triage_message(alerting))
    assert shown.startswith(":red_circle: ") and "*Severity*\nsev1\n" in shown  # the words differ: none shown
    assert " · sev1 · " in home_line(alerting, "bob")
    assert declared(alerting)[0] == 1
