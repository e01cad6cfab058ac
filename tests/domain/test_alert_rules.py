"""Alert rules as the team writes them (`INCIDENT_ALERT_RULES`): read, checked one line per
mistake naming the rule, and what they decide for a new group of alerts."""

from datetime import timedelta

import pytest

from bot.domain.alert_rules import Action, Decision, Rules, RulesError, decide, read_rules, severity_and_title
from bot.domain.alerts import Alert, AlertStatus, Notification, Source
from bot.domain.declared import title_from

RULES = """
[[rule]]
name = "payments down"
match = ['team="payments"', 'severity=~"critical|error"']
action = "declare"
severity = "sev1"
title = "{{ labels.service }}: {{ annotations.summary }}"

[[rule]]
name = "disk, give it ten minutes"
match = ['alertname="DiskFull"']
action = "declare"
after = "10m"

[[rule]]
name = "watchdog"
match = 'alertname="Watchdog"'
action = "ignore"

[[rule]]
name = "the rest"
severity = 3
"""


def group(common_labels: dict[str, str], annotations: dict[str, str] | None = None) -> Notification:
    alert = Alert("8ea29663fd05a3f3", AlertStatus.FIRING, common_labels, annotations or {})
    return Notification(
        Source.ALERTMANAGER,
        "prod",
        '{}:{alertname="X"}',
        (alert,),
        common_labels=common_labels,
        common_annotations=annotations or {},
    )


def test_the_first_matching_rule_decides() -> None:
    rules = read_rules(RULES)
    payments = group(
        {"alertname": "PaymentsLatency", "service": "checkout", "team": "payments", "severity": "critical"},
        {"summary": "p99 > 2s on pay-1"},
    )
    assert decide(rules, payments) == Decision(Action.DECLARE, "payments down", 1, "checkout: p99 > 2s on pay-1")
    disk = group({"alertname": "DiskFull", "service": "db", "severity": "warning"})
    wait = timedelta(minutes=10)
    assert decide(rules, disk) == Decision(Action.DECLARE, "disk, give it ten minutes", 3, "DiskFull", wait)
    assert decide(rules, group({"alertname": "Watchdog"})).action is Action.IGNORE
    assert decide(rules, group({"alertname": "HighErrorRate", "severity": "critical"})) == Decision(
        Action.TRIAGE, "the rest", 3, "HighErrorRate"
    )


def test_without_rules_every_group_is_triaged_with_the_severity_of_its_label() -> None:
    decision = decide(Rules(), group({"alertname": "HighErrorRate", "severity": "warning"}, {"summary": "5xx > 5%"}))
    assert decision == Decision(Action.TRIAGE, None, 3, "5xx > 5%")


def test_a_group_sent_again_takes_its_rule_s_severity_and_title_rendered_from_what_it_says_now() -> None:
    rules = read_rules(RULES)
    payments = rules.named("payments down")
    later = group(
        {"alertname": "PaymentsLatency", "service": "checkout", "team": "payments", "severity": "warning"},
        {"summary": "p99 > 5s on pay-1"},
    )
    assert severity_and_title(payments, later) == (1, "checkout: p99 > 5s on pay-1")  # the rule's severity holds
    assert severity_and_title(rules.named("disk, give it ten minutes"), later) == (3, "p99 > 5s on pay-1")
    assert severity_and_title(rules.named("a rule no longer in the file"), later) == (3, "p99 > 5s on pay-1")


def test_a_title_place_the_group_lacks_is_empty_and_an_empty_title_falls_back_to_the_summary() -> None:
    rules = read_rules('[[rule]]\nname = "r"\naction = "declare"\ntitle = "{{ labels.cluster }}"\n')
    assert decide(rules, group({"alertname": "HighErrorRate"})).title == "HighErrorRate"


LONG_SUMMARY = (
    "Checkout requests to the payments gateway in eu-west-1 fail with HTTP 503 for more than five "
    "percent of customers and the retry queue is about to overflow into the dead letter topic"
)


def test_a_long_summary_or_rule_title_is_cut_at_a_word_as_a_title_declared_from_a_message_is() -> None:
    cut = "the retry queue is about to…"  # not "about to ove…"
    labels = {"alertname": "CheckoutErrors", "service": "checkout", "team": "payments", "severity": "critical"}
    title = decide(Rules(), group(labels, {"summary": LONG_SUMMARY})).title
    assert title.endswith(f"customers and {cut}") and len(title) <= 150
    assert title == title_from(LONG_SUMMARY, {})
    ruled = severity_and_title(read_rules(RULES).named("payments down"), group(labels, {"summary": LONG_SUMMARY}))
    assert ruled[1].startswith("checkout: Checkout requests") and ruled[1].endswith("and the retry queue is…")


def test_an_empty_file_has_no_rules() -> None:
    assert read_rules("") == Rules()


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ('[[rule]]\nname = "a"\nmatch = ["team=payments\\""]\n', "rule 'a': in `match`, "),
        ('[[rule]]\nname = "a"\nmatch = ["severity=~\\"(crit\\""]\n', "rule 'a': in `match`, the regex '(crit'"),
        ('[[rule]]\nname = "a"\naction = "page"\n', "rule 'a': `action` must be one of triage, declare, ignore"),
        ('[[rule]]\nname = "a"\nseverity = 5\n', "rule 'a': `severity` must be 1, 2, 3 or 4"),
        ('[[rule]]\nname = "a"\ntitle = "{{ .Labels.service }}"\n', "rule 'a': `title` may only use"),
        ('[[rule]]\nname = "a"\naction = "declare"\nafter = "soon"\n', "rule 'a': `after` 'soon' is not a duration"),
        ('[[rule]]\nname = "a"\nafter = "5m"\n', "rule 'a': `after` only applies to action = \"declare\""),
        ('[[rule]]\nname = "a"\nmatches = []\n', "rule 'a': unknown key 'matches'"),
        ("[[rule]]\nmatch = 7\n", "rule #1: `match` must be a list of matchers"),
        ('[[rule]]\nname = "a"\n[[rule]]\nname = "a"\n', "rule 'a': the name is used again (first by rule #1)"),
        ("[rules]\n", "unknown top-level key 'rules'"),
        ("[[rule]\n", "is not valid TOML"),
    ],
)
def test_each_mistake_is_one_line_naming_its_rule(text: str, wanted: str) -> None:
    with pytest.raises(RulesError) as refused:
        read_rules(text)
    assert any(line.startswith(wanted) or wanted in line for line in refused.value.problems), refused.value.problems


def test_every_mistake_of_the_file_is_reported_at_once() -> None:
    text = '[[rule]]\nname = "a"\naction = "page"\n[[rule]]\nname = "b"\nseverity = 0\n'
    with pytest.raises(RulesError) as refused:
        read_rules(text)
    assert [line.split(":")[0] for line in refused.value.problems] == ["rule 'a'", "rule 'b'"]
