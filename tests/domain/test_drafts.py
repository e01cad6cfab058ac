"""Public drafts (docs/behaviour.md, Public drafts): what each may and may not claim, and the 280-character rule."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.drafts import (
    CONFIRMED_WARNING,
    IMPACT_LEFT_OUT,
    IMPACT_SHORTENED,
    LENGTHS,
    LONG_LIMIT,
    SHORT_LIMIT,
    SUSPECTED_WARNING,
    Draft,
    DraftRecord,
    DraftState,
    Length,
    check_edit,
    check_proposed,
    check_public_name,
    compose,
    mid_sentence,
    now_stale,
    open_marks,
    shorten_at_word,
)
from bot.domain.incident import Attack, Status, open_incident
from bot.domain.language import available_languages, public_duration
from bot.domain.markup import collapse_spaces
from bot.errors import RuleRefused, UsageError

KOLKATA = ZoneInfo("Asia/Kolkata")
PARIS = ZoneInfo("Europe/Paris")
NEXT_UPDATE = datetime(2022, 2, 17, 17, 0, tzinfo=UTC)  # 22:30 IST
NEXT_UPDATE_LINE = {
    "short": {"en": "Next update by 22:30 IST.", "fr": "Prochaine mise à jour d'ici 22\u00a0h\u00a030 (UTC+5:30)."},
    "long": {
        "en": "We'll post our next update by 22:30 IST.",
        "fr": "Nous publierons la prochaine mise à jour d'ici 22\u00a0h\u00a030 (UTC+5:30).",
    },
}
OUTAGE = timedelta(hours=1, minutes=55)
IMPACT = "users see 'Something went wrong' on the home page"
REASSURANCE = {
    "en": "We have no evidence of a security breach or attack.",
    "fr": "Nous n'avons aucune preuve d'une faille de sécurité ou d'une attaque.",
}
ANYTHING_ABOUT_SECURITY = {
    "en": ("evidence", "secur", "breach", "attack", "hack", "safe", "protected", "compromise"),
    "fr": ("preuve", "sécurité", "sécuris", "faille", "attaque", "piratage", "protégé", "compromis"),
}
REASSURING = {
    "en": ("no evidence", "not an attack", "no sign", "secure", "safe", "not affected"),
    "fr": ("aucune preuve", "pas une attaque", "aucun signe", "sécurisé", "en sécurité", "pas affecté"),
}
SECURITY_INCIDENT = {"en": "security incident", "fr": "incident de sécurité"}
ETA_WORDS = {
    "en": r"\b(expect\w*|within|soon|shortly|eta|estimated?|by (tonight|tomorrow|noon|midnight)|back by)\b",
    "fr": r"(\bprévu|\bprévoy|d'ici|\bbientôt|sous peu|\bestim|dans les prochaines|d'ici ce soir|demain)",
}
A_CLOCK_TIME = re.compile(r"\b\d{1,2}[:h.]\d{2}\b")
CASES = list(itertools.product(Status, available_languages(), LENGTHS, Attack, ("", IMPACT)))


def draft(
    status: Status,
    language: str,
    length: Length,
    attack: Attack = Attack.NO_EVIDENCE,
    *,
    impact: str = IMPACT,
    public_name: str = "Chirper",
    next_update: datetime | None = NEXT_UPDATE,
    zone: ZoneInfo = KOLKATA,
    duration: timedelta | None = OUTAGE,
) -> Draft:
    return compose(
        status=status,
        attack=attack,
        language=language,
        length=length,
        public_name=public_name,
        impact=impact,
        next_update=next_update,
        zone=zone,
        duration=duration,
    )


def case_id(case: tuple[Status, str, Length, Attack, str]) -> str:
    status, language, length, attack, impact = case
    return f"{status.value}-{language}-{length}-{attack.value}-{'impact' if impact else 'general'}"


@pytest.fixture(params=CASES, ids=[case_id(case) for case in CASES])
def case(request: pytest.FixtureRequest) -> tuple[Draft, str]:
    status, language, length, attack, impact = request.param
    return draft(status, language, length, attack, impact=impact), impact


# --- the wording table: every status x language x length x assessment x impact -------------


def test_every_draft_names_the_service_and_fits_its_length(case: tuple[Draft, str]) -> None:
    result, _ = case

    assert "Chirper" in result.text
    assert "{" not in result.text and "}" not in result.text
    assert "  " not in result.text
    if result.length == "short":
        assert len(result.text) <= SHORT_LIMIT
    else:
        assert len(result.text.split(". ")) >= 3


def test_every_draft_uses_the_impact_text_when_given_and_general_wording_otherwise(case: tuple[Draft, str]) -> None:
    result, impact = case

    if impact:
        assert impact in result.text
    else:
        assert not re.search(r"[:(]\s*[.)]|\(\)", result.text)


def test_no_evidence_drafts_say_there_is_no_evidence_of_a_breach_or_attack(case: tuple[Draft, str]) -> None:
    result, _ = case

    if result.attack is Attack.NO_EVIDENCE:
        assert REASSURANCE[result.language] in result.text
        assert result.warnings == ()


def test_suspected_drafts_say_nothing_at_all_about_security_and_warn_the_drafter(case: tuple[Draft, str]) -> None:
    result, impact = case

    if result.attack is Attack.SUSPECTED:
        template_text = result.text.replace(impact, "") if impact else result.text
        for word in ANYTHING_ABOUT_SECURITY[result.language]:
            assert word not in template_text.lower()
        assert SUSPECTED_WARNING in result.warnings


def test_drafts_nobody_assessed_or_not_relevant_say_nothing_about_security_and_warn_nobody(
    case: tuple[Draft, str],
) -> None:
    """Every incident starts not assessed: its public updates claim nothing until a person decides."""
    result, impact = case

    if result.attack in (Attack.NOT_ASSESSED, Attack.NOT_RELEVANT):
        template_text = result.text.replace(impact, "") if impact else result.text
        for word in ANYTHING_ABOUT_SECURITY[result.language]:
            assert word not in template_text.lower()
        assert result.warnings == ()


def test_confirmed_drafts_acknowledge_a_security_incident_and_never_reassure(case: tuple[Draft, str]) -> None:
    result, _ = case

    if result.attack is Attack.CONFIRMED:
        assert SECURITY_INCIDENT[result.language] in result.text.lower()
        for phrase in REASSURING[result.language]:
            assert phrase not in result.text.lower()
        assert CONFIRMED_WARNING in result.warnings


def test_no_draft_promises_a_time_of_recovery(case: tuple[Draft, str]) -> None:
    result, _ = case

    rest = result.text.replace(NEXT_UPDATE_LINE[result.length][result.language], "")

    assert not A_CLOCK_TIME.search(rest)
    assert not re.search(ETA_WORDS[result.language], rest, re.IGNORECASE)


def test_open_drafts_say_when_the_next_update_comes_and_resolved_ones_do_not(case: tuple[Draft, str]) -> None:
    result, _ = case

    said = NEXT_UPDATE_LINE[result.length][result.language] in result.text

    assert said is result.status.is_open


def test_only_resolved_drafts_say_how_long_it_lasted(case: tuple[Draft, str]) -> None:
    result, _ = case

    said = public_duration(OUTAGE, result.language) in result.text

    assert said is (result.status is Status.RESOLVED)


def test_a_draft_records_what_it_was_drafted_for() -> None:
    result = draft(Status.MONITORING, "fr", "long", Attack.SUSPECTED)

    assert (result.status, result.language, result.length, result.attack) == (
        Status.MONITORING,
        "fr",
        "long",
        Attack.SUSPECTED,
    )


# --- the rules one by one ------------------------------------------------------------------


@pytest.mark.parametrize("status", [status for status in Status if status.is_open])
@pytest.mark.parametrize("length", LENGTHS)
def test_without_a_next_update_time_there_is_no_time_at_all(status: Status, length: Length) -> None:
    for language in ("en", "fr"):
        result = draft(status, language, length, next_update=None)

        assert not A_CLOCK_TIME.search(result.text)
        assert NEXT_UPDATE_LINE[length][language] not in result.text


def test_the_next_update_is_shown_in_the_configured_zone_with_its_abbreviation() -> None:
    result = draft(
        Status.INVESTIGATING, "en", "short", zone=PARIS, next_update=datetime(2020, 10, 15, 21, 0, tzinfo=UTC)
    )

    assert result.text.endswith("Next update by 23:00 CEST.")


def test_a_resolved_draft_without_its_duration_is_refused() -> None:
    with pytest.raises(ValueError, match="duration"):
        draft(Status.RESOLVED, "en", "short", duration=None)


def test_the_duration_is_ignored_for_an_open_status() -> None:
    assert draft(Status.IDENTIFIED, "en", "long", duration=None) == draft(Status.IDENTIFIED, "en", "long")


def test_an_empty_public_name_is_refused() -> None:
    with pytest.raises(ValueError, match="public name"):
        draft(Status.INVESTIGATING, "en", "short", public_name="   ")


def test_the_paris_outage_of_2020_10_15_is_almost_two_hours_in_both_languages() -> None:
    lasted = datetime(2020, 10, 16, 0, 25, tzinfo=PARIS) - datetime(2020, 10, 15, 22, 30, tzinfo=PARIS)

    for length in LENGTHS:
        assert "for almost two hours" in draft(Status.RESOLVED, "en", length, duration=lasted, zone=PARIS).text
        assert "pendant près de deux heures" in draft(Status.RESOLVED, "fr", length, duration=lasted, zone=PARIS).text


def test_the_outage_of_2022_02_11_is_about_an_hour() -> None:
    lasted = timedelta(hours=1, minutes=4)

    assert "for about an hour" in draft(Status.RESOLVED, "en", "short", duration=lasted).text
    assert "pendant environ une heure" in draft(Status.RESOLVED, "fr", "short", duration=lasted).text


def test_the_2022_02_17_outage_first_draft_reads_like_the_real_one() -> None:
    result = draft(Status.INVESTIGATING, "en", "short", impact="")

    assert result.text == (
        "We know some of you are having trouble with Chirper, and we're working to fix it. "
        "We have no evidence of a security breach or attack. Next update by 22:30 IST."
    )


DEMO_IMPACT = 'Users in India and the United States see "Something went wrong" on the home page'


def test_the_impact_goes_mid_sentence_without_the_capital_it_had_at_its_start() -> None:
    english = draft(Status.INVESTIGATING, "en", "short", impact=DEMO_IMPACT).text
    french = draft(Status.INVESTIGATING, "fr", "long", impact=DEMO_IMPACT).text
    resolved = draft(Status.RESOLVED, "en", "short", impact=DEMO_IMPACT).text

    assert "trouble with Chirper: users in India and the United States see" in english
    assert "peuvent constater\u00a0: users in India" in french
    assert "for almost two hours (users in India" in resolved


@pytest.mark.parametrize(
    ("impact", "in_a_sentence"),
    [
        ("Users in India see errors", "users in India see errors"),
        ("Some customers cannot pay", "some customers cannot pay"),
        ("A few logins fail", "a few logins fail"),
        ("Les clients ne peuvent pas payer", "les clients ne peuvent pas payer"),
        ("Up-to-date prices are missing", "up-to-date prices are missing"),
        # names, kept as typed
        ("API requests fail", "API requests fail"),
        ("iOS users cannot log in", "iOS users cannot log in"),
        ("GitHub logins fail", "GitHub logins fail"),
        ("Chirper timelines are empty", "Chirper timelines are empty"),  # the public name
        ("United States users see errors", "United States users see errors"),
        ("Android users on Android 12 see a crash", "Android users on Android 12 see a crash"),
        ("I cannot log in", "I cannot log in"),
        ('"Something went wrong" on the home page', '"Something went wrong" on the home page'),
    ],
)
def test_only_a_capital_that_is_there_because_the_text_starts_is_lowered(impact: str, in_a_sentence: str) -> None:
    assert mid_sentence(impact, "Chirper") == in_a_sentence


def test_a_short_draft_that_cuts_the_impact_inside_a_quotation_closes_it() -> None:
    """The demo's French resolved short draft: the English impact text is cut inside its quotation."""
    result = draft(Status.RESOLVED, "fr", "short", impact=DEMO_IMPACT, duration=timedelta(hours=1, minutes=58))

    assert '(users in India and the United States see "Something went…").' in result.text
    assert result.text.count('"') % 2 == 0
    assert IMPACT_SHORTENED in result.warnings


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ('users see "Something went wrong" on the home page', 30, 'users see "Something went…"'),
        ('users see "Something went wrong" on the home page', 14, "users see…"),  # not `see "…"`
        ("on voit « Quelque chose ne va pas » partout", 30, "on voit « Quelque chose ne… »"),
        ("on voit « Quelque chose ne va pas » partout", 27, "on voit « Quelque chose… »"),
        ("users (mostly “in India”) see errors", 28, "users (mostly “in India”)…"),
        ("users (mostly “in India and Spain”) see errors", 28, "users (mostly “in India…”)"),
        ("it's users' ‘home’ page that fails", 20, "it's users' ‘home’…"),
    ],
)
def test_a_quotation_or_bracket_cut_open_is_closed_after_the_ellipsis(text: str, limit: int, expected: str) -> None:
    assert shorten_at_word(text, limit) == expected
    assert len(expected) <= limit


