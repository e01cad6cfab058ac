"""Label matchers read and applied as Alertmanager does (its classic matcher syntax)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.matchers import BadMatcher, Op, match_all, matcher, parse_matcher, parse_matchers

LABELS = {"alertname": "HighErrorRate", "service": "web", "severity": "critical", "path": 'say "hi"'}


@pytest.mark.parametrize(
    ("text", "name", "op", "value"),
    [
        ('service="web"', "service", Op.EQUAL, "web"),
        ("service=web", "service", Op.EQUAL, "web"),
        ('  service  !=  "web"  ', "service", Op.NOT_EQUAL, "web"),
        ('severity=~"critical|error"', "severity", Op.REGEX, "critical|error"),
        ('severity!~"info"', "severity", Op.NOT_REGEX, "info"),
        ('team=""', "team", Op.EQUAL, ""),
        ("team=", "team", Op.EQUAL, ""),
        (r'path="say \"hi\""', "path", Op.EQUAL, 'say "hi"'),
        (r'text="a\nb"', "text", Op.EQUAL, "a\nb"),
        (r'text="back\\slash"', "text", Op.EQUAL, "back\\slash"),
        (r'text="lone\qescape"', "text", Op.EQUAL, "lone\\qescape"),  # a spurious escape stays literal
        ("text=ends\\", "text", Op.EQUAL, "ends\\"),
        ('namespace:job="x"', "namespace:job", Op.EQUAL, "x"),
        ('msg="a, b = c"', "msg", Op.EQUAL, "a, b = c"),
    ],
)
def test_a_matcher_is_read_as_alertmanager_reads_it(text: str, name: str, op: Op, value: str) -> None:
    read = parse_matcher(text)
    assert (read.name, read.op, read.value) == (name, op, value)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("service", "is not a matcher"),
        ('="web"', "is not a matcher"),
        ('1service="web"', "is not a matcher"),
        ('service=="web"', 'has a " inside a value without quotes'),
        ('service<>"web"', "is not a matcher"),
        ('service="web', "opens a quote it never closes"),
        ('service="we"b"', "has text after the value's closing quote"),
        ('service=we"b', 'has a " inside a value without quotes'),
        ('severity=~"(crit"', "does not compile"),
        (r'name=~"\pL+"', "does not compile"),
    ],
)
def test_a_bad_matcher_is_refused_saying_why(text: str, reason: str) -> None:
    with pytest.raises(BadMatcher, match=reason.replace("(", r"\(")):
        parse_matcher(text)


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        ('service="web"', LABELS, True),
        ('service="api"', LABELS, False),
        ('service!="api"', LABELS, True),
        ('severity=~"critical|error"', LABELS, True),
        ('severity=~"crit"', LABELS, False),  # anchored at both ends
        ('severity=~".*crit.*"', LABELS, True),
        ('severity!~"warning|info"', LABELS, True),
        ('team!="db"', LABELS, True),  # an absent label is the empty value
        ('team=""', LABELS, True),
        ('service=""', LABELS, False),
        ('team=~".*"', LABELS, True),
        ('team=~".+"', LABELS, False),
        ('path="say \\"hi\\""', LABELS, True),
        ('text=~"a.b"', {"text": "a\nb"}, False),  # `.` does not match a line feed, as in RE2
    ],
)
def test_a_matcher_selects_labels_as_alertmanager_does(text: str, labels: dict[str, str], expected: bool) -> None:
    assert parse_matcher(text).matches(labels) is expected


def test_every_matcher_of_a_list_must_hold() -> None:
    both = parse_matchers(['service="web"', 'severity=~"critical|error"'])
    assert match_all(both, LABELS)
    assert not match_all(both, {**LABELS, "severity": "warning"})
    assert match_all((), LABELS)  # no matchers: every alert


label_values = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)


@given(value=label_values, op=st.sampled_from(list(Op)))
def test_a_matcher_printed_reads_back_as_itself(value: str, op: Op) -> None:
    """What `alerts` shows of a rule (its str) is what an operator could paste back into the file."""
    try:
        written = matcher("name", op, value)
    except BadMatcher:  # a value that is no regex cannot be a regex matcher
        assert op in (Op.REGEX, Op.NOT_REGEX)
        return
    assert parse_matcher(str(written)) == written
    if op in (Op.EQUAL, Op.NOT_EQUAL):
        assert written.matches({"name": value}) is (op is Op.EQUAL)
