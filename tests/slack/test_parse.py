import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import markup
from bot.domain.catalog import ComponentState
from bot.domain.incident import Attack, Status
from bot.domain.roles import Role
from bot.errors import UsageError
from bot.slack.commands import (
    Affect,
    Close,
    Command,
    Help,
    Impact,
    IncidentChange,
    ListIncidents,
    Note,
    Open,
    PublicTitle,
    Reopen,
    SetAttack,
    SetLead,
    SetRole,
    SetSeverity,
    SetStatus,
    SetVisibility,
    ShowTimeline,
    WriteDrafts,
)
from bot.slack.parse import parse
from bot.slack.usage import HELP_TEXT, USAGE


@pytest.mark.parametrize(
    ("text", "command"),
    [
        # open
        ("open Home page shows an error", Open(severity=2, title="Home page shows an error", at=None)),
        ("open sev1 Home page down", Open(severity=1, title="Home page down", at=None)),
        ("OPEN SEV4 typo in footer", Open(severity=4, title="typo in footer", at=None)),
        ("open", Open(severity=2, title="", at=None)),
        ("open sev3", Open(severity=3, title="", at=None)),
        (
            "open sev1 Something went wrong --at 2022-02-17 21:41 Asia/Kolkata",
            Open(severity=1, title="Something went wrong", at="2022-02-17 21:41 Asia/Kolkata"),
        ),
        ("open  Login   fails\n for some ", Open(severity=2, title="Login fails for some", at=None)),
        ("open 500 errors on checkout", Open(severity=2, title="500 errors on checkout", at=None)),
        ("open --private sev1 Keys leaked", Open(severity=1, title="Keys leaked", at=None, private=True)),
        ("open SEV1 --PRIVATE Keys leaked", Open(severity=1, title="Keys leaked", at=None, private=True)),
        ("open \u2014private Keys leaked", Open(severity=2, title="Keys leaked", at=None, private=True)),
        ("open --private", Open(severity=2, title="", at=None, private=True)),
        ("open Keys --private leaked", Open(severity=2, title="Keys --private leaked", at=None)),
        ("open sev1 sev2 down", Open(severity=1, title="sev2 down", at=None)),
        # no title before --at: the words after the time are the title (none: the modal opens with the time)
        ("open --at 13h ago Old", Open(severity=2, title="Old", at="13h ago")),
        ("open sev1 --at 10m ago", Open(severity=1, title="", at="10m ago")),
        (
            "open --private --at 21:41 Asia/Kolkata Pay &amp; cart  down",
            Open(severity=2, title="Pay & cart down", at="21:41 Asia/Kolkata", private=True),
        ),
        ("open --at 2022-02-17 21:41 Europe down", Open(severity=2, title="Europe down", at="2022-02-17 21:41")),
        ("open --at yesterday Old", Open(severity=2, title="", at="yesterday Old")),  # refused when read
        ("open Old --at 13h ago extra", Open(severity=2, title="Old", at="13h ago extra")),  # refused when read
        # affects
        ("affects home major", Affect(incident=None, component="home", state=ComponentState.MAJOR, at=None)),
        (
            "AFFECTS inc-4  Home   page  Partial --at 21:41",
            Affect(incident=4, component="Home page", state=ComponentState.PARTIAL, at="21:41"),
        ),
        ("affects api degraded_performance", Affect(None, "api", ComponentState.DEGRADED, None)),
        ("affects Q&amp;A operational", Affect(None, "Q&A", ComponentState.OPERATIONAL, None)),
        # no state at the end: only the catalog knows which words name the component (the service says)
        ("affects home broken", Affect(None, "home broken", None, None)),
        ("affects Home page --at 5m ago", Affect(None, "Home page", None, "5m ago")),
        # private / public
        ("private", SetVisibility(incident=None, private=True)),
        ("Public INC-3", SetVisibility(incident=3, private=False)),
        # status
        ("status monitoring", SetStatus(incident=None, status=Status.MONITORING, message="", at=None)),
        (
            "Status INC-7 Identified bad deploy of the API",
            SetStatus(incident=7, status=Status.IDENTIFIED, message="bad deploy of the API", at=None),
        ),
        (
            "status inc-7 MONITORING fix deployed --at 10m ago",
            SetStatus(incident=7, status=Status.MONITORING, message="fix deployed", at="10m ago"),
        ),
        (
            "status investigating the fix did not hold",
            SetStatus(incident=None, status=Status.INVESTIGATING, message="the fix did not hold", at=None),
        ),
        # resolved is close
        ("status resolved", Close(incident=None, summary="", at=None)),
        (
            "status INC-7 Resolved all good --at 23:40",
            Close(incident=7, summary="all good", at="23:40"),
        ),
        # close
        ("close", Close(incident=None, summary="", at=None)),
        ("close INC-12 rolled back", Close(incident=12, summary="rolled back", at=None)),
        (
            "CLOSE inc-12 --at 2022-02-17T23:35+05:30",
            Close(incident=12, summary="", at="2022-02-17T23:35+05:30"),
        ),
        # note
        ("note restarted the pods", Note(incident=None, text="restarted the pods", at=None)),
        ("note INC-3 db failover --at 21:50", Note(incident=3, text="db failover", at="21:50")),
        # impact
        (
            "impact users see Something went wrong",
            Impact(incident=None, text="users see Something went wrong"),
        ),
        ("Impact INC-3 they cannot log in", Impact(incident=3, text="they cannot log in")),
        # sev
        ("sev 1", SetSeverity(incident=None, severity=1)),
        ("sev INC-4 3", SetSeverity(incident=4, severity=3)),
        ("SEV inc-4 Sev2", SetSeverity(incident=4, severity=2)),
        # lead
        ("lead <@U123ABC>", SetLead(incident=None, user_id="U123ABC")),
        ("lead INC-2 <@U123ABC|alice>", SetLead(incident=2, user_id="U123ABC")),
        ("lead <@W0ENTERPRISE>", SetLead(incident=None, user_id="W0ENTERPRISE")),
        # role
        ("role comms <@U123ABC>", SetRole(incident=None, role=Role.COMMS, user_id="U123ABC")),
        ("ROLE inc-2 Scribe <@U123ABC|alice>", SetRole(incident=2, role=Role.SCRIBE, user_id="U123ABC")),
        ("role lead <@U123ABC>", SetRole(incident=None, role=Role.LEAD, user_id="U123ABC")),
        ("role comms none", SetRole(incident=None, role=Role.COMMS, user_id=None)),
        ("role INC-3 scribe None", SetRole(incident=3, role=Role.SCRIBE, user_id=None)),
        ("role lead none", SetRole(incident=None, role=Role.LEAD, user_id=None)),
        # attack
        ("attack no-evidence", SetAttack(incident=None, attack=Attack.NO_EVIDENCE)),
        ("attack no_evidence", SetAttack(incident=None, attack=Attack.NO_EVIDENCE)),
        ("attack No Evidence", SetAttack(incident=None, attack=Attack.NO_EVIDENCE)),
        ("attack INC-5 Suspected", SetAttack(incident=5, attack=Attack.SUSPECTED)),
        ("attack inc-5 CONFIRMED", SetAttack(incident=5, attack=Attack.CONFIRMED)),
        ("attack not-relevant", SetAttack(incident=None, attack=Attack.NOT_RELEVANT)),
        ("attack INC-5 Not Relevant", SetAttack(incident=5, attack=Attack.NOT_RELEVANT)),
        # draft
        ("draft", WriteDrafts(incident=None, language=None, length=None)),
        ("draft FR", WriteDrafts(incident=None, language="fr", length=None)),
        ("draft INC-9 fr Long", WriteDrafts(incident=9, language="fr", length="long")),
        ("draft short en", WriteDrafts(incident=None, language="en", length="short")),
        # timeline, reopen, list, help
        ("timeline", ShowTimeline(incident=None)),
        ("Timeline INC-9", ShowTimeline(incident=9)),
        ("reopen", Reopen(incident=None, reason="")),
        ("reopen INC-9 errors are back", Reopen(incident=9, reason="errors are back")),
        ("list", ListIncidents(all=False)),
        ("LIST ALL", ListIncidents(all=True)),
        ("help", Help()),
        ("HELP status", Help()),
        ("", Help()),
        ("   ", Help()),
    ],
)
def test_a_well_formed_command_reads_as_its_typed_command(text: str, command: Command) -> None:
    assert parse(text) == command


