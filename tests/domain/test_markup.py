"""Slack markup in people's text, read once and shown to each audience as it should be."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import markup
from bot.domain.markup import Channel, Emoji, Link, Plain, Special, User, UserGroup

NAMES = {"U0BOB": "Bob Martin", "C0GEN": "general"}
IMPACT = (
    "<!subteam^S0ONCALL|@oncall> says <https://shop.example.com/checkout|the checkout> fails for "
    "<@U0BOB|bob> :fire: see <#C0GEN|general> <!here>"
)


def test_every_kind_of_entity_is_read_as_what_it_stands_for() -> None:
    assert markup.parse(IMPACT) == [
        UserGroup(id="S0ONCALL", label="@oncall"),
        Plain(" says "),
        Link(url="https://shop.example.com/checkout", label="the checkout"),
        Plain(" fails for "),
        User(id="U0BOB", label="bob"),
        Plain(" "),
        Emoji(code="fire"),
        Plain(" see "),
        Channel(id="C0GEN", label="general"),
        Plain(" "),
        Special(name="here"),
    ]


def test_public_text_has_link_labels_names_and_no_markup_or_ids() -> None:
    assert markup.for_public(IMPACT, NAMES) == ("@oncall says the checkout fails for @Bob Martin see #general")


def test_in_slack_links_and_channels_stay_clickable_and_nobody_is_notified() -> None:
    shown = markup.for_slack(IMPACT, NAMES)
    assert shown == (
        "@oncall says <https://shop.example.com/checkout|the checkout> fails for @Bob Martin :fire: see <#C0GEN> @here"
    )


@pytest.mark.parametrize(
    ("text", "public"),
    [
        ("<https://shop.example.com/checkout?x=1&y=2>", "shop.example.com"),
        ("write to <mailto:ops@example.com|ops@example.com>", "write to ops@example.com"),
        ("<mailto:ops@example.com>", "ops@example.com"),
        ("<@U0NOBODY>", "@someone"),
        ("<@U0NOBODY|carol>", "@carol"),
        ("<#C0OTHER>", "#channel"),
        ("<!date^1645114260^{date_short}|Feb 17>", "Feb 17"),
        ("a <b & c> d", "a <b & c> d"),
        ("<javascript:alert(1)|click>", "<javascript:alert(1)|click>"),
        ("down since 21:41:05 :rotating_light: :+1:", "down since 21:41:05"),
    ],
)
def test_public_forms(text: str, public: str) -> None:
    assert markup.for_public(text) == public


def test_text_that_only_looks_like_markup_is_shown_literally_and_escaped_in_slack() -> None:
    assert markup.for_slack("a <b & c> d <javascript:x|y>") == "a &lt;b &amp; c&gt; d &lt;javascript:x|y&gt;"


def test_slack_escapes_are_undone_once_when_text_is_stored() -> None:
    stored = markup.stored_form("1 &lt; 2 &amp;&amp; <@U0BOB|bob> &amp;lt; &amp;amp;")
    assert stored == "1 &lt; 2 && <@U0BOB|bob> &amp;lt; &amp;amp;"  # a typed `<` stays a character
    assert markup.for_public(stored) == "1 < 2 && @bob &lt; &amp;"


# What a person types, as Slack sends it: `&`, `<` and `>` escaped (should_escape makes only the
# mentions and links Slack recognises entities). Fragments that make entities if read as markup.
typed = st.one_of(
    st.lists(
        st.sampled_from(
            [
                "<",
                ">",
                "&",
                "amp;",
                "lt;",
                "gt;",
                "!channel",
                "!here",
                "@U0BOB",
                "#C0GEN",
                "|",
                "x",
                "\n",
                " ",
                "https://x.example",
                "!subteam^S0ONCALL",
                ":fire:",
            ]
        ),
        max_size=12,
    ).map("".join),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
)


@given(typed)
def test_what_a_person_types_in_a_slash_command_reads_back_as_typed_and_is_never_markup(text: str) -> None:
    """`/incident open &lt;!channel&gt; down` was stored as `<!channel> down`: a mention."""
    stored = markup.stored_form(markup.escape(text))
    assert [piece for piece in markup.parse(stored) if not isinstance(piece, (Plain, Emoji))] == []
    assert markup.as_read(stored) == text
    assert markup.for_slack(stored) == markup.escape(text)
    assert markup.source(markup.parse(stored)) == stored


@given(typed, typed)
def test_a_mention_slack_made_stays_one_between_typed_text(before: str, after: str) -> None:
    stored = markup.stored_form(f"{markup.escape(before)}<@U0BOB|bob>{markup.escape(after)}")
    assert [piece for piece in markup.parse(stored) if not isinstance(piece, (Plain, Emoji))] == [User("U0BOB", "bob")]
    assert markup.as_read(stored) == f"{before}@bob{after}"


def test_the_entities_slack_made_still_stand_for_what_they_did() -> None:
    stored = markup.stored_form("<!channel> &lt;!channel&gt; <https://x.example|y> &lt;https://x.example|y&gt;")
    assert markup.parse(stored) == [
        Special("channel"),
        Plain(" <!channel> "),
        Link(url="https://x.example", label="y"),
        Plain(" <https://x.example|y>"),
    ]
    assert markup.for_slack(stored) == "@channel &lt;!channel&gt; <https://x.example|y> &lt;https://x.example|y&gt;"


def test_a_link_slack_made_reads_its_escaped_address_and_label_once() -> None:
    """Slack escapes a link's address and label as it escapes typed text: `&gt;` in a label
    ended the link, and `&lt;` in it left no link at all."""
    stored = markup.stored_form("see <https://shop.example/?a=1&amp;b=2|R&amp;D &lt;beta&gt;> now")
    [link] = [piece for piece in markup.parse(stored) if isinstance(piece, Link)]
    assert (link.url, link.label) == ("https://shop.example/?a=1&b=2", "R&D <beta>")
    assert markup.for_slack(stored) == "see <https://shop.example/?a=1&amp;b=2|R&amp;D &lt;beta&gt;> now"
    assert markup.for_public(stored) == "see R&D <beta> now"


@pytest.mark.parametrize(
    "words",
    [
        "web: Payments <!channel> failing",
        "5xx rate > 5% on R&D",
        "<@U0BOB|bob> <#C0GEN|general> <https://evil.example|login> <!subteam^S0ONCALL|@oncall>",
        "&lt; is not < and &amp; is not & &amp;lt;",
    ],
)
def test_words_that_are_not_slacks_read_back_as_written_and_notify_nobody(words: str) -> None:
    """An alert's summary holds no Slack markup: its `<!channel>` is characters, shown once escaped."""
    stored = markup.from_words(words)
    assert [piece for piece in markup.parse(stored) if not isinstance(piece, (Plain, Emoji))] == []
    assert markup.for_public(stored) == markup.as_read(stored) == words
    assert markup.for_slack(stored) == markup.escape(words)
    assert markup.visible_length(stored) == len(words)
    assert markup.source(markup.parse(stored)) == stored


