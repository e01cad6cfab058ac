"""Pages from alerts, over real HTTP against the emulator, on SQLite and PostgreSQL (docs/behaviour.md,
Paging): an incident declared from a group of alerts, by a rule or by *Declare incident*, pages the
`oncall` group of each catalog component the alerts match, once; the first to acknowledge an
incident a rule opened becomes its lead."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alert_posts import alerting_stack, from_alertmanager
from e2e_stack import Stack, bot_lines, card_of, shown
from paging_world import dm

from bot.lookup import Where

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
    fields = [field["text"] for block in card_of(stack, channel).blocks for field in block.get("fields", [])]
    assert "*Lead*\nbob" in fields
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
