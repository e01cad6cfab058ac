"""Public wording as data: loading, checking, and the public duration in every language."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.durations import Qualifier, Unit, round_public
from bot.domain.language import (
    UnknownLanguage,
    available_languages,
    check_languages,
    load_language,
    public_day_and_time,
    public_duration,
    public_time,
)

LANGUAGES = available_languages()
THIRTY_DAYS = timedelta(days=30)


def packaged(code: str) -> str:
    return resources.files("bot.domain").joinpath("wording", f"{code}.toml").read_text(encoding="utf-8")


def write(directory: Path, code: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{code}.toml").write_text(text, encoding="utf-8")
    return directory


def without_line(text: str, starts_with: str, *, after: str) -> str:
    """`text` without the first line starting with `starts_with` that follows `after`."""
    head, marker, tail = text.partition(after)
    lines = tail.splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith(starts_with))
    return head + marker + "".join(lines[:index] + lines[index + 1 :])


# --- the public duration -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "english", "french"),
    [
        (timedelta(0), "for less than a minute", "pendant moins d'une minute"),
        (timedelta(seconds=59), "for less than a minute", "pendant moins d'une minute"),
        (timedelta(minutes=1), "for a minute", "pendant une minute"),
        (timedelta(minutes=7), "for seven minutes", "pendant sept minutes"),
        (timedelta(minutes=12), "for about 10 minutes", "pendant environ 10 minutes"),
        (timedelta(minutes=25), "for about 25 minutes", "pendant environ 25 minutes"),
        (timedelta(minutes=44), "for about 45 minutes", "pendant environ 45 minutes"),
        (timedelta(minutes=50), "for almost an hour", "pendant près d'une heure"),
        (timedelta(minutes=75), "for just over an hour", "pendant un peu plus d'une heure"),
        (timedelta(minutes=90), "for about an hour and a half", "pendant environ une heure et demie"),
        (timedelta(minutes=115), "for almost two hours", "pendant près de deux heures"),
        (timedelta(minutes=118), "for almost two hours", "pendant près de deux heures"),
        (timedelta(hours=2, minutes=5), "for about two hours", "pendant environ deux heures"),
        (timedelta(hours=2, minutes=30), "for about two and a half hours", "pendant environ deux heures et demie"),
        (timedelta(hours=5, minutes=15), "for just over five hours", "pendant un peu plus de cinq heures"),
        (timedelta(hours=11), "for about 11 hours", "pendant environ 11 heures"),
        (timedelta(hours=23, minutes=50), "for almost a day", "pendant près d'une journée"),
        (timedelta(days=1, hours=1), "for about a day", "pendant environ une journée"),
        (timedelta(days=1, hours=12), "for about a day and a half", "pendant environ une journée et demie"),
        (timedelta(days=2, hours=20), "for almost three days", "pendant près de trois jours"),
        (timedelta(days=3, hours=12), "for about three and a half days", "pendant environ trois jours et demi"),
        (timedelta(days=12), "for about 12 days", "pendant environ 12 jours"),
    ],
)
def test_the_public_duration_reads_naturally_in_english_and_french(
    length: timedelta, english: str, french: str
) -> None:
    assert public_duration(length, "en") == english
    assert public_duration(length, "fr") == french


@pytest.mark.parametrize("past_the_hour", range(10))
def test_one_hour_to_one_hour_nine_is_about_an_hour(past_the_hour: int) -> None:
    length = timedelta(hours=1, minutes=past_the_hour, seconds=59)

    assert public_duration(length, "en") == "for about an hour"
    assert public_duration(length, "fr") == "pendant environ une heure"


def test_the_public_duration_accepts_a_loaded_language() -> None:
    assert public_duration(timedelta(minutes=58), load_language("fr")) == "pendant près d'une heure"


@given(length=st.timedeltas(min_value=timedelta(0), max_value=THIRTY_DAYS), code=st.sampled_from(LANGUAGES))
def test_every_duration_up_to_thirty_days_has_a_complete_phrase(length: timedelta, code: str) -> None:
    phrase = public_duration(length, code)

    assert phrase.strip() == phrase
    assert len(phrase.split()) >= 2
    assert "{" not in phrase
    assert "}" not in phrase


@given(length=st.timedeltas(min_value=timedelta(0), max_value=THIRTY_DAYS))
def test_the_amount_said_is_close_to_the_real_length_and_the_qualifier_is_true(length: timedelta) -> None:
    rounded = round_public(length)
    said = rounded.amount

    if rounded.qualifier is Qualifier.LESS_THAN:
        assert length < said
    elif rounded.qualifier is Qualifier.EXACTLY:
        assert abs(length - said) <= timedelta(seconds=30)
    elif rounded.qualifier is Qualifier.ABOUT:
        assert abs(length - said) <= said * 0.25
    elif rounded.qualifier is Qualifier.JUST_OVER:
        assert said < length < said + rounded.unit.length / 3
    else:
        assert said * 0.75 <= length < said


@given(
    shorter=st.timedeltas(min_value=timedelta(0), max_value=THIRTY_DAYS),
    extra=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=2)),
)
def test_a_longer_outage_is_never_said_to_be_shorter(shorter: timedelta, extra: timedelta) -> None:
    assert round_public(shorter).amount <= round_public(shorter + extra).amount


def test_the_last_hour_before_a_day_is_almost_a_day() -> None:
    rounded = round_public(timedelta(hours=23, minutes=59))

    assert (rounded.qualifier, rounded.unit, rounded.count) == (Qualifier.ALMOST, Unit.DAY, 1)


# --- loading -------------------------------------------------------------------------------


def test_english_and_french_are_available() -> None:
    assert {"en", "fr"} <= set(LANGUAGES)


def test_a_language_is_loaded_once_and_cached() -> None:
    assert load_language("fr") is load_language("fr")


def test_a_language_code_is_read_without_regard_to_case() -> None:
    assert load_language(" FR ").code == "fr"


def test_a_language_knows_its_own_name() -> None:
    assert load_language("fr").name == "Français"


def test_a_sentence_names_another_language_in_its_own_words() -> None:
    assert load_language("fr").name_of("en") == "anglais"  # "Publié en anglais.", not "en English"
    assert load_language("en").name_of("fr") == "French"


def test_a_language_a_file_does_not_name_is_called_by_its_own_name(tmp_path: Path) -> None:
    english = packaged("en").replace('names = [["en", "English"], ["fr", "French"]]', 'names = [["en", "English"]]')
    folder = write(tmp_path, "en", english)

    assert load_language("en", folder).name_of("fr") == "Français"


def test_an_unknown_language_is_refused_with_the_list_of_available_ones() -> None:
    with pytest.raises(UnknownLanguage, match=r"'de'.*available: en, fr"):
        load_language("de")


def test_something_that_is_not_a_language_code_is_refused_before_any_file_is_read() -> None:
    with pytest.raises(UnknownLanguage, match="not a language code"):
        load_language("../en")


def test_contractions_apply_only_at_the_start_of_a_word() -> None:
    french = load_language("fr")

    assert french.contract("moins de une minute") == "moins d'une minute"
    assert french.contract("le monde une fois") == "le monde une fois"


def test_a_new_language_is_only_a_new_file(tmp_path: Path) -> None:
    spanish = (
        packaged("en")
        .replace('name = "English"', 'name = "Español"')
        .replace('phrase = "for {span}"', 'phrase = "durante {span}"')
        .replace('almost = "almost {amount}"', 'almost = "casi {amount}"')
        .replace('"zero", "one", "two"', '"cero", "uno", "dos"')
        .replace('many = "{count} hours"', 'many = "{count} horas"')
    )
    folder = write(tmp_path, "es", spanish)

    check_languages(["es"], folder)

    assert available_languages(folder) == ["es"]
    assert public_duration(timedelta(minutes=115), load_language("es", folder)) == "durante casi dos horas"


# --- public times ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "english", "french"),
    [
        ("Asia/Kolkata", "2022-02-17 22:20 IST", "2022-02-17 à 22\u00a0h\u00a020 (UTC+5:30)"),
        ("Europe/Paris", "2022-02-17 17:50 CET", "2022-02-17 à 17\u00a0h\u00a050 (UTC+1)"),
        ("America/St_Johns", "2022-02-17 13:20 NST", "2022-02-17 à 13\u00a0h\u00a020 (UTC-3:30)"),
        ("UTC", "2022-02-17 16:50 UTC", "2022-02-17 à 16\u00a0h\u00a050 (UTC)"),
    ],
)
def test_a_public_time_is_written_as_its_language_writes_it(zone: str, english: str, french: str) -> None:
    moment = datetime(2022, 2, 17, 16, 50, tzinfo=UTC)
    assert public_day_and_time(moment, ZoneInfo(zone), load_language("en")) == english
    assert public_day_and_time(moment, ZoneInfo(zone), load_language("fr")) == french
    assert public_time(moment, ZoneInfo(zone), load_language("fr")) == french.split(" à ")[1]


def test_a_language_that_shows_the_zone_in_an_unknown_way_is_refused(tmp_path: Path) -> None:
    folder = write(tmp_path, "fr", packaged("fr").replace('zone = "offset"', 'zone = "heure de Paris"'))

    with pytest.raises(ValueError, match=r"time\.zone must be one of abbreviation, offset"):
        check_languages(["fr"], folder)


# --- refusing incomplete languages ---------------------------------------------------------


def test_a_language_missing_a_phrase_is_refused_naming_the_language_and_the_key(tmp_path: Path) -> None:
    broken = without_line(packaged("fr"), "almost =", after="[duration.qualifier]")
    folder = write(tmp_path, "fr", broken)

    with pytest.raises(ValueError, match="'fr'") as refusal:
        check_languages(["fr"], folder)

    assert "duration.qualifier.almost" in str(refusal.value)


def test_every_missing_key_of_every_language_is_named(tmp_path: Path) -> None:
    french = without_line(packaged("fr"), "long =", after="[draft_lines.next_update]")
    french = without_line(french, "with_impact =", after="[draft.resolved.short]")
    folder = write(tmp_path, "fr", french)
    write(folder, "xx", without_line(packaged("en"), "one =", after="[duration.day]"))

    with pytest.raises(ValueError) as refusal:
        check_languages(["fr", "xx"], folder)

    message = str(refusal.value)
    assert "'fr'" in message
    assert "'xx'" in message
    for key in ("draft_lines.next_update.long", "draft.resolved.short.with_impact", "duration.day.one"):
        assert key in message


def test_a_language_whose_template_loses_a_placeholder_is_refused(tmp_path: Path) -> None:
    broken = packaged("fr").replace("d'ici {next_update}.", "d'ici peu.", 1)
    folder = write(tmp_path, "fr", broken)

    with pytest.raises(ValueError, match=re.escape("draft_lines.next_update.short has placeholders none")):
        check_languages(["fr"], folder)


def test_a_language_with_a_key_english_does_not_have_is_refused(tmp_path: Path) -> None:
    folder = write(tmp_path, "fr", packaged("fr") + '\n[extra]\nphrase = "bonjour"\n')

    with pytest.raises(ValueError, match=r"unexpected key\(s\): extra\.phrase"):
        check_languages(["fr"], folder)


def test_a_language_whose_duration_tables_have_the_wrong_shape_is_refused(tmp_path: Path) -> None:
    flat = packaged("fr").replace(
        """contractions = [["de une ", "d'une "], ["de un ", "d'un "]]""", """contractions = ["de une ", "d'une "]"""
    )
    folder = write(tmp_path, "fr", flat)

    with pytest.raises(ValueError, match=r"'fr'.*duration tables.*pairs"):
        check_languages(["fr"], folder)


def test_a_language_whose_word_list_is_a_text_is_refused(tmp_path: Path) -> None:
    text = re.sub(r"number_words = \[.*\]", 'number_words = "un deux trois"', packaged("fr"))
    folder = write(tmp_path, "fr", text)

    with pytest.raises(ValueError, match=r"duration\.number_words must be a list of words"):
        check_languages(["fr"], folder)


def test_a_language_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    folder = write(tmp_path, "fr", "this is = = not toml")

    with pytest.raises(ValueError, match="not valid TOML"):
        check_languages(["fr"], folder)


def test_checking_a_language_without_a_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'hi'"):
        check_languages(["en", "hi"], write(tmp_path, "en", packaged("en")))


def test_the_packaged_languages_are_complete() -> None:
    check_languages(LANGUAGES)