@pytest.mark.parametrize("dash", ["\u2014", "\u2013"])
def test_an_autocorrected_dash_before_at_reads_as_double_dash(dash: str) -> None:
    assert parse(f"note rollback started {dash}at 21:50") == Note(incident=None, text="rollback started", at="21:50")


def test_at_takes_everything_after_it_with_whitespace_collapsed() -> None:
    command = parse("open sev1 Down --at   2022-02-17   21:41\tAsia/Kolkata  ")
    assert command == Open(severity=1, title="Down", at="2022-02-17 21:41 Asia/Kolkata")


def test_only_the_last_at_is_the_option() -> None:
    command = parse("note we tried the --at flag of the CLI --at 21:50")
    assert command == Note(incident=None, text="we tried the --at flag of the CLI", at="21:50")


def test_a_word_that_merely_contains_at_is_text() -> None:
    assert parse("note restarted--at once") == Note(incident=None, text="restarted--at once", at=None)


def test_slack_escapes_in_free_text_are_undone() -> None:
    command = parse("open Checkout &lt;Pay&gt; fails for R&amp;D &amp;lt;sic&amp;gt;")
    assert command == Open(severity=2, title="Checkout &lt;Pay> fails for R&D &amp;lt;sic&gt;", at=None)
    assert isinstance(command, Open)  # the typed `&lt;` is read as typed, not as a `<`
    assert markup.for_public(command.title) == "Checkout <Pay> fails for R&D &lt;sic&gt;"


