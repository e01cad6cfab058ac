"""Alerts triaged in Slack (docs/behaviour.md, Alerts): a new group posts one message in
INCIDENT_ALERT_CHANNEL, later notifications edit it in place, and its buttons declare an incident,
add the group to one, or dismiss it; over real HTTP, signed, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from alert_posts import alerting_stack, enqueue, from_alertmanager, from_grafana
from e2e_stack import Stack, bot_lines, card_of
from e2e_stack import shown as shown_of

from bot.domain.alerts import Triage
from bot.domain.incident import EntryKind
from bot.lookup import Where
from bot.storage import alerts
from slack_emulator.records import Message
from tests.alert_samples import TOKENS_SETTING, body, event, raw
from tests.conftest import KOLKATA

TEAM = "T0EMULATOR"
SUMMARY = "5xx rate above 5% on web"
STARTED = datetime(2026, 12, 6, 19, 26, 36, 275178, tzinfo=UTC)  # the firing payload's startsAt


def as_shown_today(clock_time: str) -> str:
    """A time of the recorded payloads' day (2026-12-07 in INCIDENT_TIMEZONE, Asia/Kolkata), as the
    bot shows it when it hears them now: `00:56 IST` on that day, dated on any other
    (docs/behaviour.md: a time on another day than the one it is read against carries its date)."""
    day = STARTED.astimezone(KOLKATA).date()
    today = datetime.now(UTC).astimezone(KOLKATA).date()
    return clock_time if today == day else f"{day:%Y-%m-%d} {clock_time}"


@dataclass
class Alerting:
    stack: Stack
    channel: str  # INCIDENT_ALERT_CHANNEL

    def messages(self) -> list[Message]:
        return [m for m in self.stack.emulator.messages(self.channel) if m.user == "U0BOT"]

    def only_message(self) -> Message:
        found = self.messages()
        assert len(found) == 1, f"{len(found)} triage messages"
        return found[0]

    def replies(self) -> list[str]:
        return [str(post.body.get("text", "")) for post in self.stack.emulator.response_url_posts()]

    def group(self) -> alerts.StoredGroup:
        with self.stack.runtime.db.read() as session:
            [found] = [g for g in _groups(session)]
        return found


def _groups(session: Any) -> list[alerts.StoredGroup]:
    from sqlalchemy import select

    from bot.storage.tables import AlertGroupRow

    ids = session.execute(select(AlertGroupRow.id)).scalars().all()
    return [group for group_id in ids if (group := alerts.get_group(session=session, group_id=group_id))]


def start_alerting(make_stack: Callable[..., Stack], **settings: str) -> Alerting:
    stack = alerting_stack(make_stack, **settings)
    assert stack.settings.alert_channel is not None
    return Alerting(stack, stack.settings.alert_channel)


@pytest.fixture
def alerting(make_stack: Callable[..., Stack]) -> Alerting:
    return start_alerting(make_stack)


def texts(message: Message) -> str:
    """Everything a person reads in the message: sections, fields and context."""
    found: list[str] = []
    for block in message.blocks:
        if "text" in block:
            found.append(block["text"]["text"])
        found += [field["text"] for field in block.get("fields", [])]
        found += [element.get("text", "") for element in block.get("elements", []) if block["type"] == "context"]
    return "\n".join(found)


def controls(message: Message) -> list[str]:
    """The buttons' labels and the selects' placeholders, in order."""
    shown = []
    for block in message.blocks:
        if block["type"] == "actions":
            for element in block["elements"]:
                shown.append((element.get("text") or element["placeholder"])["text"])
    return shown


def test_a_new_group_posts_one_message_that_later_notifications_edit_in_place(alerting: Alerting) -> None:
    stack = alerting.stack
    assert from_alertmanager(stack.url, "alertmanager_firing").status == 200
    stack.settle()
    message = alerting.only_message()
    shown = texts(message)
    assert f"*{SUMMARY}*" in shown
    assert "*Severity*\nsev1 (critical)" in shown
    assert "1 firing · :white_check_mark: 0 resolved" in shown
    assert "*Source*\nprod-alertmanager · <http://127.0.0.1:19093|Alertmanager>" in shown
    assert "`alertname=HighErrorRate` `instance=web-1:9100` `service=web` `severity=critical`" in shown
    assert f":fire: HighErrorRate since {as_shown_today('00:56 IST')}" in shown  # 19:26 UTC, in INCIDENT_TIMEZONE
    assert "|Source>" in shown and "|Silence>" in shown
    assert controls(message) == ["Declare incident", "Dismiss"]  # no open incident to add it to
    assert "No open incident to add these alerts to." in shown
    for _ in range(3):  # Alertmanager's group_interval and repeat_interval resends, a retry
        assert from_alertmanager(stack.url, "alertmanager_firing").status == 200
    stack.settle()
    assert alerting.only_message().edited is None  # nothing changed: nothing to edit
    assert from_alertmanager(stack.url, "alertmanager_resolved").status == 200
    stack.settle()
    edited = alerting.only_message()
    assert edited.ts == message.ts and edited.edited is not None
    assert "0 firing · :white_check_mark: 1 resolved" in texts(edited)
    assert ":white_check_mark: HighErrorRate resolved at" in texts(edited)


def test_events_and_grafana_groups_get_a_message_each_and_a_resent_event_none(alerting: Alerting) -> None:
    stack = alerting.stack
    trigger = event("pagerduty_trigger_documented")
    for _ in range(2):  # the tool retried after a timeout
        assert enqueue(stack.url, trigger).status == 202
    assert from_grafana(stack.url, raw("grafana_documented")).status == 200
    stack.settle()
    messages = alerting.messages()
    assert len(messages) == 2
    summaries = [message.blocks[0]["text"]["text"] for message in messages]
    assert any(trigger["payload"]["summary"] in summary for summary in summaries)
    assert all(controls(message) == ["Declare incident", "Dismiss"] for message in messages)


def test_two_alertmanagers_routing_alike_get_a_group_and_a_message_each(make_stack: Callable[..., Stack]) -> None:
    """Prod's and staging's Alertmanagers, each with its own token, send the same `groupKey` (the same
    route's `group_by`): they shared one group, one message saying "prod-alertmanager" over staging's
    alerts, and one incident declared from it took both."""
    staging_secret = "staging-secret-of-the-tests-0123"
    alerting = start_alerting(
        make_stack, INCIDENT_ALERT_TOKENS=f"{TOKENS_SETTING},staging-alertmanager:{staging_secret}"
    )
    stack = alerting.stack
    from_staging = body("alertmanager_firing", externalURL="http://alertmanager.staging:9093")
    from_staging["alerts"][0]["fingerprint"] = "5ca1ab1e5ca1ab1e"
    assert from_alertmanager(stack.url, "alertmanager_firing").status == 200
    answer = from_alertmanager(
        stack.url, "alertmanager_firing", secret=staging_secret, body=json.dumps(from_staging).encode()
    )
    assert (answer.status, answer.body["group"], answer.body["firing"]) == (200, "new", 1)
    stack.settle()
    prod, staging = alerting.messages()
    assert "*Source*\nprod-alertmanager · <http://127.0.0.1:19093|Alertmanager>" in texts(prod)
    assert "*Source*\nstaging-alertmanager · <http://alertmanager.staging:9093|Alertmanager>" in texts(staging)
    assert all(":fire: 1 firing · :white_check_mark: 0 resolved" in texts(m) for m in (prod, staging))
    stack.user("alice").click(alerting.channel, prod.ts, "alerts.declare")
    stack.settle()
    resolved = body("alertmanager_resolved", externalURL="http://alertmanager.staging:9093")
    resolved["alerts"][0]["fingerprint"] = "5ca1ab1e5ca1ab1e"
    from_alertmanager(stack.url, "alertmanager_resolved", secret=staging_secret, body=json.dumps(resolved).encode())
    stack.settle()
    lines = bot_lines(stack, stack.channel_of(1))
    assert not [line for line in lines if "resolved (" in line]  # staging's alert is none of INC-1's


def test_declare_incident_opens_it_as_open_does_with_the_group_attached(alerting: Alerting) -> None:
    stack = alerting.stack
    from_alertmanager(stack.url, "alertmanager_firing")
    stack.settle()
    message = alerting.only_message()
    assert stack.user("alice").click(alerting.channel, message.ts, "alerts.declare").status == 200
    stack.settle()
    incident = stack.runtime.service.get(Where(TEAM, number=1))
    assert (incident.title, incident.severity, incident.lead) == (SUMMARY, 1, "U0ALICE")
    assert incident.impact_started_at == STARTED  # the earliest startsAt, as `--at` would say it
    channel = stack.channel_of(1)
    assert card_of(stack, channel)  # opened exactly as /incident open: channel, card, opening line
    lines = bot_lines(stack, channel)
    assert any(f"opened INC-1: {SUMMARY}" in line for line in lines)
    assert any(f"attached the alerts *{SUMMARY}*: 1 firing, 0 resolved · " in line for line in lines)
    decided = alerting.only_message()
    assert controls(decided) == []
    assert "Declared as INC-1 by alice at" in texts(decided) and f"<#{channel}>" in texts(decided)
    assert any(reply.startswith("Opened *INC-1* (sev1)") for reply in alerting.replies())
    assert any(f"INC-1 has its channel: <#{channel}>" in reply for reply in alerting.replies())
    group = alerting.group()
    assert (group.triage, group.decided_by, group.incident_id) == (Triage.DECLARED, "U0ALICE", 1)
    kinds = [entry.kind for entry in stack.runtime.service.timeline(Where(TEAM, number=1)).entries]
    assert kinds == [EntryKind.OPENED, EntryKind.ALERTS]


def test_an_incident_declared_from_alerts_shows_their_signs_as_written_escaped_once(alerting: Alerting) -> None:
    """`>` and `&` in a summary ("error rate > 5%", "R&D") are the words, stored as a typed title is
    stored: they were escaped twice on the way to Slack, so the opening line, the announcement and
    every page's message read `5xx rate &gt; 5% on web &amp; api`."""
    stack = alerting.stack
    words = "5xx rate > 5% on web & api"
    sent = body("alertmanager_firing")
    sent["commonAnnotations"]["summary"] = sent["alerts"][0]["annotations"]["summary"] = words
    from_alertmanager(stack.url, "alertmanager_firing", body=json.dumps(sent).encode())
    stack.settle()
    stack.user("alice").click(alerting.channel, alerting.only_message().ts, "alerts.declare")
    stack.settle()
    assert stack.runtime.service.get(Where(TEAM, number=1)).title == words
    channel = stack.channel_of(1)
    shown = "5xx rate &gt; 5% on web &amp; api"  # what Slack shows as the words
    assert any(f"opened INC-1: {shown}" in line for line in bot_lines(stack, channel))
    assert any(shown in line for line in bot_lines(stack, "C0ANNOUNCE"))
    stack.user("alice").slash("page @bob", channel=channel)
    stack.settle()
    (page,) = stack.emulator.messages(f"D{stack.emulator.user('bob').id}")
    assert f"*INC-1* (sev1): {shown}" in shown_of(page)
    everything = [shown_of(m) for m in stack.emulator.messages(channel)] + [shown_of(page)]
    assert not [text for text in everything if "&amp;gt;" in text or "&amp;amp;" in text]


def test_an_incident_declared_from_an_alert_that_started_on_another_day_dates_its_start_everywhere(
    alerting: Alerting,
) -> None:
    """An alert firing since 2001 read `Investigating since 05:30 IST` on the card, and its
    opening line `05:30 IST`, as if it had started today."""
    stack = alerting.stack
    sent = body("alertmanager_firing")
    sent["alerts"][0]["startsAt"] = "2001-09-09T00:00:00Z"  # 05:30 IST
    from_alertmanager(stack.url, "alertmanager_firing", body=json.dumps(sent).encode())
    stack.settle()
    assert "since 2001-09-09 05:30 IST" in texts(alerting.only_message())
    stack.user("alice").click(alerting.channel, alerting.only_message().ts, "alerts.declare")
    stack.settle()
    channel = stack.channel_of(1)
    card = texts(card_of(stack, channel))
    assert ":mag: Investigating since 2001-09-09 05:30 IST" in card
    assert "*Impact began*\n2001-09-09 05:30 IST" in card
    assert any(
        line.startswith("`2001-09-09 05:30 IST`") and "opened INC-1" in line for line in bot_lines(stack, channel)
    )


def test_a_click_on_a_message_already_decided_changes_nothing_and_says_what_happened(
    alerting: Alerting, unchanged: Callable[..., Any]
) -> None:
    stack = alerting.stack
    from_alertmanager(stack.url, "alertmanager_firing")
    stack.settle()
    stale = alerting.only_message()  # bob still has the message as it was before alice's click
    stack.user("alice").click(alerting.channel, stale.ts, "alerts.dismiss")
    stack.settle()
    bob = stack.user("bob")
    with unchanged(stack.runtime.db):
        assert bob.click_as_shown(alerting.channel, stale.ts, stale.blocks, "alerts.declare").status == 200
        stack.settle()
    assert any("Nothing changed: these alerts were already dismissed by alice" in r for r in alerting.replies())
    assert stack.runtime.service.list_incidents(team_id=TEAM, everything=True) == []


def test_add_to_incident_attaches_the_group_to_the_incident_chosen(alerting: Alerting) -> None:
    stack = alerting.stack
    stack.user("alice").slash("open sev2 Checkout is slow")
    stack.settle()
    from_alertmanager(stack.url, "alertmanager_firing")
    stack.settle()
    message = alerting.only_message()
    assert controls(message) == ["Declare incident", "Add to incident", "Dismiss"]
    assert stack.user("bob").choose(alerting.channel, message.ts, "alerts.add", "1:0:1").status == 200
    stack.settle()
    channel = stack.channel_of(1)
    assert any(f"*bob* :rotating_light: attached the alerts *{SUMMARY}*" in line for line in bot_lines(stack, channel))
    assert "Added to INC-1 by bob at" in texts(alerting.only_message())
    assert any("Added these alerts to *INC-1*: Checkout is slow." in reply for reply in alerting.replies())
    assert alerting.group().triage is Triage.ATTACHED


def test_dismiss_records_who_dismissed_and_the_message_says_so(alerting: Alerting) -> None:
    stack = alerting.stack
    from_alertmanager(stack.url, "alertmanager_firing")
    stack.settle()
    stack.user("bob").click(alerting.channel, alerting.only_message().ts, "alerts.dismiss")
    stack.settle()
    assert controls(alerting.only_message()) == []
    assert "Dismissed by bob at" in texts(alerting.only_message())
    assert ": no incident" in texts(alerting.only_message())
    assert (alerting.group().triage, alerting.group().decided_by) == (Triage.DISMISSED, "U0BOB")
    from_alertmanager(stack.url, "alertmanager_resolved")  # it goes on being edited as its alerts change
    stack.settle()
    assert "0 firing · :white_check_mark: 1 resolved" in texts(alerting.only_message())
    assert "Dismissed by bob" in texts(alerting.only_message())


@pytest.mark.parametrize("action", ["alerts.declare", "alerts.dismiss"])
def test_a_guest_s_click_is_refused_and_nothing_is_stored(
    alerting: Alerting, unchanged: Callable[..., Any], action: str
) -> None:
    stack = alerting.stack
    from_alertmanager(stack.url, "alertmanager_firing")
    stack.settle()
    message = alerting.only_message()
    with unchanged(stack.runtime.db):
        assert stack.user("gina").click(alerting.channel, message.ts, action).status == 200
        stack.settle()
    assert any("guest" in reply for reply in alerting.replies())
    assert alerting.only_message().edited is None


def test_a_guest_s_choice_of_an_incident_is_refused_and_nothing_is_stored(
    alerting: Alerting, unchanged: Callable[..., Any]
) -> None:
    stack = alerting.stack
    stack.user("alice").slash("open sev2 Checkout is slow")
    from_alertmanager(stack.url, "alertmanager_firing")
    stack.settle()
    with unchanged(stack.runtime.db):
        stack.user("gina").choose(alerting.channel, alerting.only_message().ts, "alerts.add", "1:0:1")
        stack.settle()
    assert any("guest" in reply for reply in alerting.replies())


def test_a_forged_value_is_refused_and_nothing_is_stored(alerting: Alerting, unchanged: Callable[..., Any]) -> None:
    stack = alerting.stack
    from_alertmanager(stack.url, "alertmanager_firing")
    stack.settle()
    message = alerting.only_message()
    forged = json.loads(json.dumps(message.blocks).replace('"1:0"', '"1:zero"'))
    with unchanged(stack.runtime.db):
        stack.user("alice").click_as_shown(alerting.channel, message.ts, forged, "alerts.declare")
        stack.settle()
    assert any("That button carries nothing I can read" in reply for reply in alerting.replies())


def test_a_rule_declares_at_once_opened_by_the_source_until_a_person_takes_the_lead(
    make_stack: Callable[..., Stack], tmp_path: Any
) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nname = "web down"\nmatch = [\'service="web"\']\naction = "declare"\n')
    alerting = start_alerting(make_stack, INCIDENT_ALERT_RULES=str(rules))
    stack = alerting.stack
    from_alertmanager(stack.url, "alertmanager_firing")
    stack.settle()
    incident = stack.runtime.service.get(Where(TEAM, number=1))
    assert (incident.opened_by, incident.lead) == ("alerts:prod-alertmanager", "alerts:prod-alertmanager")
    channel = stack.channel_of(1)
    card = card_of(stack, channel)
    assert "*Lead*\nnobody yet (opened by prod-alertmanager)" in texts(card)
    assert controls(card)[0] == "Take the lead"
    assert any(f"*prod-alertmanager* opened INC-1: {SUMMARY}" in line for line in bot_lines(stack, channel))
    assert "Declared as INC-1 by prod-alertmanager at" in texts(alerting.only_message())
    stack.emulator.add_member(channel, "bob")
    stack.user("bob").click(channel, card.ts, "incident.take_lead")
    stack.settle()
    assert stack.runtime.service.get(Where(TEAM, number=1)).lead == "U0BOB"
    taken = card_of(stack, channel)
    assert "*Lead*\nbob" in texts(taken) and "Take the lead" not in controls(taken)
    from_alertmanager(stack.url, "alertmanager_firing")  # a resend declares nothing more
    stack.settle()
    assert len(stack.runtime.service.list_incidents(team_id=TEAM, everything=True)) == 1


def test_a_rule_that_ignores_shows_nothing(make_stack: Callable[..., Stack], tmp_path: Any) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nname = "noise"\nmatch = [\'alertname=~"High.*"\']\naction = "ignore"\n')
    alerting = start_alerting(make_stack, INCIDENT_ALERT_RULES=str(rules))
    from_alertmanager(alerting.stack.url, "alertmanager_firing")
    from_alertmanager(alerting.stack.url, "alertmanager_resolved")
    alerting.stack.settle()
    assert alerting.messages() == []
    assert alerting.group().triage is Triage.IGNORED


def test_attached_alerts_are_told_on_the_incident_and_their_resolution_is_left_to_people(alerting: Alerting) -> None:
    stack = alerting.stack
    from_alertmanager(stack.url, "alertmanager_firing")
    stack.settle()
    stack.user("alice").click(alerting.channel, alerting.only_message().ts, "alerts.declare")
    stack.settle()
    channel = stack.channel_of(1)
    assert "*Alerts* :fire: 1 firing · :white_check_mark: 0 resolved" in texts(card_of(stack, channel))
    assert from_alertmanager(stack.url, "alertmanager_resolved").status == 200
    stack.settle()
    resolved = [line for line in bot_lines(stack, channel) if "HighErrorRate resolved" in line]
    assert len(resolved) == 1
    assert (
        "*prod-alertmanager* :white_check_mark: HighErrorRate resolved (1 of 1 resolved) · <http://prometheus"
        in (resolved[0])
    )
    assert resolved[0].startswith(f"`{as_shown_today('00:56 IST')}`")  # when it resolved (endsAt), not when heard
    card = card_of(stack, channel)
    assert "*Every alert attached has resolved* (1 of 1). Nothing is resolved automatically" in texts(card)
    assert controls(card)[:2] == ["Move to monitoring", "Resolve"]
    incident = stack.runtime.service.get(Where(TEAM, number=1))
    assert incident.status.value == "investigating"  # nothing resolved automatically
    stack.emulator.add_member(channel, "bob")
    stack.user("bob").click(channel, card.ts, "incident.status.monitoring")
    stack.settle()
    card = card_of(stack, channel)
    assert stack.runtime.service.get(Where(TEAM, number=1)).status.value == "monitoring"
    assert controls(card)[0] == "Resolve"  # what is left to decide: monitoring already
    refired = body("alertmanager_firing")
    refired["alerts"][0]["startsAt"] = "2026-12-06T19:40:00Z"
    from_alertmanager(stack.url, "alertmanager_firing", body=json.dumps(refired).encode())
    stack.settle()
    assert any("HighErrorRate fired again (1 of 1 firing)" in line for line in bot_lines(stack, channel))
    assert "Every alert attached has resolved" not in texts(card_of(stack, channel))
    assert "*Alerts* :fire: 1 firing · :white_check_mark: 0 resolved" in texts(card_of(stack, channel))


def test_an_incident_opened_after_the_message_is_offered_by_it_at_once(alerting: Alerting) -> None:
    stack = alerting.stack
    from_alertmanager(stack.url, "alertmanager_firing")
    stack.settle()
    assert controls(alerting.only_message()) == ["Declare incident", "Dismiss"]
    stack.user("alice").slash("open sev2 Checkout is slow")
    stack.user("alice").slash("open --private sev2 Breach of the admin panel")
    stack.settle()
    message = alerting.only_message()
    assert controls(message) == ["Declare incident", "Add to incident", "Dismiss"]
    [select] = [e for b in message.blocks if b["type"] == "actions" for e in b["elements"] if "options" in e]
    assert [option["text"]["text"] for option in select["options"]] == ["INC-1 Checkout is slow"]  # never the private
    assert stack.user("bob").choose(alerting.channel, message.ts, "alerts.add", "1:0:1").status == 200
    stack.settle()
    assert "Added to INC-1 by bob" in texts(alerting.only_message())


def test_an_incident_made_private_or_resolved_leaves_the_menus_and_comes_back_when_public_or_reopened(
    alerting: Alerting,
) -> None:
    stack = alerting.stack
    from_alertmanager(stack.url, "alertmanager_firing")
    stack.settle()
    stack.user("alice").slash("open sev2 Customer PII exposed through search")
    stack.settle()
    assert stack.user("bob").open_home().status == 200
    stack.settle()

    def offered() -> tuple[list[str], list[str]]:
        """The options of *Add to incident* in the alert's message and on bob's App Home."""
        home = stack.emulator.home("bob")
        assert home is not None
        menus = []
        for blocks in (alerting.only_message().blocks, home.body["blocks"]):
            found = [e for b in blocks if b["type"] == "actions" for e in b["elements"] if "options" in e]
            menus.append([option["text"]["text"] for menu in found for option in menu["options"]])
        return menus[0], menus[1]

    title = "INC-1 Customer PII exposed through search"
    assert offered() == ([title], [title])
    for command, shown in [
        ("private INC-1", []),
        ("public INC-1", [title]),
        ("close INC-1 Search fixed", []),
        ("reopen INC-1 It is back", [title]),
    ]:
        stack.user("alice").slash(command)
        stack.settle()
        assert offered() == (shown, shown), command
        if not shown:
            assert "Customer PII" not in json.dumps(alerting.only_message().blocks)
            assert "No open incident to add these alerts to." in texts(alerting.only_message())
