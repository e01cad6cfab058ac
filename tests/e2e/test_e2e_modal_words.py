"""What is typed in a modal's text input is characters, never Slack markup (docs/behaviour.md,
People's text): Slack sends a plain_text_input's value exactly as typed, unescaped, with no
entities. A title typed in the open modal and an update typed in the draft editor read exactly as
typed everywhere, escaped once, and ping nobody; a slash command's real entities still do what
they did. Over real HTTP, signed, against the Slack emulator, on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import feedparser
import pytest
from e2e_stack import Stack, bot_lines, card_of
from status_site import fetch, publish
from test_e2e_subscribers import Inbox, inbox  # noqa: F401 - the inbox fixture

from bot.domain.subscribers import Medium, SubscriberState
from bot.lookup import Where
from bot.render.export import as_data
from bot.storage import subscribers
from slack_emulator import STATUS

TEAM = "T0EMULATOR"
TYPED = "<!channel> down & <b>bold</b> &lt;x&gt;"
ESCAPED = "&lt;!channel&gt; down &amp; &lt;b&gt;bold&lt;/b&gt; &amp;lt;x&amp;gt;"  # what Slack shows as TYPED


def _texts(value: Any, kinds: tuple[str, ...] = ("mrkdwn", "plain_text")) -> Iterator[str]:
    """Every text of a message's or a view's blocks of these kinds (Slack reads markup in mrkdwn)."""
    if isinstance(value, dict):
        if value.get("type") in kinds:
            yield str(value.get("text", ""))
        for item in value.values():
            yield from _texts(item, kinds)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item, kinds)


def _said(stack: Stack, *channels: str) -> list[str]:
    """Everything the bot said where Slack reads markup: topics, message texts, mrkdwn blocks."""
    posted = [m for channel in channels for m in stack.emulator.messages(channel)]
    said = [stack.emulator.channel(channel).topic.value for channel in channels] + [m.text for m in posted]
    return said + [text for m in posted for text in _texts(m.blocks, ("mrkdwn",))]


def _open_in_modal(stack: Stack, title: str) -> str:
    stack.user("alice").slash("open sev1")
    stack.settle()
    (view,) = stack.emulator.views(stack.emulator.user("alice").id, open_only=True)
    answer = stack.user("alice").submit_view(view.id, {"title": title})
    assert answer.status == 200 and not answer.body, answer.body
    stack.settle()
    return stack.channel_of(1)


def test_a_title_typed_in_the_open_modal_reads_as_typed_everywhere_and_a_slash_mention_still_names(
    stack: Stack,
) -> None:
    """The reviewer's case: `<!channel>` vanished from the header and topic and read '@channel' on
    the timeline; a typed `&lt;` read as `<` (since 0582cf3). Typed slash text keeps Slack's
    reading: `@bob` is the person, `&` and `<` read as typed."""
    channel = _open_in_modal(stack, TYPED)
    assert card_of(stack, channel).blocks[0]["text"]["text"] == f"INC-1: {TYPED}"  # plain text: as typed
    assert stack.emulator.channel(channel).topic.value.endswith(f"INC-1: {ESCAPED}")
    assert any(line.endswith(f"opened INC-1: {ESCAPED}") for line in bot_lines(stack, channel))
    assert stack.user("alice").open_home().status == 200
    stack.settle()
    home = stack.emulator.home("alice")
    assert home is not None and any(ESCAPED in text for text in _texts(home.body["blocks"], ("mrkdwn",)))
    assert as_data(stack.runtime.aftermath.record(Where(TEAM, number=1)))["title"] == TYPED
    said = _said(stack, channel, "C0ANNOUNCE") + list(_texts(home.body["blocks"], ("mrkdwn",)))
    assert not [text for text in said if "<!channel>" in text or "@channel" in text or "<b>" in text]

    stack.user("alice").slash("open sev2 Checkout down for @bob & R&D <3")
    stack.settle()
    second = stack.channel_of(2)
    bob = stack.emulator.user("bob").id
    assert f"<@{bob}" in stack.runtime.service.timeline(Where(TEAM, number=2)).incident.title  # Slack's entity, kept
    assert card_of(stack, second).blocks[0]["text"]["text"] == "INC-2: Checkout down for @bob & R&D <3"
    opened = "opened INC-2: Checkout down for @bob &amp; R&amp;D &lt;3"
    assert any(line.endswith(opened) for line in bot_lines(stack, second))


@pytest.fixture
def mailing_stack(make_stack: Callable[..., Stack], inbox: tuple[Inbox, int]) -> Stack:  # noqa: F811
    started = make_stack(
        settings={
            "SMTP_URL": f"smtp://127.0.0.1:{inbox[1]}",
            "INCIDENT_MAIL_FROM": "Chirper status <status@chirper.example>",
            "INCIDENT_STATUS_URL": "https://status.chirper.example/status",
            "INCIDENT_SECRET_KEY": "e2e-secret-0123456789abcdef0123456789",
        }
    )
    with started.runtime.db.write() as session:
        subscribers.insert(
            session=session,
            medium=Medium.MAIL,
            address="reader@example.com",
            language="en",
            components=(),
            state=SubscriberState.CONFIRMED,
            unsubscribe_nonce="n0",
            now=datetime.now(UTC),
        )
    return started


def test_an_update_typed_in_the_draft_editor_reads_as_typed_in_public_and_on_the_timeline(
    mailing_stack: Stack,
    inbox: tuple[Inbox, int],  # noqa: F811
) -> None:
    stack, (kept, _) = mailing_stack, inbox
    stack.user("alice").slash("open sev2 Checkout fails")
    stack.settle()
    channel = stack.channel_of(1)
    stack.user("alice").slash("draft en long", channel=channel)
    stack.settle()
    assert publish(stack, channel, "English · long", text=TYPED) == ESCAPED  # the draft's message in Slack
    [post] = [m for m in stack.emulator.messages(STATUS) if m.user == "U0BOT"]
    assert ESCAPED in post.text
    assert any(f"published the English long update: {ESCAPED}" in line for line in bot_lines(stack, channel))
    assert not [text for text in _said(stack, channel, STATUS) if "<!channel>" in text or "@channel" in text]
    page = fetch(stack.url, "/status").text
    assert _html(TYPED) in page and "<b>" not in page
    for path in ("/status/history.atom", "/status/history.rss"):
        [entry] = feedparser.parse(fetch(stack.url, path).body).entries
        detail = entry.get("summary_detail") or entry.content[0]  # html is shown unescaped once
        assert (html.unescape(detail.value) if "html" in detail.type else detail.value) == TYPED, path
    [incident] = json.loads(fetch(stack.url, "/api/v2/incidents.json").body)["incidents"]
    assert [update["body"] for update in incident["incident_updates"]] == [TYPED]
    [mail] = kept.wait_for(1)
    assert TYPED in str(mail.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    assert _html(TYPED) in str(mail.get_body(("html",)).get_content())  # type: ignore[union-attr]


def _html(text: str) -> str:
    return html.escape(text, quote=False)


def test_a_public_title_reads_on_the_timeline_as_typed(stack: Stack) -> None:
    """The public title is stored as characters; its timeline line read a typed `&lt;` as `<`."""
    stack.user("alice").slash("open sev2 Checkout fails")
    stack.settle()
    channel = stack.channel_of(1)
    assert stack.user("alice").slash("public-title R&D &lt;x&gt; down", channel=channel).status == 200
    stack.settle()
    assert stack.runtime.service.timeline(Where(TEAM, number=1)).incident.public_title == "R&D &lt;x&gt; down"
    said = "set the public title (status page and feeds): R&amp;D &amp;lt;x&amp;gt; down"
    assert any(line.endswith(said) for line in bot_lines(stack, channel)), bot_lines(stack, channel)