def test_public_french_times_follow_french_typography_with_the_zone_as_its_utc_offset() -> None:
    """ "22 h 30 (UTC+5:30)" with no-break spaces, not "22:30 IST": an English abbreviation means
    nothing to most French readers; English keeps "22:30 IST"."""
    for length in LENGTHS:
        french = draft(Status.INVESTIGATING, "fr", length).text
        assert french.endswith("d'ici 22\u00a0h\u00a030 (UTC+5:30).") and "IST" not in french
        assert draft(Status.INVESTIGATING, "en", length).text.endswith("by 22:30 IST.")
    paris = draft(Status.IDENTIFIED, "fr", "short", zone=PARIS, next_update=datetime(2020, 10, 15, 21, 5, tzinfo=UTC))
    assert paris.text.endswith("d'ici 23\u00a0h\u00a005 (UTC+2).")


def test_the_french_draft_quotes_the_reference_wording() -> None:
    result = draft(Status.INVESTIGATING, "fr", "long", impact="")

    assert "rétablir le service pour tout le monde" in result.text
    assert "aucune preuve d'une faille de sécurité ou d'une attaque" in result.text


# --- the 280-character rule ----------------------------------------------------------------


def test_a_long_impact_is_shortened_at_a_word_with_an_ellipsis_and_the_drafter_is_told() -> None:
    impact = "the home page shows 'Something went wrong', " * 12

    result = draft(Status.INVESTIGATING, "en", "short", impact=impact)

    assert len(result.text) <= SHORT_LIMIT
    assert "…" in result.text
    assert ",…" not in result.text and "….." not in result.text
    assert IMPACT_SHORTENED in result.warnings


