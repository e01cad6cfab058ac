"""The registry of kinds of Slack work: each module of bot/outbox/kinds is one kind, found without
being listed anywhere, with a stored value of its own and a test of its own."""

from __future__ import annotations

import importlib
import pkgutil
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from bot.outbox import kinds
from bot.outbox.registry import KINDS, KindError, apart_lanes, discover

TESTS = Path(__file__).parent / "kinds"
MODULES = sorted(info.name for info in pkgutil.iter_modules(kinds.__path__))

HEADER = """
from dataclasses import dataclass
from typing import ClassVar

from bot.outbox.effect import Effect, Sending
from bot.outbox.results import Nothing
"""


def kind_source(name: str, kind: str, *, decorator: str = "@dataclass(frozen=True)") -> str:
    return f"""
{decorator}
class {name}(Effect):
    kind: ClassVar[str] = {kind!r}

    def send(self, slack: Sending) -> Nothing:
        return Nothing()
"""


def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, modules: dict[str, str]) -> ModuleType:
    """A package like bot.outbox.kinds holding `modules` (name: source below the imports)."""
    name = f"scratch_kinds_{tmp_path.name}"
    folder = tmp_path / name
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    for module, source in modules.items():
        (folder / f"{module}.py").write_text(HEADER + textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(tmp_path))
    return importlib.import_module(name)


def test_every_module_of_the_kinds_package_registers_exactly_one_kind_with_a_value_of_its_own() -> None:
    assert sorted(effect.__module__.rsplit(".", 1)[1] for effect in KINDS.values()) == MODULES
    assert all(effect.kind == kind for kind, effect in KINDS.items())


@pytest.mark.parametrize("module", MODULES)
def test_every_kind_has_its_own_test_of_the_rows_it_stores(module: str) -> None:
    test = TESTS / f"test_{module}.py"
    assert test.exists(), f"bot/outbox/kinds/{module}.py has no tests/outbox/kinds/{test.name}"
    assert "assert_stored_as" in test.read_text(), f"{test.name} does not pin the rows its kind stores"


def test_a_new_module_is_found_without_being_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = discover(package(tmp_path, monkeypatch, {"nudge": kind_source("Nudge", "reminder.nudge")}))
    assert [(kind, effect.__name__) for kind, effect in found.items()] == [("reminder.nudge", "Nudge")]


@pytest.mark.parametrize(
    ("modules", "refusal"),
    [
        ({"two": kind_source("One", "a.one") + kind_source("Two", "a.two")}, "defines 2 effects, not one"),
        ({"none": "HELPER = 1\n"}, "defines 0 effects, not one"),
        ({"a": kind_source("First", "same"), "b": kind_source("Second", "same")}, "both store 'same'"),
        ({"plain": kind_source("Plain", "a.plain", decorator="")}, "must be a frozen dataclass"),
    ],
    ids=["two effects", "no effect", "one value twice", "not a dataclass"],
)
def test_a_kinds_module_that_would_store_rows_ambiguously_stops_the_bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, modules: dict[str, str], refusal: str
) -> None:
    with pytest.raises(KindError, match=refusal):
        discover(package(tmp_path, monkeypatch, modules))


def in_lane(name: str, kind: str, lane: str | None, *, apart: bool) -> str:
    """A kind's module source that goes in `lane`, apart or not."""
    return kind_source(name, kind).replace(
        f"kind: ClassVar[str] = {kind!r}\n",
        f"kind: ClassVar[str] = {kind!r}\n    lane: ClassVar[str | None] = {lane!r}\n"
        f"    lane_apart: ClassVar[bool] = {apart}\n",
    )


@pytest.mark.parametrize(
    ("modules", "refusal"),
    [
        ({"a": in_lane("Loose", "a.loose", None, apart=True)}, "Loose goes in a lane apart, but names no lane"),
        (
            {"a": in_lane("Away", "a.away", "pager", apart=True), "b": in_lane("Near", "b.near", "pager", apart=False)},
            "Near goes in the lane 'pager', apart for other kinds, not apart",
        ),
    ],
    ids=["apart in no lane", "a lane of two minds"],
)
def test_a_lane_apart_that_is_not_one_stops_the_bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, modules: dict[str, str], refusal: str
) -> None:
    with pytest.raises(KindError, match=refusal):
        apart_lanes(discover(package(tmp_path, monkeypatch, modules)))
