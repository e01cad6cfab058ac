"""Every subcommand, typed in the incident channel and from elsewhere with INC-n."""

from __future__ import annotations

import pytest
from e2e_stack import Stack, bot_lines, card_of

from slack_emulator import ANNOUNCE, GENERAL


@pytest.fixture
def opened(stack: Stack) -> str:
    """INC-1 opened by alice from #general, its channel created; returns the channel id."""
    answer = stack.user("alice").slash("open sev2 Checkout fails for some users")
    assert answer.status == 200 and "Opened *INC-1*" in answer.json["text"]
    stack.settle()
    return stack.channel_of(1)


def test_open_names_the_channel_after_the_title_invites_the_opener_and_pins_the_card(stack: Stack) -> None:
    stack.user("alice").slash("open sev1 Something went wrong on the home page")
    stack.settle()
    channel = stack.emulator.channel_by_name("inc-1-something-went-wrong-on-the-home-page")
    assert channel is not None
    assert "U_ALICE" in channel.members or stack.emulator.user("alice").id in channel.members
    assert channel.topic.value.startswith("sev1 · investigating · lead: alice · INC-1")
    card = card_of(stack, channel.id)
    assert "INC-1: Something went wrong on the home page" in str(card.blocks)
    assert any("INC-1" in text and "sev1" in text for text in bot_lines(stack, ANNOUNCE))
    told = [post.body["text"] for post in stack.emulator.response_url_posts()]
    assert told == [f"INC-1 has its channel: <#{channel.id}>. You are in it and the summary card is pinned there."]


def test_a_taken_channel_name_gets_a_suffix(stack: Stack) -> None:
    stack.emulator.workspace.create_channel("inc-1-database-down", creator=stack.emulator.user("bob").id)
    stack.user("alice").slash("open Database down")
    stack.settle()
    suffixed = stack.emulator.channel_by_name("inc-1-database-down-2")
    assert suffixed is not None
    assert stack.channel_of(1) == suffixed.id


@pytest.mark.parametrize("where", ["incident channel", "elsewhere with INC-n"])
def test_status_changes_post_a_timeline_line_and_update_the_card_in_place(
    stack: Stack, opened: str, where: str
) -> None:
    channel, prefix = (opened, "") if where == "incident channel" else (GENERAL, "INC-1 ")
    answer = stack.user("bob").slash(f"status {prefix}identified bad config push", channel=channel)
    assert answer.json["text"] == "INC-1: now *identified*."
    stack.settle()
    assert any("set the status to *identified*: bad config push" in line for line in bot_lines(stack, opened))
    card = card_of(stack, opened)
    assert "Identified since" in str(card.blocks) and card.edited is not None
    assert "sev2 · identified" in stack.emulator.channel(opened).topic.value


def test_note_impact_sev_lead_and_attack_each_land_on_the_timeline(stack: Stack, opened: str) -> None:
    bob = stack.user("bob")
    assert bob.slash("note restarted the payment workers", channel=opened).json["text"] == (
        "INC-1: note added to the timeline."
    )
    impact = bob.slash("impact Payments fail at checkout", channel=opened).json["text"]
    assert "customer impact in English set" in impact
    assert bob.slash("sev 1", channel=opened).json["text"] == "INC-1: now sev1."
    bob_id = stack.emulator.user("bob").id
    assert (
        bob.slash(f"lead <@{bob_id}|bob>", channel=opened, raw=True).json["text"]
        == "INC-1: *bob* is now the incident lead."
    )
    assert "security assessment *suspected*" in bob.slash("attack suspected", channel=opened).json["text"]
    stack.settle()
    lines = bot_lines(stack, opened)
    assert any(":memo: restarted the payment workers" in line for line in lines)
    assert any("set the customer impact (English): Payments fail at checkout" in line for line in lines)
    assert any("changed the severity: sev2 -&gt; sev1" in line for line in lines)
    assert any("the incident lead" in line for line in lines)
    assert any("not-assessed -&gt; suspected" in line for line in lines)
    assert bob_id in stack.emulator.channel(opened).members
    assert "lead: bob" in stack.emulator.channel(opened).topic.value


def test_comms_and_scribe_show_on_the_card_by_name_join_the_channel_and_land_on_the_timeline(
    stack: Stack, opened: str
) -> None:
    bob = stack.emulator.user("bob").id
    alice = stack.user("alice")
    assert alice.slash(f"role comms <@{bob}|bob>", channel=opened, raw=True).json["text"] == (
        "INC-1: *bob* is now the comms lead."
    )
    assert alice.slash("role INC-1 scribe <@U0ALICE|alice>", channel=GENERAL, raw=True).json["text"] == (
        "INC-1: *alice* is now the scribe."
    )
    assert alice.slash("role scribe none", channel=opened).json["text"] == "INC-1: the scribe role is cleared."
    stack.settle()
    card = str(card_of(stack, opened).blocks)
    assert "*Lead*\\nalice" in card and "*Comms*\\nbob" in card and "*Scribe*\\nnone" in card
    lines = bot_lines(stack, opened)
    assert any("*alice* made *bob* the comms lead" in line for line in lines)
    assert any("*alice* made *alice* the scribe" in line for line in lines)
    assert any("*alice* cleared the scribe role" in line for line in lines)
    assert not any(bob in line or "<@" in line for line in lines)
    assert bob in stack.emulator.channel(opened).members
    assert "lead: alice" in stack.emulator.channel(opened).topic.value


def test_close_reports_the_durations_and_announces_it(stack: Stack, opened: str) -> None:
    answer = stack.user("bob").slash("close rolled back the deploy", channel=opened)
    assert answer.json["text"].startswith("INC-1: resolved.\nTotal duration *")
    stack.settle()
    closing = bot_lines(stack, opened)[-1]
    assert "resolved INC-1: rolled back the deploy" in closing and "Total duration *" in closing
    assert any("resolved" in line for line in bot_lines(stack, ANNOUNCE))
    assert "[Reopen]" in stack.emulator.transcript(opened, __import__("zoneinfo").ZoneInfo("UTC"))


def test_reopen_goes_back_to_investigating(stack: Stack, opened: str) -> None:
    stack.user("bob").slash("close", channel=opened)
    answer = stack.user("bob").slash("reopen errors are back", channel=opened)
    assert answer.json["text"] == "INC-1: reopened: back to investigating."
    stack.settle()
    assert any("reopened INC-1: errors are back" in line for line in bot_lines(stack, opened))


def test_timeline_and_list_answer_only_the_person_who_asked(stack: Stack, opened: str) -> None:
    stack.user("bob").slash("note cache flushed", channel=opened)
    timeline = stack.user("bob").slash("timeline INC-1", channel=GENERAL)
    assert timeline.json["response_type"] == "ephemeral"
    assert "cache flushed" in str(timeline.json["blocks"])
    listing = stack.user("bob").slash("list", channel=GENERAL)
    assert listing.json["response_type"] == "ephemeral"
    assert "*INC-1* sev2 investigating · Checkout fails for some users" in str(listing.json["blocks"])
    posted_before = len(stack.emulator.messages(GENERAL))
    stack.settle()
    assert len(stack.emulator.messages(GENERAL)) == posted_before


def test_a_note_that_mentions_the_word_payload_is_not_lost(stack: Stack, opened: str) -> None:
    """Bolt parses any form body containing 'payload' as an interaction (regression)."""
    answer = stack.user("bob").slash("note the payload service is timing out", channel=opened)
    assert answer.status == 200
    assert answer.json["text"] == "INC-1: note added to the timeline."
