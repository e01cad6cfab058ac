"""Incident roles as pure rules (docs/behaviour.md, The slash command: Roles)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.incident import EntryKind, Incident, open_incident
from bot.domain.roles import Role, change_role, check_person, entry_people, holder, people, read_entry
from bot.errors import RuleRefused

START = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)
LATER = START + timedelta(minutes=5)


def opened_by_alice() -> Incident:
    incident, _ = open_incident(
        number=7, title="Down", severity=2, actor="U0ALICE", started_at=START, now=START, zone=ZoneInfo("UTC")
    )
    return incident


def test_a_new_incident_has_the_opener_as_lead_and_no_comms_or_scribe() -> None:
    incident = opened_by_alice()
    assert [holder(incident, role) for role in Role] == ["U0ALICE", None, None]
    assert people(incident) == {"U0ALICE"}


@pytest.mark.parametrize("role", [Role.COMMS, Role.SCRIBE])
def test_comms_and_scribe_are_given_then_cleared_each_with_its_own_entry(role: Role) -> None:
    given_to, entry = change_role(opened_by_alice(), role=role, person="U0BOB", actor="U0ALICE", now=LATER)
    assert holder(given_to, role) == "U0BOB" and given_to.lead == "U0ALICE"
    assert (entry.kind, entry.text, entry.at) == (EntryKind.ROLE, f"{role} U0BOB", LATER)
    assert (read_entry(entry), entry_people(entry)) == ((role, "U0BOB"), {"U0BOB"})
    cleared, entry = change_role(given_to, role=role, person=None, actor="U0ALICE", now=LATER)
    assert holder(cleared, role) is None
    assert (read_entry(entry), entry_people(entry)) == ((role, None), set())


def test_role_lead_is_the_lead_change_and_the_lead_cannot_be_cleared() -> None:
    changed, entry = change_role(opened_by_alice(), role=Role.LEAD, person="U0BOB", actor="U0ALICE", now=LATER)
    assert (changed.lead, entry.kind, read_entry(entry)) == ("U0BOB", EntryKind.LEAD, (Role.LEAD, "U0BOB"))
    with pytest.raises(RuleRefused, match="INC-7 always has a lead"):
        change_role(changed, role=Role.LEAD, person=None, actor="U0ALICE", now=LATER)


def test_the_same_holder_again_and_clearing_an_unset_role_are_refused() -> None:
    incident, _ = change_role(opened_by_alice(), role=Role.COMMS, person="U0BOB", actor="U0ALICE", now=LATER)
    with pytest.raises(RuleRefused, match="already the comms lead of INC-7"):
        change_role(incident, role=Role.COMMS, person="U0BOB", actor="U0ALICE", now=LATER)
    with pytest.raises(RuleRefused, match="INC-7 has no scribe: there is nothing to clear"):
        change_role(incident, role=Role.SCRIBE, person=None, actor="U0ALICE", now=LATER)


@pytest.mark.parametrize(
    ("flags", "refusal"),
    [
        ({"is_bot": True, "is_guest": False, "deleted": False}, "An app or bot cannot be the scribe"),
        ({"is_bot": False, "is_guest": True, "deleted": False}, "A workspace guest cannot be the scribe"),
        ({"is_bot": False, "is_guest": False, "deleted": True}, "deactivated, so it cannot be the scribe"),
    ],
)
def test_only_an_active_member_can_hold_a_role(flags: dict[str, bool], refusal: str) -> None:
    with pytest.raises(RuleRefused, match=refusal):
        check_person(Role.SCRIBE, **flags)
    check_person(Role.SCRIBE, is_bot=False, is_guest=False, deleted=False)


@given(st.sampled_from([Role.COMMS, Role.SCRIBE]), st.from_regex(r"[UW][A-Z0-9]{2,20}", fullmatch=True))
def test_a_role_entry_reads_back_as_the_role_and_person_it_recorded(role: Role, person: str) -> None:
    _, entry = change_role(opened_by_alice(), role=role, person=person, actor="U0ALICE", now=LATER)
    assert read_entry(entry) == (role, person) and entry_people(entry) == {person}
