"""The README's alert examples work as written: Alertmanager's `alertmanager.yml` passes amtool's
check (and drives the real Alertmanager of test_e2e_alertmanager.py), the `curl` example to the
Events API is answered as the README says, the Grafana provisioning file sends what the bot
accepts, and the rules file reads; on SQLite and PostgreSQL where a bot runs."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from alert_posts import alerting_stack, from_grafana
from e2e_stack import Stack
from real_alertmanager import README_SECRET, README_URL, readme_block

from bot.domain.alert_rules import Action, read_rules
from tests.alert_samples import raw


@pytest.fixture
def bot(make_stack: Callable[..., Stack]) -> Stack:
    return alerting_stack(make_stack, INCIDENT_ALERT_TOKENS=f"readme:{README_SECRET}")


def test_the_alertmanager_config_passes_amtool_s_check(tmp_path: Path) -> None:
    amtool = shutil.which("amtool")
    if amtool is None:
        if os.environ.get("CI") == "true":
            pytest.fail("amtool is not installed (prometheus-alertmanager) and CI=true requires it")
        pytest.skip("amtool is not installed (apt-get install prometheus-alertmanager)")
    config = tmp_path / "alertmanager.yml"
    config.write_text(readme_block("route:"))
    checked = subprocess.run([amtool, "check-config", str(config)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Found:\n - global config\n - route\n" in checked.stdout and "1 receivers" in checked.stdout


def test_the_curl_example_is_answered_as_the_readme_says(bot: Stack) -> None:
    written = readme_block(
        "curl -sS https://incidents.example.com/alerts/v2/enqueue -H 'Content-Type: application/json' -d '{"
    )
    command, said = written.rsplit("# ", 1)
    answered = subprocess.run(
        ["sh", "-c", command.replace(README_URL, bot.url)], capture_output=True, text=True, check=True, timeout=30
    )
    assert json.loads(answered.stdout) == json.loads(said)
    bot.settle()
    assert bot.settings.alert_channel is not None
    [message] = [m for m in bot.emulator.messages(bot.settings.alert_channel) if m.user == "U0BOT"]
    assert "*Disk 95% full on db-1*" in message.blocks[0]["text"]["text"]


def test_the_grafana_provisioning_file_sends_what_the_bot_accepts(bot: Stack) -> None:
    written = readme_block("apiVersion: 1")
    settings = dict(
        re.findall(r"^\s+(url|httpMethod|authorization_scheme|authorization_credentials): (\S+)", written, re.M)
    )
    assert settings["url"] == f"{README_URL}/alerts/grafana" and settings["httpMethod"] == "POST"
    assert (settings["authorization_scheme"], settings["authorization_credentials"]) == ("Bearer", README_SECRET)
    # Grafana sends `Authorization: <scheme> <credentials>` with its documented webhook body
    answer = from_grafana(bot.url, raw("grafana_documented"), secret=settings["authorization_credentials"])
    assert (answer.status, answer.body["group"]) == (200, "new")


def test_the_rules_file_reads_as_the_readme_explains() -> None:
    rules = read_rules(readme_block("[[rule]]"))
    assert [(rule.name, rule.action) for rule in rules.rules] == [
        ("payments down", Action.DECLARE),
        ("noise", Action.IGNORE),
    ]
    assert rules.first_match({"team": "payments", "severity": "critical"}) == rules.rules[0]
    assert rules.first_match({"alertname": "Watchdog"}) == rules.rules[1]