def test_a_long_impact_is_kept_whole_in_the_long_form() -> None:
    impact = "the home page shows an error, " * 20

    result = draft(Status.INVESTIGATING, "en", "long", impact=impact)

    assert impact.strip().rstrip(",") in result.text
    assert result.warnings == ()


def test_an_impact_whose_first_word_cannot_fit_is_left_out_and_the_drafter_is_told() -> None:
    result = draft(Status.INVESTIGATING, "fr", "short", impact="x" * 400)

    assert "x" * 10 not in result.text
    assert result.text.startswith("Certains d'entre vous rencontrent des difficultés avec Chirper.")
    assert IMPACT_LEFT_OUT in result.warnings


def test_a_public_name_too_long_for_a_short_draft_is_refused() -> None:
    with pytest.raises(ValueError, match="280"):
        draft(Status.INVESTIGATING, "fr", "short", public_name="Chirper " * 30)


def test_the_start_up_check_accepts_a_reasonable_public_name() -> None:
    check_public_name("Chirper")
    check_public_name("our service", ["en", "fr"])


def test_the_start_up_check_refuses_a_public_name_no_short_draft_can_hold() -> None:
    with pytest.raises(ValueError, match="too long") as refusal:
        check_public_name("The Very Long Official Name Of Our Wonderful Social Network Platform")

    assert "fr investigating" in str(refusal.value)


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short enough", 20, "short enough"),
        ("users see an error on the home page", 20, "users see an error…"),
        ("users see an error, then a blank page", 21, "users see an error…"),
        ("users   see\tan error", 12, "users see…"),
        ("unbreakable", 5, ""),
        ("a b", 1, ""),
        # French keeps its no-break spaces, and never breaks at one
        ("voient\u00a0«\u00a0Quelque chose s'est mal passé\u00a0»", 30, "voient\u00a0«\u00a0Quelque chose…\u00a0»"),
        ("page d'accueil\u202f! Nous", 17, "page d'accueil…"),
    ],
)
def test_shortening_cuts_between_words_and_trims_trailing_punctuation(text: str, limit: int, expected: str) -> None:
    assert shorten_at_word(text, limit) == expected


