"""A group is described by what fires (docs/behaviour.md, Alerts): a notification that only
resolves describes nothing and keeps the group's summary, one that carries resolved alerts beside
firing ones is read by those firing, and *Declare incident* begins the impact when what fires
began. Grafana's and Alertmanager's documented payloads, over real HTTP, signed, against the
Slack emulator, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from alert_posts import alerting_stack, from_alertmanager, from_grafana
from e2e_stack import Stack

from bot.domain.incident import Incident
from bot.lookup import Where
from slack_emulator.records import Message
from tests.alert_samples import body

TEAM = "T0EMULATOR"
CPU_STARTED = datetime(2021, 10, 12, 7, 56, 3, 157076, tzinfo=UTC)  # 09:56:03+02:00
RESOLVED_AT = "2021-10-12T10:01:03.157076+02:00"


@pytest.fixture
def alerting(make_stack: Callable[..., Stack]) -> Stack:
    return alerting_stack(make_stack)


def triage_message(stack: Stack) -> Message:
    [message] = [m for m in stack.emulator.messages(stack.settings.alert_channel or "") if m.user == "U0BOT"]
    return message


def summary_line(stack: Stack) -> str:
    """The triage message's first line: its severity and the group's summary."""
    return str(triage_message(stack).blocks[0]["text"]["text"])


def home_line(stack: Stack, person: str) -> str:
    assert stack.user(person).open_home().status == 200
    stack.settle()
    view = stack.emulator.home(person)
    assert view is not None
    [line] = [b["text"]["text"] for b in view.body["blocks"] if ":rotating_light:" in b.get("text", {}).get("text", "")]
    return str(line)


def declared(stack: Stack) -> Incident:
    """*Declare incident* pressed by bob on the triage message."""
    assert stack.user("bob").click(stack.settings.alert_channel or "", triage_message(stack).ts, "alerts.declare")
    stack.settle()
    return stack.runtime.service.get(Where(TEAM, number=1))


def grafana_memory_resolved(*, cpu_too: bool) -> bytes:
    """Grafana's documented example once the memory alert resolved: that alert alone, resolved, as
    the tester sent it (F7), or beside the CPU alert still firing, as a group's notification
    carries every alert of it."""
    sent = body("grafana_documented")
    memory, cpu = sent["alerts"]
    memory |= {"status": "resolved", "endsAt": RESOLVED_AT}
    if cpu_too:
        sent["alerts"] = [memory, cpu]
    else:
        sent |= {"status": "resolved", "alerts": [memory], "commonAnnotations": memory["annotations"]}
        sent["commonLabels"] = memory["labels"]
    return json.dumps(sent).encode()


def test_a_grafana_notification_that_only_resolves_keeps_the_group_and_declares_from_what_fires(
    alerting: Stack,
) -> None:
    assert from_grafana(alerting.url, json.dumps(body("grafana_documented")).encode()).status == 200
    alerting.settle()
    assert summary_line(alerting).endswith("*High memory usage and 1 more*")
    assert from_grafana(alerting.url, grafana_memory_resolved(cpu_too=False)).status == 200
    alerting.settle()
    message = triage_message(alerting)
    assert message.edited is not None  # the resolution is shown
    assert summary_line(alerting).endswith("*High memory usage and 1 more*")  # not renamed after it
    assert home_line(alerting, "bob").startswith(":rotating_light: *High memory usage and 1 more* · sev2")
    incident = declared(alerting)
    assert incident.title == "High memory usage and 1 more"
    assert incident.impact_started_at == CPU_STARTED  # what still fires began then, not the resolved alert


def test_a_grafana_notification_carrying_a_resolved_alert_is_read_by_what_fires(alerting: Stack) -> None:
    assert from_grafana(alerting.url, json.dumps(body("grafana_documented")).encode()).status == 200
    alerting.settle()
    assert from_grafana(alerting.url, grafana_memory_resolved(cpu_too=True)).status == 200
    alerting.settle()
    assert summary_line(alerting).endswith("*High CPU usage*")
    assert home_line(alerting, "bob").startswith(":rotating_light: *High CPU usage* · sev2")
    incident = declared(alerting)
    assert (incident.title, incident.impact_started_at) == ("High CPU usage", CPU_STARTED)


def _alertmanager(*statuses: str) -> bytes:
    """alertmanager_max_alerts grouped by team (two alert names), each alert with its status: a
    resolved notification of Alertmanager carries every alert of the group, each with its own."""
    sent = body("alertmanager_max_alerts")
    sent |= {"truncatedAlerts": 0, "groupLabels": {"team": "payments"}, "groupKey": '{}:{team="payments"}'}
    sent["commonLabels"] = {"service": "checkout", "team": "payments"}
    sent["alerts"][1]["labels"]["alertname"] = "PaymentsErrors"
    for alert, status in zip(sent["alerts"], statuses, strict=True):
        if status == "resolved":
            alert |= {"status": "resolved", "endsAt": "2026-12-06T19:40:00Z"}
    sent["status"] = "firing" if "firing" in statuses else "resolved"
    return json.dumps(sent).encode()


def test_alertmanagers_resolved_notifications_describe_the_group_by_what_fires_then_keep_it(
    alerting: Stack,
) -> None:
    for statuses, summary in [
        (("firing", "firing"), "PaymentsLatency and 1 more"),
        (("resolved", "firing"), "PaymentsErrors"),  # pay-1 resolved, pay-2 still fires
        (("resolved", "resolved"), "PaymentsErrors"),  # all resolved: nothing new to call it
    ]:
        answer = from_alertmanager(alerting.url, "alertmanager_max_alerts", body=_alertmanager(*statuses))
        assert answer.status == 200
        alerting.settle()
        assert summary_line(alerting).endswith(f"*{summary}*"), statuses
    incident = declared(alerting)
    assert incident.title == "PaymentsErrors"
    assert incident.impact_started_at == datetime(2026, 12, 6, 19, 26, 44, 590618, tzinfo=UTC)  # none fires: the first
