"""Messages copied to the timeline as people saw them: thread replies, alerts, file shares."""

from __future__ import annotations

import pytest
from e2e_stack import Stack, sections_of

from bot.domain.incident import EntryKind
from bot.lookup import Where

INC_1 = Where(team_id="T0EMULATOR", number=1)
ALERT = [
    {
        "color": "#d00000",
        "title": "[FIRING] Checkout error rate > 5%",
        "text": "checkout-api 5xx at 7.2% for 5 minutes &lt;runbook&gt;",
        "fallback": "[FIRING] Checkout error rate > 5% - checkout-api",
    }
]


@pytest.fixture
def opened(stack: Stack) -> str:
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.settle()
    channel = stack.channel_of(1)
    stack.emulator.add_member(channel, "bob")  # bob joins the incident channel
    return channel


def timeline_read_by(stack: Stack, person: str, channel: str) -> str:
    """What `/incident timeline` shows the person."""
    answer = stack.user(person).slash("timeline", channel=channel)
    return "\n".join(sections_of(answer.json.get("blocks", [])))


def copied_entries(stack: Stack) -> list[tuple[str, str]]:
    entries = stack.runtime.service.timeline(INC_1).entries
    return [(entry.actor, entry.text) for entry in entries if entry.kind is EntryKind.MESSAGE]


def test_a_pushpin_on_a_reply_inside_a_thread_reaches_the_timeline(stack: Stack, opened: str) -> None:
    parent = stack.user("bob").post_message(opened, "looking at the load balancer")
    reply = stack.user("bob").post_message(opened, "found it: a bad health check on lb-3", thread_ts=parent)
    assert stack.user("alice").react(opened, reply).status == 200  # type: ignore[union-attr]
    stack.settle()
    bob = stack.emulator.user("bob").id
    assert copied_entries(stack) == [(bob, "found it: a bad health check on lb-3")]
    assert "*bob* :pushpin: found it: a bad health check on lb-3" in timeline_read_by(stack, "alice", opened)


def test_a_pushpin_on_a_message_slack_no_longer_has_tells_the_person_and_adds_nothing(
    stack: Stack, opened: str
) -> None:
    ts = stack.user("bob").post_message(opened, "oops, wrong channel")
    stack.emulator.down()  # the fetch waits for Slack, and meanwhile the message is deleted
    assert stack.user("alice").react(opened, ts).status == 200  # type: ignore[union-attr]
    stack.emulator.posts.delete(opened, ts)
    stack.emulator.up()
    stack.settle(timeout=30)
    assert copied_entries(stack) == []
    told = [e.text for e in stack.emulator.ephemerals(opened, stack.emulator.user("alice").id)]
    assert told == [
        "I could not add that message to the INC-1 timeline: Slack no longer has it (was it deleted?). "
        "Add what it said with `/incident note`."
    ]


def test_an_alert_without_text_keeps_its_attachment_and_shows_the_integrations_name(stack: Stack, opened: str) -> None:
    ts = stack.emulator.posts.alert(opened, name="PagerDuty", bot_id="B0PAGERDUTY", attachments=ALERT)
    assert stack.user("alice").react(opened, ts).status == 200  # type: ignore[union-attr]
    stack.settle()
    text = "[FIRING] Checkout error rate > 5%\ncheckout-api 5xx at 7.2% for 5 minutes &lt;runbook>"  # `<` a character
    assert copied_entries(stack) == [("B0PAGERDUTY", text)]
    shown = timeline_read_by(stack, "alice", opened)
    assert "*PagerDuty* :pushpin: [FIRING] Checkout error rate &gt; 5%" in shown
    assert "&lt;runbook&gt;" in shown and "B0PAGERDUTY" not in shown


def test_an_alert_with_blocks_only_keeps_their_first_lines(stack: Stack, opened: str) -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Datadog: p99 latency high"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*checkout-api*\np99 2.4 s\nhost a\nhost b\nhost c"}},
    ]
    ts = stack.emulator.posts.alert(opened, name="Datadog", bot_id="B0DATADOG", blocks=blocks)
    answer = stack.user("alice").message_shortcut(opened, ts, "incident.add_to_timeline")
    assert answer.status == 200
    stack.settle()
    assert copied_entries(stack) == [("B0DATADOG", "Datadog: p99 latency high\n*checkout-api*\np99 2.4 s\nhost a")]


def test_a_file_share_keeps_the_comment_and_the_file_names(stack: Stack, opened: str) -> None:
    ts = stack.emulator.posts.file_share(opened, "bob", files=["error.log", "trace.json"], text="")
    stack.user("alice").react(opened, ts)
    stack.settle()
    assert copied_entries(stack) == [(stack.emulator.user("bob").id, "shared error.log, trace.json")]


def test_a_message_typed_with_markup_reads_as_typed_and_pings_nobody(stack: Stack, opened: str) -> None:
    """Slack escapes what people type in a message as in a command: a typed `<!channel>` pinned to
    the timeline read '@channel', a typed `<https://x.example|y>` became a link."""
    ts = stack.user("bob").post_message(opened, "<!channel> restart lb-3 <https://x.example|y> & @alice")
    assert stack.user("alice").react(opened, ts).status == 200  # type: ignore[union-attr]
    stack.settle()
    alice = stack.emulator.user("alice").id
    assert copied_entries(stack) == [
        (stack.emulator.user("bob").id, f"&lt;!channel> restart lb-3 &lt;https://x.example|y> & <@{alice}|alice>")
    ]
    shown = timeline_read_by(stack, "alice", opened)
    assert "*bob* :pushpin: &lt;!channel&gt; restart lb-3 &lt;https://x.example|y&gt; &amp; @alice" in shown


def test_words_in_blocks_are_characters_and_their_links_stay_links(stack: Stack, opened: str) -> None:
    """A header's plain text and a rich text's words come unescaped: `<!channel>` in them read
    '@channel', and a link labelled `p99 <2s>` lost its link."""
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Datadog: <!channel> p99 > 2s"}},
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "text", "text": "<!here> & "},
                        {"type": "link", "url": "https://dash.example/?a=1&b=2", "text": "p99 <2s>"},
                    ],
                }
            ],
        },
    ]
    ts = stack.emulator.posts.alert(opened, name="Datadog", bot_id="B0DATADOG", blocks=blocks)
    assert stack.user("alice").react(opened, ts).status == 200  # type: ignore[union-attr]
    stack.settle()
    shown = timeline_read_by(stack, "alice", opened)
    assert "*Datadog* :pushpin: Datadog: &lt;!channel&gt; p99 &gt; 2s\n" in shown, shown
    assert "&lt;!here&gt; &amp; <https://dash.example/?a=1&amp;b=2|p99 &lt;2s&gt;>" in shown, shown