def test_channel_words_are_the_words_people_read() -> None:
    title = "<!subteam^S0ONCALL|@oncall> paged: <https://shop.example.com/x|checkout> down"
    assert markup.words(title) == "oncall paged checkout down"


# Properties over generated markup ------------------------------------------------------------

ids = st.from_regex(r"Q9[0-9]{1,10}", fullmatch=True)  # "Q" appears nowhere else: an id shown is an id leaked
labels = st.text(alphabet=st.characters(blacklist_characters="<>|\nQ", blacklist_categories=("Cs",)), max_size=20)
plain = st.text(alphabet=st.characters(blacklist_characters="<>Q", blacklist_categories=("Cs",)), max_size=30)
entities = st.one_of(
    st.builds(lambda i, label: f"<@U{i}|{label}>" if label else f"<@U{i}>", ids, labels),
    st.builds(lambda i, label: f"<#C{i}|{label}>" if label else f"<#C{i}>", ids, labels),
    st.builds(lambda i, label: f"<!subteam^S{i}|@{label}>", ids, labels),
    st.sampled_from(["<!here>", "<!channel>", "<!everyone>"]),
    st.builds(
        lambda path, label: f"<https://example.com/{path}|{label}>",
        st.from_regex(r"[a-z0-9/]{0,10}", fullmatch=True),
        labels,
    ),
    st.sampled_from([":fire:", ":rotating_light:", ":+1:"]),
)
texts = st.lists(st.one_of(plain, entities), max_size=8).map("".join)


@given(texts)
def test_parsing_loses_nothing(text: str) -> None:
    assert markup.source(markup.parse(text)) == text


@given(texts)
def test_public_text_never_carries_markup_or_ids(text: str) -> None:
    public = markup.for_public(text)
    assert not re.search(r"<[@#!]|<https?://|<mailto:|:fire:|:rotating_light:|:\+1:", public)
    assert "Q9" not in public


@given(texts)
def test_the_bots_slack_copy_never_notifies_anyone(text: str) -> None:
    shown = markup.for_slack(text)
    assert not re.search(r"<[@!]", shown)
    # Every angle bracket left is a link or a channel the bot wrote; the rest is escaped.
    assert re.sub(r"<#CQ9[0-9]+>|<https://[^<>|]*\|[^<>]*>", "", shown).count("<") == 0


@given(texts)
def test_channel_words_are_only_words(text: str) -> None:
    assert re.fullmatch(r"[\w ]*", markup.words(text))
