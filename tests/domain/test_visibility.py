"""Private incidents' pure rules (docs/behaviour.md, Private incidents)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.incident import EntryKind, open_incident
from bot.domain.visibility import make_private, make_public, refuse_publishing, visible_to
from bot.errors import RuleRefused

NOW = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)
PRIVATE, _ = open_incident(
    number=7,
    title="Keys leaked",
    severity=1,
    actor="U0ALICE",
    started_at=NOW,
    now=NOW,
    zone=ZoneInfo("UTC"),
    private=True,
)


def test_a_private_incident_shows_to_its_opener_role_holders_and_in_its_channel_only() -> None:
    incident = replace(PRIVATE, comms="U0BOB", channel_id="C0INC7")
    assert visible_to(incident, user_id="U0ALICE", channel_id=None)
    assert visible_to(incident, user_id="U0BOB", channel_id="C0GENERAL")
    assert visible_to(incident, user_id="U0CAROL", channel_id="C0INC7")
    assert not visible_to(incident, user_id="U0CAROL", channel_id="C0GENERAL")
    assert not visible_to(replace(incident, channel_id=None), user_id="U0CAROL", channel_id=None)
    assert visible_to(replace(incident, private=False), user_id="U0CAROL", channel_id=None)


def test_making_public_and_private_again_records_each_and_refuses_a_repeat() -> None:
    public, entry = make_public(PRIVATE, actor="U0BOB", now=NOW)
    assert (public.private, public.public_since, entry.kind, entry.text) == (False, NOW, EntryKind.VISIBILITY, "public")
    with pytest.raises(RuleRefused, match="INC-7 is already public"):
        make_public(public, actor="U0BOB", now=NOW)
    private, entry = make_private(public, actor="U0BOB", now=NOW)
    assert (private.private, entry.text) == (True, "private")
    with pytest.raises(RuleRefused, match=r"INC-7 is already private\."):
        make_private(private, actor="U0BOB", now=NOW)


def test_publishing_is_refused_while_private_and_says_how_to_change_that() -> None:
    with pytest.raises(RuleRefused, match=r"make it public first with `/incident public INC-7`"):
        refuse_publishing(PRIVATE)
    refuse_publishing(replace(PRIVATE, private=False))