def words_are_whole(shortened: str, original: str) -> bool:
    """Every word of `shortened` (without "…" and the marks closed after it) is the original's, the
    last maybe without punctuation."""
    if shortened != collapse_spaces(original):
        shortened = shortened.rpartition("…")[0]
    shown = shortened.split()
    source = original.split()
    if not shown:
        return True
    last = len(shown) - 1
    return shown[:last] == source[:last] and source[last].startswith(shown[last])


@given(text=st.text(max_size=400), limit=st.integers(min_value=0, max_value=300))
def test_shortening_never_exceeds_the_limit_nor_cuts_a_word(text: str, limit: int) -> None:
    shortened = shorten_at_word(text, limit)

    assert len(shortened) <= max(limit, 0)
    assert words_are_whole(shortened, text)
    if shortened and shortened != collapse_spaces(text):
        assert not open_marks(shortened), "every quotation and bracket the cut falls inside is closed"


WORDS = st.one_of(
    st.from_regex(r"[A-Za-zéèüß'’,.;:!?…()«»-]{1,14}", fullmatch=True),
    st.text(min_size=1, max_size=25).filter(lambda word: word.split() == [word]),
)
IMPACTS = st.one_of(
    st.text(max_size=500),
    st.lists(WORDS, min_size=5, max_size=120).map(" ".join),
    st.text(alphabet="xé漢🙂 ", min_size=100, max_size=600),
    st.text(alphabet="xé漢🙂", min_size=200, max_size=400),  # one word that never fits
)
PUBLIC_NAMES = st.text(min_size=1, max_size=40).filter(lambda name: name.strip() and "…" not in name)