def test_a_note_keeps_its_lines_and_drops_runs_of_blank_lines() -> None:
    command = parse("note INC-3 first we saw 500s  \n\n\n\nthen   the pods restarted\n")
    assert command == Note(incident=3, text="first we saw 500s\n\nthen   the pods restarted", at=None)


def test_a_status_message_keeps_its_lines() -> None:
    command = parse("status monitoring fix deployed\nwatching the error rate")
    assert command == SetStatus(
        incident=None, status=Status.MONITORING, message="fix deployed\nwatching the error rate", at=None
    )


def test_public_title_is_one_line_unescaped_and_may_name_the_incident() -> None:
    command = parse("Public-Title INC-4 Home page\n&lt;errors&gt;")
    assert command == PublicTitle(incident=4, text="Home page &lt;errors>")
    assert isinstance(command, PublicTitle) and markup.for_public(command.text) == "Home page <errors>"
    assert parse("public-title Login problems") == PublicTitle(incident=None, text="Login problems")


def test_impact_text_is_one_line_unescaped() -> None:
    command = parse("impact they see\n&lt;Something went wrong&gt;")
    assert command == Impact(incident=None, text="they see &lt;Something went wrong>")
    assert isinstance(command, Impact) and markup.for_public(command.text) == "they see <Something went wrong>"


