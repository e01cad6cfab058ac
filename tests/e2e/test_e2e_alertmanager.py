"""A real Alertmanager sends to the bot: fired through its API and with amtool, grouped,
resolved, and what it sends is stored once (on SQLite and PostgreSQL); people read one triage
message per group in the alert channel, edited as its alerts resolve, and declare from it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alert_posts import alerting_stack, stored
from e2e_stack import Stack, bot_lines
from real_alertmanager import Alertmanager, wait_until

from bot.domain.alerts import AlertStatus, Source
from bot.storage import alerts
from tests.alert_samples import AM_SECRET

HIGH_ERRORS = {"alertname": "HighErrorRate", "service": "web", "severity": "critical", "instance": "web-1:9100"}
SUMMARY = {"summary": "5xx rate above 5% on web", "runbook_url": "https://runbooks.example.com/web-5xx"}


@pytest.fixture
def bot(make_stack: Callable[..., Stack]) -> Stack:
    return alerting_stack(make_stack)


@pytest.fixture
def alertmanager(bot: Stack, tmp_path: Path) -> Iterator[Alertmanager]:
    started = Alertmanager(tmp_path, bot_url=bot.url, secret=AM_SECRET)
    yield started
    started.stop()


def statuses(bot: Stack) -> dict[str, AlertStatus]:
    with bot.runtime.db.read() as session:
        groups = alerts.open_groups(session=session)
        found = [alert for group in groups for alert in alerts.alerts_of(session=session, group_id=group.id)]
    return {alert.name: alert.state.status for alert in found}


def test_alertmanager_fires_groups_and_resolves_into_the_bot(bot: Stack, alertmanager: Alertmanager) -> None:
    alertmanager.fire(HIGH_ERRORS, SUMMARY)
    alertmanager.amtool_add(
        "DiskFull", "service=db", "severity=warning", "instance=db-1", "--annotation=summary=Disk 95% full on db-1"
    )
    wait_until(lambda: statuses(bot) == {"HighErrorRate": AlertStatus.FIRING, "DiskFull": AlertStatus.FIRING})
    alertmanager.resolve(HIGH_ERRORS, SUMMARY)
    wait_until(lambda: statuses(bot).get("HighErrorRate") is AlertStatus.RESOLVED, what="the resolution")
    assert stored(bot) == (2, 2, 2)  # two groups (alertname, service), one row per alert
    with bot.runtime.db.read() as session:
        [group] = [g for g in alerts.open_groups(session=session) if g.summary == "5xx rate above 5% on web"]
    assert group.source is Source.ALERTMANAGER
    assert group.group_key == '{}:{alertname="HighErrorRate", service="web"}'
    assert group.sender == "prod-alertmanager"
    assert group.external_url == alertmanager.url
    log = alertmanager.logged()
    assert "Notify success" in log
    assert "Notify for alerts failed" not in log and "Notify attempt failed" not in log


def triage_messages(bot: Stack) -> dict[str, str]:
    """The bot's messages in the alert channel as a person reads them, by their first line."""
    assert bot.settings.alert_channel is not None
    found = {}
    for message in bot.emulator.messages(bot.settings.alert_channel):
        if message.user != "U0BOT":
            continue
        said = [block["text"]["text"] for block in message.blocks if "text" in block]
        said += [field["text"] for block in message.blocks for field in block.get("fields", [])]
        said += [e.get("text", "") for block in message.blocks if block["type"] == "context" for e in block["elements"]]
        found[said[0]] = "\n".join(said)
    return found


def test_people_triage_what_alertmanager_sends_in_one_message_per_group(bot: Stack, alertmanager: Alertmanager) -> None:
    alertmanager.fire(HIGH_ERRORS, SUMMARY)
    alertmanager.amtool_add("DiskFull", "service=db", "severity=warning", "instance=db-1")
    wait_until(lambda: len(statuses(bot)) == 2)
    bot.settle()
    shown = triage_messages(bot)
    assert set(shown) == {":red_circle: *5xx rate above 5% on web*", ":large_yellow_circle: *DiskFull*"}
    web = shown[":red_circle: *5xx rate above 5% on web*"]
    assert "*Severity*\nsev1 (critical)" in web and "*Source*\nprod-alertmanager · <" in web
    assert ":fire: 1 firing · :white_check_mark: 0 resolved" in web
    assert "`alertname=HighErrorRate` `instance=web-1:9100` `service=web` `severity=critical`" in web
    assert "|Silence>" in web  # a link to silence exactly this alert in that Alertmanager
    assert "*Severity*\nsev3 (warning)" in shown[":large_yellow_circle: *DiskFull*"]
    alertmanager.resolve(HIGH_ERRORS, SUMMARY)
    wait_until(lambda: statuses(bot).get("HighErrorRate") is AlertStatus.RESOLVED, what="the resolution")
    bot.settle()
    after = triage_messages(bot)
    assert len(after) == 2  # edited in place: Alertmanager's resends and the resolution made no other
    assert ":fire: 0 firing · :white_check_mark: 1 resolved" in after[":red_circle: *5xx rate above 5% on web*"]
    assert bot.settings.alert_channel is not None
    [disk] = [m for m in bot.emulator.messages(bot.settings.alert_channel) if "DiskFull" in m.text]
    bot.user("alice").click(bot.settings.alert_channel, disk.ts, "alerts.declare")
    bot.settle()
    assert any("opened INC-1: DiskFull" in line for line in bot_lines(bot, bot.channel_of(1)))
    assert "Declared as INC-1 by alice" in triage_messages(bot)[":large_yellow_circle: *DiskFull*"]


def test_a_group_reads_as_all_its_alerts_after_alertmanager_sends_only_the_last(
    bot: Stack, alertmanager: Alertmanager
) -> None:
    """Once web-1's resolution is sent, Alertmanager's next notification carries web-2 alone, and
    its `commonLabels` name web-2's instance: the message still reads as the group of both."""
    web = [HIGH_ERRORS | {"instance": f"web-{n}:9100"} for n in (1, 2)]
    for labels in web:
        alertmanager.fire(labels, SUMMARY)
    wait_until(lambda: stored(bot)[1] == 2)
    for resolved, labels in enumerate(web, start=1):
        alertmanager.resolve(labels, SUMMARY)
        wait_until(lambda n=resolved: resolved_count(bot) == n, what="the resolution")
    bot.settle()
    [shown] = triage_messages(bot).values()
    assert ":fire: 0 firing · :white_check_mark: 2 resolved" in shown
    assert "*Labels*\n`alertname=HighErrorRate` `service=web` `severity=critical`\n" in shown
    assert ":white_check_mark: `instance=web-1:9100` resolved at" in shown
    assert ":white_check_mark: `instance=web-2:9100` resolved at" in shown
    with bot.runtime.db.read() as session:
        [group] = alerts.open_groups(session=session)
    assert "instance" not in group.common_labels


def resolved_count(bot: Stack) -> int:
    with bot.runtime.db.read() as session:
        groups = alerts.open_groups(session=session)
        found = [alert for group in groups for alert in alerts.alerts_of(session=session, group_id=group.id)]
    return sum(alert.state.status is AlertStatus.RESOLVED for alert in found)
