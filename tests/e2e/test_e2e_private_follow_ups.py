"""A follow-up of a private incident, owned by someone the incident does not involve
(docs/behaviour.md, Private incidents): their App Home lists it with the incident's name only,
never its title, and `followup done` works for them; anyone else outside the incident is refused
with a reply and nothing stored. On both backends."""

from __future__ import annotations

from typing import Any

import pytest
from e2e_stack import Stack
from test_e2e_home import opened_home

TITLE = "SECRET layoffs data exposed"


def replies(stack: Stack) -> list[str]:
    return [str(post.body.get("text", "")) for post in stack.emulator.response_url_posts()]


@pytest.fixture
def follow_up(stack: Stack) -> Stack:
    """Private INC-1 opened and closed by bob, with follow-up #1 owned by carol (not part of it)."""
    stack.emulator.add_user("carol", real_name="Carol Jones")
    stack.emulator.add_user("dave", real_name="Dave Kim")
    stack.user("bob").slash(f"open --private sev1 {TITLE}")
    stack.settle()
    assert stack.user("bob").slash("followup INC-1 Rotate keys @carol").json["text"].startswith("Follow-up #1")
    stack.user("bob").slash("close INC-1 contained")
    stack.settle()
    return stack


def test_its_owner_sees_it_on_their_home_without_the_title_and_finishes_it(follow_up: Stack) -> None:
    stack = follow_up
    home = opened_home(stack, "carol")
    assert "• #1 Rotate keys · *INC-1* :lock: · " in home
    assert TITLE not in home and "SECRET" not in str(stack.emulator.home("carol").body)
    assert stack.user("carol").slash("followup done 1").json["text"] == "Follow-up #1 is done."
    stack.settle()
    assert "Rotate keys" not in opened_home(stack, "carol")
    assert "finished follow-up #1: Rotate keys" in str(stack.user("bob").slash("timeline INC-1").json)


def test_someone_else_outside_the_incident_cannot_finish_it_and_nothing_is_stored(
    follow_up: Stack, unchanged: Any
) -> None:
    stack = follow_up
    with unchanged(stack.runtime.db):
        answer = stack.user("dave").slash("followup done 1").json["text"]
        stack.settle()
    assert answer == (
        ":warning: Follow-up #1 belongs to INC-1, which is private: only its owner, the incident's opener and "
        "role holders, or anyone in the incident's own channel can finish it."
    )
    assert "Rotate keys" not in opened_home(stack, "dave")
    assert stack.user("bob").slash("followup done 1").json["text"] == "Follow-up #1 is done."  # its opener may