@given(
    public_name=PUBLIC_NAMES,
    impact=IMPACTS,
    language=st.sampled_from(available_languages()),
    status=st.sampled_from(Status),
    attack=st.sampled_from(Attack),
)
def test_every_short_draft_fits_280_characters_and_never_cuts_a_word(
    public_name: str, impact: str, language: str, status: Status, attack: Attack
) -> None:
    result = draft(status, language, "short", attack, impact=impact, public_name=public_name)

    assert len(result.text) <= SHORT_LIMIT
    if IMPACT_SHORTENED in result.warnings:
        collapsed = collapse_spaces(impact)
        shortened = (shorten_at_word(collapsed, n) for n in range(2, SHORT_LIMIT))
        shown = [s for s in shortened if s and (s in result.text or s[0].lower() + s[1:] in result.text)]
        assert shown, "the shortened impact text must appear in the draft"
        assert all(words_are_whole(s, collapsed) for s in shown)


def _record(draft_id: int, state: DraftState, status: Status, attack: Attack) -> DraftRecord:
    at = datetime(2022, 2, 17, 21, 41, tzinfo=UTC)
    return DraftRecord(
        id=draft_id,
        incident_id=1,
        status=status,
        attack=attack,
        language="en",
        length="short",
        text="We are investigating.",
        warnings=(),
        state=state,
        state_reason="",
        created_by="U1",
        created_at=at,
        edited_by=None,
        decided_by=None,
        decided_at=None,
        message_ts=None,
        published_ts=None,
    )