@pytest.mark.parametrize(
    ("text", "message", "usage"),
    [
        (
            "open sev5 Down",
            "'sev5' is not a severity: severities go from sev1 (the most severe) to sev4.",
            "open",
        ),
        ("open sev0 Down", "'sev0' is not a severity", "open"),
        ("status", "Which status? Use investigating, identified, monitoring or resolved.", "status"),
        ("status INC-7", "Which status? Use investigating, identified, monitoring or resolved.", "status"),
        ("status fixed it works", "'fixed' is not a status. Use investigating, identified", "status"),
        ("note", "What should the note say?", "note"),
        ("note INC-3   ", "What should the note say?", "note"),
        ("note INC-3 --at 21:50", "What should the note say?", "note"),
        ("impact INC-3", "What do customers experience?", "impact"),
        ("sev", "Which severity? Use 1, 2, 3 or 4 (1 is the most severe).", "sev"),
        ("sev 5", "'5' is not a severity", "sev"),
        ("sev high", "'high' is not a severity. Use 1, 2, 3 or 4", "sev"),
        ("sev 2 now", "Unexpected 'now' after the severity: give just 1, 2, 3 or 4.", "sev"),
        ("lead", "Who should lead? Mention the person", "lead"),
        ("lead alice", "Mention the person: type @ and pick them", "lead"),
        ("lead @alice", "Mention the person: type @ and pick them", "lead"),
        ("lead <@U1AAA> <@U2BBB>", "Mention exactly one person", "lead"),
        ("role", "Which role? Use lead, comms or scribe.", "role"),
        ("role INC-3", "Which role? Use lead, comms or scribe.", "role"),
        ("role boss <@U1AAA>", "'boss' is not a role. Use lead, comms or scribe.", "role"),
        ("role comms", "Who should take the comms role? Mention the person", "role"),
        ("role scribe @alice", "Who should take the scribe role? Mention the person", "role"),
        ("role comms <@U1AAA> <@U2BBB>", "Mention exactly one person", "role"),
        ("role comms none please", "Who should take the comms role?", "role"),
        ("attack", "Which assessment? Use no-evidence, suspected, confirmed or not-relevant.", "attack"),
        ("attack maybe", "'maybe' is not an assessment. Use no-evidence, suspected, confirmed or", "attack"),
        ("attack not-assessed", "an assessment is never taken back", "attack"),
        ("attack none", "say no-evidence (drafts say there is no evidence of an attack) or not-relevant", "attack"),
        ("attack none", "'none' is not an assessment", "attack"),
        ("draft french", "'french' is neither a language code (en, fr, ...) nor a length", "draft"),
        ("draft en fr", "Give one language per draft", "draft"),
        ("draft short long", "Give one length: short or long.", "draft"),
        (
            "timeline everything",
            "Unexpected 'everything': `timeline` takes only an incident name.",
            "timeline",
        ),
        ("list open", "Unexpected 'open': `list` takes only `all`.", "list"),
        ("note INC-3 db failover --at", "Give a time after --at", "note"),
        ("status monitoring \u2014at   ", "Give a time after --at", "status"),
        ("impact slow pages --at 21:41", "`/incident impact` does not take --at", "impact"),
        ("public-title", "What should the public read?", "public-title"),
        ("public-title INC-3   ", "What should the public read?", "public-title"),
        ("public-title Errors --at 21:41", "`/incident public-title` does not take --at", "public-title"),
        ("sev 1 --at 21:41", "`/incident sev` does not take --at", "sev"),
        ("lead <@U123ABC> --at 21:41", "`/incident lead` does not take --at", "lead"),
        ("role comms none --at 21:41", "`/incident role` does not take --at", "role"),
        ("attack confirmed --at 21:41", "`/incident attack` does not take --at", "attack"),
        ("draft --at 21:41", "`/incident draft` does not take --at", "draft"),
        ("reopen INC-3 --at 21:41", "`/incident reopen` does not take --at", "reopen"),
        ("list --at 21:41", "`/incident list` does not take --at", "list"),
        ("affects", "Which component, and how badly?", "affects"),
        ("affects INC-3", "Which component, and how badly?", "affects"),
        ("affects partial", "Which component is partial? Name it first", "affects"),
        ("affects home major --at", "Give a time after --at", "affects"),
    ],
)
def test_a_malformed_command_says_what_is_wrong_and_shows_its_usage(text: str, message: str, usage: str) -> None:
    with pytest.raises(UsageError) as refused:
        parse(text)
    assert message in refused.value.message
    assert refused.value.usage == USAGE[usage]


def test_an_unknown_subcommand_is_named_and_answered_with_the_whole_help() -> None:
    with pytest.raises(UsageError) as refused:
        parse("escalate INC-3")
    assert "Unknown subcommand 'escalate'." in refused.value.message
    assert refused.value.usage == HELP_TEXT


def test_a_misspelt_subcommand_gets_a_suggestion() -> None:
    with pytest.raises(UsageError) as refused:
        parse("stauts monitoring")
    assert "Did you mean `status`?" in refused.value.message


def test_the_help_text_lists_every_usage_line_and_explains_at() -> None:
    assert all(line in HELP_TEXT for line in USAGE.values())
    assert "`--at TIME`" in HELP_TEXT
    assert "2022-02-17T21:41+05:30" in HELP_TEXT


def test_the_status_usage_line_names_every_status() -> None:
    assert USAGE["status"] == (
        "`/incident status [INC-n] <investigating|identified|monitoring|resolved> [message] [--at TIME]`"
    )


@given(st.lists(st.sampled_from([*"abcINsevt-—–@<>|&;:U1234 \n", "--at", "sev", "INC-"])).map("".join))
def test_any_text_reads_as_a_command_or_a_usage_error(text: str) -> None:
    try:
        command = parse(text)
    except UsageError as refused:
        assert refused.message
        assert refused.usage
        return
    assert isinstance(command, Open | IncidentChange | WriteDrafts | ShowTimeline | ListIncidents | Help)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("stauts", "status"), ("stat", "stats"), ("folowup", "followup"), ("relatd", "related"), ("retor", "retro")],
)
def test_a_typo_suggests_the_subcommand_one_edit_away_a_swap_counting_as_one(typed: str, meant: str) -> None:
    with pytest.raises(UsageError) as refused:
        parse(f"{typed} INC-1")
    assert f"Did you mean `{meant}`?" in refused.value.message


def test_a_word_far_from_every_subcommand_gets_no_suggestion() -> None:
    with pytest.raises(UsageError) as refused:
        parse("xyzzy")
    assert "Did you mean" not in refused.value.message
