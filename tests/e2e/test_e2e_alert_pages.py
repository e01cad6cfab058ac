"""Pages from alerts, over real HTTP against the emulator, on SQLite and PostgreSQL (docs/behaviour.md,
Paging): an incident declared from a group of alerts, by a rule or by *Declare incident*, pages the
`oncall` group of each catalog component the alerts match, once; the first to acknowledge an
incident a rule opened becomes its lead."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from alert_posts import ALERT_SETTINGS, alerting_stack, from_alertmanager
from e2e_stack import Stack, bot_lines, card_of, shown, wait_until_no_send_is_in_flight
from paging_world import dm, notices
from test_e2e_home import opened_home

from bot.lookup import Where
from bot.sandbox import ManualClock
from slack_emulator import SlackEmulator
from slack_emulator.records import Message

CATALOG = """
[[component]]
id = "home"
name = "Home page"
alerts = ['service="web"']
oncall = "oncall-web"

[[component]]
id = "api"
name = "Public API"
alerts = ['service="api"']
oncall = "oncall-api"
"""


def start(make_stack: Callable[..., Stack], tmp_path: Path, **settings: str) -> Stack:
    (tmp_path / "catalog.toml").write_text(CATALOG, encoding="utf-8")
    stack = alerting_stack(make_stack, INCIDENT_CATALOG=str(tmp_path / "catalog.toml"), **settings)
    stack.emulator.workspace.add_usergroup("oncall-web", users=["bob", "alice"])
    stack.emulator.workspace.add_usergroup("oncall-api", users=["gina"])
    assert stack.emulator.admin.set_usergroup_members("oncall-web", ["bob", "alice"]).status == 200  # known now
    assert stack.emulator.admin.set_usergroup_members("oncall-api", ["gina"]).status == 200
    return stack


def test_a_rule_s_incident_pages_the_matching_components_on_call_once_and_who_acknowledges_leads(
    make_stack: Callable[..., Stack], tmp_path: Path
) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nname = "web down"\nmatch = [\'service="web"\']\naction = "declare"\n')
    stack = start(make_stack, tmp_path, INCIDENT_ALERT_RULES=str(rules))
    from_alertmanager(stack.url, "alertmanager_firing")
    stack.settle()
    channel = stack.channel_of(1)
    assert any(
        line.endswith("*prod-alertmanager* :pager: paged *bob*, *alice*: on call for Home page (@oncall-web)")
        for line in bot_lines(stack, channel)
    )
    [page] = dm(stack, "bob")
    assert shown(page).startswith(":pager: *prod-alertmanager* paged you for *INC-1* (sev1): 5xx rate above 5% on web")
    assert dm(stack, "gina") == []  # the API's on-call group: its component does not match
    from_alertmanager(stack.url, "alertmanager_firing")  # a resend pages nobody again
    stack.settle()
    assert len(dm(stack, "bob")) == 1
    stack.user("bob").click(page.channel, page.ts, "page.acknowledge")
    stack.settle()
    assert stack.runtime.service.get(Where("T0EMULATOR", number=1)).lead == "U0BOB"
    assert "*Lead*\nbob" in sections_of_fields(card_of(stack, channel))
    assert any(line.endswith("*bob* made *bob* the incident lead") for line in bot_lines(stack, channel))


def test_declare_incident_pages_the_on_call_as_the_person_who_declared(
    make_stack: Callable[..., Stack], tmp_path: Path
) -> None:
    stack = start(make_stack, tmp_path)
    from_alertmanager(stack.url, "alertmanager_firing")
    stack.settle()
    alert_channel = stack.settings.alert_channel
    assert alert_channel is not None
    [message] = [m for m in stack.emulator.messages(alert_channel) if m.user == "U0BOT"]
    stack.user("alice").click(alert_channel, message.ts, "alerts.declare")
    stack.settle()
    [page] = dm(stack, "bob")
    assert shown(page).startswith(":pager: *alice* paged you for *INC-1*")
    assert dm(stack, "alice") == []  # she declared it: never paged herself
    assert stack.runtime.service.get(Where("T0EMULATOR", number=1)).lead == "U0ALICE"


def test_nobody_answering_a_rule_s_page_tells_the_escalation_group_never_the_source_and_the_home_says_nobody_leads(
    make_stack: Callable[..., Stack], tmp_path: Path
) -> None:
    (tmp_path / "catalog.toml").write_text(CATALOG.replace('"oncall-web"', '"oncall-web"\nescalation = "sre-leads"'))
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nname = "web down"\nmatch = [\'service="web"\']\naction = "declare"\n')
    clock = ManualClock(datetime(2026, 12, 6, 19, 27, tzinfo=UTC))
    emulator = SlackEmulator(clock=clock.timestamp)
    emulator.add_user("dave", real_name="Dave Kim")
    emulator.add_usergroup("oncall-web", members=["bob"])
    leads = emulator.add_usergroup("sre-leads", members=["dave"])
    settings = {
        **ALERT_SETTINGS,
        "INCIDENT_ALERT_CHANNEL": emulator.create_channel("alerts", members=["alice", "bob"]),
        "INCIDENT_CATALOG": str(tmp_path / "catalog.toml"),
        "INCIDENT_ALERT_RULES": str(rules),
    }
    stack = make_stack(clock=clock, emulator=emulator, settings=settings)
    assert from_alertmanager(stack.url, "alertmanager_firing").status == 200  # INC-1, opened by the source
    stack.settle()
    channel = stack.channel_of(1)
    for _ in range(2):  # @oncall-web, then its escalation group @sre-leads, answer nobody
        wait_until_no_send_is_in_flight(stack)
        clock.advance(minutes=5)
        stack.settle()
        stack.settle()
    [notice] = notices(stack, channel)
    assert shown(notice) == (
        f":warning: <!subteam^{leads}|@sre-leads> Nobody acknowledged the page for *Home page* nor its escalation "
        "group @sre-leads within 5m. Nobody leads this incident yet. Page them again, or someone else?"
    )
    assert "<@alerts:" not in json.dumps(notice.blocks) + notice.text
    stack.user("alice").slash("page INC-1 @dave")  # a person pages: she is told, the source never
    stack.settle()
    wait_until_no_send_is_in_flight(stack)
    clock.advance(minutes=5)
    stack.settle()
    assert shown(notices(stack, channel)[-1]) == (
        ":warning: <@U0ALICE> Nobody acknowledged the page to *dave* within 5m. Nobody leads this incident yet. "
        "Page *dave* again, or someone else?"
    )
    assert "*Lead*\nnobody yet (opened by prod-alertmanager)" in sections_of_fields(card_of(stack, channel))
    home = opened_home(stack, "alice")
    assert "sev1 · investigating · open 15 min · lead nobody yet (opened by *prod-alertmanager*)" in home
    assert "lead *prod-alertmanager*" not in home


def sections_of_fields(message: Message) -> list[str]:
    return [field["text"] for block in message.blocks for field in block.get("fields", [])]