def test_only_proposed_drafts_that_no_longer_fit_become_stale_each_with_why() -> None:
    at = datetime(2022, 2, 17, 21, 41, tzinfo=UTC)
    opened, _ = open_incident(
        number=7, title="Checkout fails", severity=2, actor="U1", started_at=at, now=at, zone=ZoneInfo("UTC")
    )
    incident = replace(opened, status=Status.IDENTIFIED, attack=Attack.NO_EVIDENCE)
    drafts = [
        _record(1, DraftState.PROPOSED, Status.INVESTIGATING, Attack.NO_EVIDENCE),
        _record(2, DraftState.PROPOSED, Status.IDENTIFIED, Attack.NO_EVIDENCE),
        _record(3, DraftState.PUBLISHED, Status.INVESTIGATING, Attack.NO_EVIDENCE),
        _record(4, DraftState.PROPOSED, Status.IDENTIFIED, Attack.SUSPECTED),
    ]

    stale = [(draft.id, reason) for draft, reason in now_stale(drafts, incident)]

    assert stale == [
        (1, "INC-7 is identified now; this was written for investigating."),
        (4, "the security assessment changed to no-evidence after it was written."),
    ]


@pytest.mark.parametrize(
    ("state", "refusal"),
    [
        (DraftState.PUBLISHED, "already published by Priya; it is published once"),
        (DraftState.DISCARDED, "discarded by Priya."),
        (DraftState.STALE, "stale"),
    ],
)
def test_a_decided_draft_cannot_be_decided_again(state: DraftState, refusal: str) -> None:
    decided = replace(_record(1, state, Status.INVESTIGATING, Attack.NO_EVIDENCE), decided_by="U2")

    with pytest.raises(RuleRefused, match=re.escape(refusal)):
        check_proposed(decided, {"U2": "Priya"})
    check_proposed(_record(2, DraftState.PROPOSED, Status.INVESTIGATING, Attack.NO_EVIDENCE), {})


def test_a_refusal_never_shows_the_raw_id_of_someone_the_bot_does_not_know() -> None:
    decided = replace(_record(1, DraftState.PUBLISHED, Status.INVESTIGATING, Attack.NO_EVIDENCE), decided_by="U2")
    with pytest.raises(RuleRefused, match="already published by someone;"):
        check_proposed(decided, {})


@pytest.mark.parametrize(("length", "limit"), [("short", SHORT_LIMIT), ("long", LONG_LIMIT)])
def test_an_edited_draft_must_say_something_and_fit_its_length(length: str, limit: int) -> None:
    record = replace(_record(1, DraftState.PROPOSED, Status.INVESTIGATING, Attack.NO_EVIDENCE), length=length)

    with pytest.raises(UsageError, match="empty"):
        check_edit(record, "")
    with pytest.raises(UsageError, match=f"at most {limit} characters; this one is {limit + 1}"):
        check_edit(record, "x" * (limit + 1))
    check_edit(record, "x" * limit)
