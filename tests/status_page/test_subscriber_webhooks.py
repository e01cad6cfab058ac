"""Webhook subscribers: added by an operator, sent every published update as Statuspage's webhook
JSON, signed with Standard Webhooks (checked with the `standardwebhooks` package), retried while
the receiver fails and marked failing after a day; and a private incident sent to nobody. Real
HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from site_world import COMPONENT_FIELDS
from standardwebhooks import Webhook, WebhookVerificationError
from subscriber_world import Received, Receiver, SmtpServer, SubscriberWorld, plain_smtp

from bot.domain.catalog import ComponentState, read_catalog
from bot.domain.incident import Status
from bot.storage.db import Database


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    yield from plain_smtp()


@pytest.fixture
def world(db: Database, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> SubscriberWorld:
    monkeypatch.setenv("INCIDENT_LANGUAGES", "en,fr")  # as the world's settings say, for the CLI
    return SubscriberWorld(db, smtp=smtp)


def add_webhook(run_cli: Callable[..., int], capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert run_cli("subscribers", "add-webhook", *argv) == 0
    printed = capsys.readouterr().out
    found = re.search(r"signing secret \(shown once, give it to the receiver\): (whsec_\S+)", printed)
    assert found, printed
    return found.group(1)


def verified(secret: str, received: Received) -> dict[str, object]:
    """The body, once the package has checked its signature, at the moment it was sent (the
    package allows five minutes; the world's clock is in 2022)."""
    sent_at = datetime.fromtimestamp(int(received.headers["webhook-timestamp"]), UTC)
    with freeze_time(sent_at + timedelta(seconds=2)):
        payload = Webhook(secret).verify(received.body.decode(), received.headers)
    assert isinstance(payload, dict)
    return payload


def test_an_update_is_posted_as_statuspage_json_signed_with_standard_webhooks(
    world: SubscriberWorld, receiver: Receiver, run_cli: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    secret = add_webhook(run_cli, capsys, receiver.url, "--language", "fr")
    incident = world.open()
    world.publish(incident, text="We are looking into it.")
    world.publish(incident, language="fr", text="Nous enquêtons.")
    world.deliver()
    assert [r.path for r in receiver.requests] == ["/hooks/status", "/hooks/status"]
    first, second = (verified(secret, request) for request in receiver.requests)
    assert set(first) == {"meta", "page", "incident"}
    assert first["page"]["status_indicator"] == "major"  # type: ignore[index]
    assert first["meta"]["unsubscribe"] == "https://status.chirper.example/status"  # type: ignore[index]
    updates = first["incident"]["incident_updates"]  # type: ignore[index]
    assert updates[0]["body"] == "We are looking into it." and updates[0]["status"] == "investigating"
    assert second["incident"]["incident_updates"][0]["body"] == "Nous enquêtons."  # type: ignore[index]
    ids = [request.headers["webhook-id"] for request in receiver.requests]
    assert len(set(ids)) == 2 and all("." not in webhook_id for webhook_id in ids)
    tampered = replace(receiver.requests[0], body=receiver.requests[0].body.replace(b"looking", b"LOOKING"))
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        verified(secret, tampered)
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        verified("whsec_" + "A" * 44, receiver.requests[0])


def test_a_receiver_that_fails_then_recovers_gets_the_update_once_it_answers(
    world: SubscriberWorld, receiver: Receiver, run_cli: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    secret = add_webhook(run_cli, capsys, receiver.url)
    receiver.statuses = [500, 503]
    incident = world.open()
    world.publish(incident, text="We are looking into it.")
    world.deliver()
    world.deliver()  # not due again yet: no second request
    assert len(receiver.requests) == 1
    world.clock.now += timedelta(minutes=5)
    world.deliver()
    world.clock.now += timedelta(minutes=5)
    world.deliver()
    world.clock.now += timedelta(hours=3)
    world.deliver()
    assert len(receiver.requests) == 3, "two failures, then one success, then nothing"
    assert len({request.headers["webhook-id"] for request in receiver.requests}) == 1, "one id for every attempt"
    assert all(verified(secret, request) for request in receiver.requests)


def test_a_receiver_failing_for_a_day_is_marked_failing_and_listed(
    world: SubscriberWorld,
    receiver: Receiver,
    run_cli: Callable[..., int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    add_webhook(run_cli, capsys, receiver.url)
    receiver.statuses = [500] * 100
    incident = world.open()
    world.publish(incident, text="We are looking into it.")
    for _ in range(40):
        world.deliver()
        world.clock.now += timedelta(hours=1)
    tries = len(receiver.requests)
    assert 5 <= tries < 40, "backed off, not tried at every round"
    assert run_cli("subscribers") == 0
    listed = capsys.readouterr().out
    assert "webhook: 0 pending, 0 confirmed, 0 unsubscribed, 1 failing, 0 bounced" in listed
    assert re.search(r"failing: webhook \d+ http://12\*\*\*/… #[0-9a-f]{4}", listed), listed
    world.publish(incident, text="Found it.")
    world.deliver()
    assert len(receiver.requests) == tries, "nothing more to a failing webhook"


def test_a_private_incident_is_sent_to_nobody(
    world: SubscriberWorld,
    smtp: SmtpServer,
    receiver: Receiver,
    run_cli: Callable[..., int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    add_webhook(run_cli, capsys, receiver.url)
    world.confirmed("jane@example.com", smtp.mailbox)
    incident = world.open()
    world.publish(incident, text="We are looking into it.")
    world.incidents.set_private(incident, actor="U0ALICE", private=True)  # before the lane ran
    world.deliver()
    assert receiver.requests == [] and len(smtp.mailbox.to("jane@example.com")) == 1


CATALOG = read_catalog("""
[[component]]
id = "home"
name = { en = "Home page", fr = "Page d'accueil" }
group = "Web"

[[component]]
id = "billing-db"
name = "Billing database"
public = false
""")


def test_the_webhook_carries_the_incident_s_components_and_each_update_s_as_statuspage_s_do(
    db: Database,
    smtp: SmtpServer,
    receiver: Receiver,
    run_cli: Callable[..., int],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As Statuspage's own incident webhooks: `incident.components` the page's components it
    affects, in their state now, and each update's `affected_components` ({code, name,
    old_status, new_status} as they stood at its publication); an internal component nowhere.
    21:41 home major and billing-db major, published; 21:50 home partial, published identified."""
    monkeypatch.setenv("INCIDENT_LANGUAGES", "en,fr")
    world = SubscriberWorld(db, smtp=smtp, catalog=CATALOG)
    secret = add_webhook(run_cli, capsys, receiver.url, "--language", "fr")
    where = world.open("Home page down", severity=2, at="2022-02-17 21:41")
    for component in ("home", "billing-db"):
        world.incidents.affect(where, actor="U0ALICE", component=component, state=ComponentState.MAJOR)
    world.publish(where, text="The home page does not load.")
    world.deliver()
    world.clock.now += timedelta(minutes=8)
    world.incidents.affect(where, actor="U0ALICE", component="home", state=ComponentState.PARTIAL)
    world.incidents.set_status(where, actor="U0ALICE", status=Status.IDENTIFIED)
    world.publish(where, text="A bad deploy; rolling back.")
    world.deliver()
    first, second = (verified(secret, request) for request in receiver.requests)
    assert all(b"billing" not in request.body.lower() for request in receiver.requests), "internal: never public"
    home = {"code": "home", "name": "Page d'accueil"}

    incident = first["incident"]
    assert isinstance(incident, dict) and first["page"]["status_indicator"] == "critical"  # type: ignore[index]
    (component,) = incident["components"]
    assert set(component) == COMPONENT_FIELDS and component["group_id"] is not None
    assert (component["id"], component["name"], component["status"]) == ("home", "Page d'accueil", "major_outage")
    assert incident["impact"] == "critical", "a major outage of a public component"
    (update,) = incident["incident_updates"]
    assert update["affected_components"] == [{**home, "old_status": "operational", "new_status": "major_outage"}]

    incident = second["incident"]
    assert isinstance(incident, dict)
    assert [each["status"] for each in incident["components"]] == ["partial_outage"]
    assert [(u["status"], u["affected_components"]) for u in incident["incident_updates"]] == [
        ("identified", [{**home, "old_status": "major_outage", "new_status": "partial_outage"}]),
        ("investigating", [{**home, "old_status": "operational", "new_status": "major_outage"}]),
    ]
