"""People's Slack markup end to end: readable in Slack, plain words in public, words in channel names."""

from __future__ import annotations

from e2e_stack import Stack, bot_lines, card_of, sections_of

from slack_emulator import STATUS

EVERY_ENTITY = (
    "<!subteam^S0ONCALL|@oncall> says <https://shop.example.com/checkout|the checkout> fails for "
    "<@{bob}|bob> :fire: since <!date^1645114260^{{time}}|21:41> see <#{general}|general> <!here> "
    "and <https://status.example.com/history?x=1&y=2>"
)


def test_a_published_update_carries_no_slack_markup_and_no_ids(stack: Stack) -> None:
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.settle()
    channel = stack.channel_of(1)
    bob, general = stack.emulator.user("bob").id, stack.emulator.channel("general").id
    impact = EVERY_ENTITY.format(bob=bob, general=general)
    stack.user("alice").slash(f"impact {impact}", channel=channel, raw=True)
    stack.user("alice").slash("draft en long", channel=channel)
    stack.settle()
    draft = next(m for m in stack.emulator.messages(channel) if "Public update draft" in str(m.blocks))
    stack.user("alice").click(channel, draft.ts, "draft.publish")
    stack.settle()
    (published,) = [m.text for m in stack.emulator.messages(STATUS) if m.user == "U0BOT"]
    assert "@oncall says the checkout fails for @bob since 21:41 see #general and status.example.com" in published
    for markup in ("<", "&lt;", bob, general, "S0ONCALL", "subteam", ":fire:", "here", "https://"):
        assert markup not in published, f"{markup!r} reached the public"


def test_markup_in_a_title_gives_a_clean_channel_name_and_a_readable_card(stack: Stack) -> None:
    title = "<!subteam^S0ONCALL|@oncall> paged: <https://shop.example.com/checkout|checkout> down for @bob"
    stack.user("alice").slash(f"open sev1 {title}", raw=True)  # entities Slack made, not typed characters
    stack.settle()
    channel = stack.emulator.channel_by_name("inc-1-oncall-paged-checkout-down-for-bob")
    assert channel is not None, "the channel is named after the words people read"
    card = card_of(stack, channel.id)
    assert card.blocks[0]["text"]["text"] == "INC-1: @oncall paged: checkout down for @bob"
    opened_line = next(line for line in bot_lines(stack, channel.id) if "opened INC-1" in line)
    assert opened_line.endswith(
        "opened INC-1: @oncall paged: <https://shop.example.com/checkout|checkout> down for @bob"
    )
    assert stack.emulator.channel(channel.id).topic.value.endswith("INC-1: @oncall paged: checkout down for @bob")
    assert "<@" not in str(sections_of(card.blocks))
