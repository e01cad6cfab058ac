"""What a person types in a slash command as the characters `<!channel>`, `<https://x|y>` or
`<@U123>` stays those characters everywhere (docs/behaviour.md, People's text): Slack sends typed
`&`, `<`, `>` escaped (`&lt;!channel&gt;`), while a mention or link Slack made arrives unescaped and
keeps working. Signed slash commands over real HTTP against the Slack emulator (which escapes what
is typed as Slack does), on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import json
from collections.abc import Callable

import pytest
from e2e_stack import Stack, bot_lines, card_of
from status_site import fetch, publish
from test_e2e_modal_words import _said, _texts, mailing_stack  # noqa: F401 - the mailing_stack fixture
from test_e2e_subscribers import Inbox, inbox  # noqa: F401 - the inbox fixture

from bot.cli import main

TYPED = "<!channel> down & <https://x.example|y> <@U123>"
ESCAPED = "&lt;!channel&gt; down &amp; &lt;https://x.example|y&gt; &lt;@U123&gt;"  # what Slack shows as TYPED
PINGS = ("<!channel>", "@channel", "<!here>", "@here", "<https://x.example", "<@U123")


@pytest.fixture
def export(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., str]:
    """`incident-bot export <argv>` as an operator runs it, on the stack's database: what it prints."""
    monkeypatch.setenv("DATABASE_URL", database_url)

    def run(*argv: str) -> str:
        capsys.readouterr()
        assert main(["export", *argv]) == 0
        return capsys.readouterr().out

    return run


def test_markup_typed_in_slash_commands_reads_as_typed_and_slacks_own_entities_still_work(
    stack: Stack, export: Callable[..., str]
) -> None:
    """`/incident open sev2 <!channel> down` read 'INC-1: down' on the card, '@channel down' on the
    timeline, made the channel `inc-1-down`, and `<https://x|y>` became a link."""
    alice = stack.user("alice")
    assert alice.slash(f"open sev2 {TYPED}").status == 200
    stack.settle()
    channel = stack.channel_of(1)
    assert card_of(stack, channel).blocks[0]["text"]["text"] == f"INC-1: {TYPED}"  # plain text: as typed
    assert stack.emulator.channel(channel).name == "inc-1-channel-down-https-x-example-y-u123"
    assert stack.emulator.channel(channel).topic.value.endswith(f"INC-1: {ESCAPED}")
    assert any(line.endswith(f"opened INC-1: {ESCAPED}") for line in bot_lines(stack, channel))

    # a note mixing typed markup with what Slack made: a picked mention, a link, `@here`
    bob = stack.emulator.user("bob").id
    note = f"&lt;!here&gt; ask <@{bob}|bob>, see <https://runbook.example/a?b=1&amp;c=2|the runbook> &lt;b&gt;"
    assert alice.slash(f"note {note}", channel=channel, raw=True).status == 200
    stack.settle()
    [line] = [line for line in bot_lines(stack, channel) if "the runbook" in line]
    assert line.endswith("&lt;!here&gt; ask @bob, see <https://runbook.example/a?b=1&amp;c=2|the runbook> &lt;b&gt;"), (
        line
    )
    assert alice.slash("close <!everyone> fixed", channel=channel).status == 200
    stack.settle()
    assert any("resolved INC-1: &lt;!everyone&gt; fixed" in line for line in bot_lines(stack, channel)), bot_lines(
        stack, channel
    )
    assert alice.slash("retro waived <@U123> ran it with @bob", channel=channel).status == 200
    stack.settle()

    assert alice.open_home().status == 200
    stack.settle()
    home = stack.emulator.home("alice")
    assert home is not None and any(ESCAPED in text for text in _texts(home.body["blocks"], ("mrkdwn",)))
    said = _said(stack, channel, "C0ANNOUNCE") + list(_texts(home.body["blocks"], ("mrkdwn",)))
    assert not [text for text in said if any(ping in text for ping in PINGS)]

    data = json.loads(export("INC-1", "--format", "json"))
    assert data["title"] == TYPED
    texts = [entry["text"] for entry in data["timeline"]]
    assert any(text.startswith("<!here> ask @bob, see the runbook <b>") for text in texts), texts
    assert data["retrospective"]["note"] == "<@U123> ran it with @bob"
    document = export("INC-1")
    assert document.startswith("# INC-1: \\<!channel\\> down \\& \\<https://x.example\\|y\\> \\<@U123\\>\n")
    assert "| Retrospective | waived: \\<@U123\\> ran it with @bob |" in document


def test_a_refusal_quotes_what_was_typed_as_typed(stack: Stack) -> None:
    """`/incident status <x>` answered "'&lt;x&gt;' is not a status": Slack's escapes shown."""
    stack.user("alice").slash("open sev2 Checkout fails")
    stack.settle()
    channel = stack.channel_of(1)
    answer = stack.user("alice").slash("status <x> & co", channel=channel)
    assert answer.status == 200 and isinstance(answer.body, dict)
    assert answer.body["text"].startswith(":warning: '&lt;x&gt;' is not a status."), answer.body


def test_impact_and_public_title_typed_as_markup_read_as_typed_in_public(
    mailing_stack: Stack,  # noqa: F811
    inbox: tuple[Inbox, int],  # noqa: F811
) -> None:
    """The draft dropped a typed `<!channel>` from the impact, and the status page named the
    incident 'y checkout' for a public title typed `<https://x.example|y> checkout`."""
    stack, (kept, _) = mailing_stack, inbox
    alice = stack.user("alice")
    alice.slash("open sev2 Checkout fails")
    stack.settle()
    channel = stack.channel_of(1)
    assert alice.slash("impact <!channel> cannot pay", channel=channel).status == 200
    assert alice.slash("public-title <https://x.example|y> checkout", channel=channel).status == 200
    assert alice.slash("draft en long", channel=channel).status == 200
    stack.settle()
    published = publish(stack, channel, "English · long")
    assert "&lt;!channel&gt; cannot pay" in published, published  # the draft's message in Slack
    page = fetch(stack.url, "/status").text
    assert html.escape("<!channel> cannot pay", quote=False) in page
    assert html.escape("<https://x.example|y> checkout", quote=False) in page
    [incident] = json.loads(fetch(stack.url, "/api/v2/incidents.json").body)["incidents"]
    assert incident["name"] == "<https://x.example|y> checkout"
    assert "<!channel> cannot pay" in incident["incident_updates"][0]["body"]
    [mail] = kept.wait_for(1)
    assert "<!channel> cannot pay" in str(mail.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    assert "<https://x.example|y> checkout" in str(mail["Subject"]) + str(mail.get_body(("plain",)).get_content())  # type: ignore[union-attr]


def test_a_waiver_of_the_longest_reason_keeps_what_was_typed_as_typed(stack: Stack, export: Callable[..., str]) -> None:
    """The reason's limit counts what a reader sees (300 characters), but its column held 300 as
    stored: on PostgreSQL a reason of 300 with a typed `<` (stored `&lt;`) failed with 'Something
    went wrong' and nothing was recorded."""
    alice = stack.user("alice")
    alice.slash("open sev2 Checkout fails")
    stack.settle()
    channel = stack.channel_of(1)
    alice.slash("close", channel=channel)
    reason = "<b> " + "x" * 296
    answer = alice.slash(f"retro waived {reason}", channel=channel)
    assert answer.status == 200 and isinstance(answer.body, dict)
    assert answer.body["text"] == "Retrospective marked waived.", answer.body
    assert json.loads(export("INC-1", "--format", "json"))["retrospective"] == {"state": "waived", "note": reason}
