"""Packing timeline lines into messages within Slack's limits (bot.render.text.whole_lines)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.render.text import MESSAGE_BLOCK_LIMIT, SECTION_LIMIT, whole_lines


def test_short_lines_share_one_section_in_order() -> None:
    assert whole_lines([(1, "a"), (2, "b"), (3, "c")]) == [([1, 2, 3], ["a\nb\nc"])]


def test_lines_that_fill_50_sections_continue_in_a_second_message_never_cut_between_them() -> None:
    lines = [(n, f"{n:04d} " + "x" * 1495) for n in range(60)]  # two lines fill a section
    packed = whole_lines(lines)
    assert [ids for ids, _ in packed] == [list(range(50)), list(range(50, 60))]
    assert [len(texts) for _, texts in packed] == [MESSAGE_BLOCK_LIMIT, 10]


@given(st.lists(st.text(alphabet="ab \n", min_size=1, max_size=4000), min_size=1, max_size=80))
def test_every_line_is_in_exactly_one_message_in_order_within_the_limits(texts: list[str]) -> None:
    packed = whole_lines(list(enumerate(texts)))
    assert [i for ids, _ in packed for i in ids] == list(range(len(texts)))
    for ids, sections in packed:
        assert 1 <= len(sections) <= MESSAGE_BLOCK_LIMIT or len(ids) == 1
        assert all(len(section) <= SECTION_LIMIT for section in sections)
    joined = [" ".join(" ".join(sections).split()) for _, sections in packed]
    expected = [" ".join(" ".join(texts[i] for i in ids).split()) for ids, _ in packed]
    assert joined == expected, "the words of each message are its lines' words, in order"
