"""A real Alertmanager sends to the bot: fired through its API and with amtool, grouped,
resolved, and what it sends is stored once (on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alert_posts import ALERT_SETTINGS, stored
from e2e_stack import Stack
from real_alertmanager import Alertmanager, wait_until

from bot.domain.alerts import AlertStatus, Source
from bot.storage import alerts
from tests.alert_samples import AM_SECRET

HIGH_ERRORS = {"alertname": "HighErrorRate", "service": "web", "severity": "critical", "instance": "web-1:9100"}
SUMMARY = {"summary": "5xx rate above 5% on web", "runbook_url": "https://runbooks.example.com/web-5xx"}


@pytest.fixture
def bot(make_stack: Callable[..., Stack]) -> Stack:
    return make_stack(settings=ALERT_SETTINGS)


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
