"""The security assessment starts not assessed: drafts claim nothing about security and ask for it;
the prompt's buttons record it as `/incident attack` does (docs/behaviour.md, Public drafts)."""

from __future__ import annotations

from typing import Any

import pytest
from e2e_stack import Stack, bot_lines, card_of, sections_of

from bot.domain.incident import Attack, EntryKind
from bot.lookup import Where
from slack_emulator.records import Message

INC_1 = Where(team_id="T0EMULATOR", number=1)
ABOUT_SECURITY = ("evidence", "secur", "breach", "attack", "preuve", "sécurité", "faille", "attaque")
REASSURANCE = "We have no evidence of a security breach or attack."
PROMPT = "Security not assessed yet"
BUTTONS = ["incident.assess.no-evidence", "incident.assess.suspected", "incident.assess.not-relevant"]


@pytest.fixture
def drafted(stack: Stack) -> str:
    """INC-1 with an impact text and its four drafts, nobody having assessed its security."""
    stack.user("alice").slash("open sev1 Home page broken")
    stack.settle()
    channel = stack.channel_of(1)
    stack.user("alice").slash("impact Users see 'Something went wrong' on the home page", channel=channel)
    stack.user("alice").slash("draft", channel=channel)
    stack.settle()
    return channel


def drafts_in(stack: Stack, channel: str) -> list[Message]:
    return [m for m in stack.emulator.messages(channel) if "Public update draft" in str(m.blocks)]


def prompt_buttons(message: Message) -> list[str]:
    blocks = [block for block in message.blocks if block.get("block_id") == "incident.assess"]
    return [element["action_id"] for block in blocks for element in block["elements"]]


def replies(stack: Stack) -> list[str]:
    return [str(post.body.get("text", "")) for post in stack.emulator.response_url_posts()]


def assessments(stack: Stack) -> list[tuple[str, str]]:
    entries = stack.runtime.service.timeline(INC_1).entries
    return [(entry.actor, entry.text) for entry in entries if entry.kind is EntryKind.ATTACK]


def test_an_unassessed_incident_s_drafts_say_nothing_about_security_and_ask_for_it(stack: Stack, drafted: str) -> None:
    drafts = drafts_in(stack, drafted)
    assert len(drafts) == 4  # English and French, short and long
    for message in drafts:
        words = sections_of(message.blocks)[1].lower()
        assert not [word for word in ABOUT_SECURITY if word in words], words
        assert any(PROMPT in section for section in sections_of(message.blocks))
        assert prompt_buttons(message) == BUTTONS
    assert "Not assessed yet" in str(card_of(stack, drafted).blocks)
    assert stack.runtime.service.get(INC_1).attack is Attack.NOT_ASSESSED


def test_a_click_on_the_prompt_records_the_assessment_as_the_command_does(stack: Stack, drafted: str) -> None:
    first = drafts_in(stack, drafted)[0]
    stack.user("bob").click(drafted, first.ts, "incident.assess.no-evidence")
    stack.settle()
    assert replies(stack)[-1] == (
        "INC-1: security assessment *no-evidence*. Public drafts will say there is no evidence of a security "
        "breach or attack."
    )
    bob = stack.emulator.user("bob").id
    assert assessments(stack) == [(bob, "not-assessed -> no-evidence")]
    entry = next(e for e in stack.runtime.service.timeline(INC_1).entries if e.kind is EntryKind.ATTACK)
    assert entry.at == entry.recorded_at, "when it was clicked"
    assert any(
        "*bob* :shield: changed the security assessment: not-assessed -&gt; no-evidence" in line
        for line in bot_lines(stack, drafted)
    )
    assert "No evidence of an attack" in str(card_of(stack, drafted).blocks)
    for message in drafts_in(stack, drafted):  # written before it: stale, and no prompt any more
        assert "Stale: the security assessment changed to no-evidence" in str(message.blocks)
        assert prompt_buttons(message) == []
    stack.user("alice").slash("draft en short", channel=drafted)
    stack.settle()
    newest = drafts_in(stack, drafted)[-1]
    assert REASSURANCE in sections_of(newest.blocks)[1], "once assessed, the words follow it as before"
    assert prompt_buttons(newest) == []


def test_a_click_on_an_older_prompt_after_someone_assessed_changes_nothing(stack: Stack, drafted: str) -> None:
    first, *_, last = drafts_in(stack, drafted)
    stack.emulator.set_latency(1.0, "chat.update")  # bob's screen still shows the prompt
    stack.user("alice").click(drafted, first.ts, "incident.assess.not-relevant")
    stack.user("bob").click(drafted, last.ts, "incident.assess.suspected")
    stack.settle()
    assert assessments(stack) == [(stack.emulator.user("alice").id, "not-assessed -> not-relevant")]
    assert stack.runtime.service.get(INC_1).attack is Attack.NOT_RELEVANT
    assert replies(stack)[-1] == (
        ":warning: INC-1 was already assessed as not-relevant, so nothing changed; "
        "`/incident attack` changes the assessment."
    )


@pytest.mark.parametrize("guest", ["gina", "ursula"])
def test_a_guest_s_click_on_the_prompt_is_refused_and_nothing_is_stored(
    stack: Stack, drafted: str, unchanged: Any, guest: str
) -> None:
    first = drafts_in(stack, drafted)[0]
    with unchanged(stack.runtime.db):
        stack.user(guest).click(drafted, first.ts, "incident.assess.no-evidence")
        stack.settle()
    assert replies(stack)[-1] == (
        ":warning: Workspace guests cannot change incidents. Ask a member of the team to do it."
    )
    assert prompt_buttons(drafts_in(stack, drafted)[0]) == BUTTONS
