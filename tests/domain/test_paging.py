"""Who a page reaches and what its entries record (bot.domain.paging): pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.paging import (
    Candidate,
    Page,
    PageRequest,
    PageState,
    RequestState,
    Skipped,
    Target,
    TargetKind,
    Via,
    acknowledged_entry,
    all_declined,
    choose,
    entry_people,
    escalated_entry,
    escalation_group,
    paged_entry,
    read_news,
)

NOW = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)
HOME = Target(TargetKind.COMPONENT, "home", "Home page")


def test_guests_apps_deactivated_unknown_and_the_pager_are_never_paged_and_each_is_named_once() -> None:
    reached = [
        Candidate("U0ALICE"),
        Candidate("U0GINA", is_guest=True),
        Candidate("U0BOT", is_bot=True),
        Candidate("U0GONE", deleted=True),
        Candidate("U0NEW", known=False),
        Candidate("U0BOB"),
        Candidate("U0CAROL"),
        Candidate("U0BOB"),
    ]
    choice = choose(reached, pager="U0ALICE", open_since={"U0CAROL": NOW})
    assert choice.paged == ("U0BOB",)
    assert choice.skipped == (
        ("U0ALICE", Skipped.PAGER),
        ("U0GINA", Skipped.GUEST),
        ("U0BOT", Skipped.APP),
        ("U0GONE", Skipped.DEACTIVATED),
        ("U0NEW", Skipped.UNKNOWN),
    )
    assert choice.waiting == (("U0CAROL", NOW),)
    assert choose([Candidate("U0BOB")], pager="U0ALICE", open_since={}, seen={"U0BOB"}).paged == ()


def request(state: RequestState = RequestState.OPEN, target: Target = HOME) -> PageRequest:
    return PageRequest(id=1, incident_id=1, target=target, paged_by="U0ALICE", created_at=NOW, state=state)


def test_only_a_components_first_round_escalates_to_its_escalation_group() -> None:
    assert escalation_group(request(), "sre-leads") == "sre-leads"
    assert escalation_group(request(RequestState.ESCALATED), "sre-leads") is None
    assert escalation_group(request(target=Target(TargetKind.PERSON, "U0BOB")), "sre-leads") is None
    assert escalation_group(request(), None) is None


def page(state: PageState, via: Via = Via.ONCALL, *, later: bool = False) -> Page:
    created = NOW + timedelta(minutes=5) if later else NOW
    return Page(id=1, request=request(), user_id="U0BOB", via=via, state=state, created_at=created)


def test_everyone_of_the_latest_round_saying_no_is_as_good_as_silence() -> None:
    assert all_declined([page(PageState.DECLINED), page(PageState.DECLINED)])
    assert not all_declined([page(PageState.DECLINED), page(PageState.SENT)])
    assert not all_declined([])
    # after an escalation only its own round counts
    escalated = [page(PageState.DECLINED), page(PageState.SENT, Via.ESCALATION, later=True)]
    assert not all_declined(escalated)
    assert all_declined([page(PageState.SENT), page(PageState.DECLINED, Via.ESCALATION, later=True)])
    # paged again with its escalation group: one round, everyone of it counts (tester F2)
    assert not all_declined([page(PageState.SENT), page(PageState.DECLINED, Via.ESCALATION)])
    assert all_declined([page(PageState.DECLINED), page(PageState.DECLINED, Via.ESCALATION)])
    assert all_declined([page(PageState.REPLACED), page(PageState.DECLINED)])


def test_entries_read_back_what_they_recorded() -> None:
    paged = paged_entry(HOME, Via.ONCALL, "@oncall-web", ["U0BOB", "U0CAROL"], actor="U0ALICE", now=NOW)
    news = read_news(paged)
    assert (news.target, news.via, news.group, news.people) == (HOME, Via.ONCALL, "@oncall-web", ("U0BOB", "U0CAROL"))
    escalated = escalated_entry(HOME, "@sre-leads", ["U0DAVE"], timedelta(minutes=5), actor="U0ALICE", now=NOW)
    assert read_news(escalated).waited == timedelta(minutes=5)
    assert entry_people(escalated) == {"U0DAVE"}
    person = Target(TargetKind.PERSON, "U0BOB")
    assert entry_people(acknowledged_entry(person, timedelta(seconds=90), actor="U0BOB", now=NOW)) == {"U0BOB"}
    assert read_news(acknowledged_entry(person, timedelta(seconds=90), actor="U0BOB", now=NOW)).waited == timedelta(
        seconds=90
    )
