"""An alert's words are not Slack's text (docs/behaviour.md, Alerts): an incident declared from
alerts reads them as its triage message does, on the card, the topic, the timeline, the App Home
and the export, escaped once, `<!channel>` as words that notify nobody. Over real HTTP, signed,
against the Slack emulator, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from alert_posts import alerting_stack, from_alertmanager, from_grafana
from e2e_stack import Stack, bot_lines, card_of

from bot.lookup import Where
from bot.render.export import as_data
from bot.render.retro import markdown
from tests.alert_samples import body

TEAM = "T0EMULATOR"
RULES = """[[rule]]
name = "payments down"
match = ['team="payments"']
action = "declare"
title = "{{ labels.service }}: {{ annotations.summary }}"
"""


def _amtool_alert(summary: str) -> bytes:
    """amtool's alert (the captured payload) as `amtool alert add PaymentsDown team=payments
    severity=critical service=web --annotation=summary=...` sends it."""
    sent = body("alertmanager_amtool")
    labels = {"alertname": "PaymentsDown", "service": "web", "severity": "critical", "team": "payments"}
    sent["alerts"][0]["labels"] = sent["commonLabels"] = labels
    sent["groupLabels"] = {"alertname": "PaymentsDown"}
    sent["alerts"][0]["annotations"] = sent["commonAnnotations"] = {"summary": summary}
    return json.dumps(sent).encode()


def _everything(value: Any, kinds: tuple[str, ...] = ("mrkdwn", "plain_text")) -> Iterator[str]:
    """Every text of a message's or a view's blocks of these kinds (Slack reads markup in mrkdwn)."""
    if isinstance(value, dict):
        if value.get("type") in kinds:
            yield str(value.get("text", ""))
        for item in value.values():
            yield from _everything(item, kinds)
    elif isinstance(value, list):
        for item in value:
            yield from _everything(item, kinds)


SUMMARY = "Payments <!channel> failing: 5xx rate > 5% on R&D"
ESCAPED = "Payments &lt;!channel&gt; failing: 5xx rate &gt; 5% on R&amp;D"  # what Slack shows as those words


def test_a_title_declared_from_an_alert_reads_as_its_triage_message_everywhere(
    make_stack: Callable[..., Stack], tmp_path: Any
) -> None:
    """The tester's rule (F6): the words vanished from the card's header and the topic and read
    "@channel" on the timeline; `>` and `&` must still be escaped once (a9669da)."""
    summary, escaped = SUMMARY, ESCAPED
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES)
    stack = alerting_stack(make_stack, INCIDENT_ALERT_RULES=str(rules))
    assert from_alertmanager(stack.url, "alertmanager_amtool", body=_amtool_alert(summary)).status == 200
    stack.settle()
    channel = stack.channel_of(1)
    [triage] = [m for m in stack.emulator.messages(stack.settings.alert_channel or "") if m.user == "U0BOT"]
    assert any(f"*{escaped}*" in text for text in _everything(triage.blocks))  # the alert's own message
    card = card_of(stack, channel)
    assert card.blocks[0]["text"]["text"] == f"INC-1: web: {summary}"  # a header is plain text: as written
    assert stack.emulator.channel(channel).topic.value.endswith(f"INC-1: web: {escaped}")
    assert any(f"opened INC-1: web: {escaped}" in line for line in bot_lines(stack, channel))
    assert stack.user("alice").open_home().status == 200
    stack.settle()
    home = stack.emulator.home("alice")
    assert home is not None and any(f"web: {escaped}" in text for text in _everything(home.body["blocks"]))
    posted = stack.emulator.messages(channel) + stack.emulator.messages("C0ANNOUNCE")
    said = [stack.emulator.channel(channel).topic.value] + [m.text for m in posted]
    said += [text for m in posted for text in _everything(m.blocks, ("mrkdwn",))]
    said += list(_everything(home.body["blocks"], ("mrkdwn",)))
    assert not [text for text in said if "<!channel>" in text or "@channel" in text]  # never a ping, never a mention
    assert not [text for text in said if "&amp;lt;" in text or "&amp;gt;" in text or "&amp;amp;" in text]


def test_a_grafana_summary_declared_by_a_person_keeps_its_words_in_the_export(make_stack: Callable[..., Stack]) -> None:
    """*Declare incident* on Grafana's documented example, its summary written with `<!here>`."""
    stack = alerting_stack(make_stack)
    sent = body("grafana_documented")
    sent["commonAnnotations"] = {"summary": "Memory <!here> & CPU > 90%"}
    assert from_grafana(stack.url, json.dumps(sent).encode()).status == 200
    stack.settle()
    [triage] = [m for m in stack.emulator.messages(stack.settings.alert_channel or "") if m.user == "U0BOT"]
    assert stack.user("bob").click(stack.settings.alert_channel or "", triage.ts, "alerts.declare")
    stack.settle()
    channel = stack.channel_of(1)
    assert card_of(stack, channel).blocks[0]["text"]["text"] == "INC-1: Memory <!here> & CPU > 90%"
    assert any("opened INC-1: Memory &lt;!here&gt; &amp; CPU &gt; 90%" in line for line in bot_lines(stack, channel))
    record = stack.runtime.aftermath.record(Where(TEAM, number=1))
    assert as_data(record)["title"] == "Memory <!here> & CPU > 90%"
    assert "# INC-1: Memory \\<!here\\> \\& CPU \\> 90%" in markdown(record).splitlines()
