"""Catalog components end to end over HTTP against the emulator, on both backends (docs/behaviour.md,
Components): the 2022-02-17 story's home page, affected from the start, on the card and the
timeline, back to operational at the resolution."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from e2e_stack import KOLKATA, Stack, bot_lines, card_of, sections_of
from status_site import fetch

from bot.sandbox import ManualClock

CATALOG = """
[[component]]
id = "home"
name = { en = "Home page", fr = "Page d'accueil" }
group = "Web"

[[component]]
id = "api"
name = "Public API"
"""


def test_the_card_and_the_timeline_follow_what_the_incident_affects(
    make_stack: Callable[..., Stack], tmp_path: Path
) -> None:
    (tmp_path / "catalog.toml").write_text(CATALOG, encoding="utf-8")
    clock = ManualClock(datetime(2022, 2, 17, 21, 50, tzinfo=KOLKATA))
    stack = make_stack(
        clock=clock, settings={"INCIDENT_CATALOG": str(tmp_path / "catalog.toml"), "INCIDENT_TIMEZONE": "Asia/Kolkata"}
    )
    stack.user("alice").slash("open sev1 Something went wrong on the home page --at 21:41")
    stack.settle()
    channel = stack.channel_of(1)
    answer = stack.user("alice").slash("affects home page major --at 21:41", channel=channel)
    assert answer.json["text"].startswith("INC-1: Home page: *major outage* since 21:41 IST.")
    clock.set(datetime(2022, 2, 17, 22, 5, tzinfo=KOLKATA))
    stack.user("bob").slash("affects api partial", channel=channel)
    stack.settle()
    card = sections_of(card_of(stack, channel).blocks)
    assert any(
        section == "*Affects*\n:red_circle: Home page: major outage since 21:41 IST\n"
        ":large_orange_circle: Public API: partial outage since 22:05 IST"
        for section in card
    ), card
    clock.set(datetime(2022, 2, 17, 23, 45, tzinfo=KOLKATA))
    stack.user("alice").slash("close --at 23:39", channel=channel)
    stack.settle()
    # lines queued together go as one message (a run of lines is not split by card updates)
    lines = [line for message in bot_lines(stack, channel) for line in message.split("\n")]
    assert any(line.endswith(":red_circle: set *Home page* to major outage _(recorded 21:50 IST)_") for line in lines)
    assert any(":large_orange_circle: set *Public API* to partial outage" in line for line in lines)
    returned = [line for line in lines if "to operational (was major outage)" in line]
    assert len(returned) == 1 and returned[0].startswith("`23:39 IST`")
    assert "*Public API* to operational (was partial outage)" in returned[0]
    card = sections_of(card_of(stack, channel).blocks)
    assert "*Affected*\n:large_green_circle: Home page, Public API: operational since 23:39 IST" in card


def test_the_open_modal_offers_the_catalog_and_what_is_chosen_is_affected_from_the_start(
    make_stack: Callable[..., Stack], tmp_path: Path
) -> None:
    (tmp_path / "catalog.toml").write_text(CATALOG, encoding="utf-8")
    clock = ManualClock(datetime(2022, 2, 17, 21, 41, tzinfo=KOLKATA))
    stack = make_stack(
        clock=clock, settings={"INCIDENT_CATALOG": str(tmp_path / "catalog.toml"), "INCIDENT_TIMEZONE": "Asia/Kolkata"}
    )
    stack.user("alice").slash("open")
    stack.settle()
    (view,) = stack.emulator.views(stack.emulator.user("alice").id, open_only=True)
    offered = next(block for block in view.body["blocks"] if block["block_id"] == "components")
    assert [o["text"]["text"] for g in offered["element"]["option_groups"] for o in g["options"]] == [
        "Home page",
        "Public API",
    ]
    answer = stack.user("alice").submit_view(
        view.id, {"title": "Home page broken", "components": ["home", "api"], "component_state": "major_outage"}
    )
    assert answer.status == 200 and not answer.body, answer.body
    stack.settle()
    card = sections_of(card_of(stack, stack.channel_of(1)).blocks)
    assert any(
        section == "*Affects*\n:red_circle: Home page: major outage since 21:41 IST\n"
        ":red_circle: Public API: major outage since 21:41 IST"
        for section in card
    ), card


def test_a_component_s_created_at_is_when_it_first_appeared_in_the_catalog_across_restarts_and_edits(
    make_stack: Callable[..., Stack], tmp_path: Path
) -> None:
    """Started at 10:00 with home and api; at 11:00 restarted with api gone and search added; at
    12:00 with api back: home says 10:00 throughout, search 11:00, api its first 10:00."""
    catalog = tmp_path / "catalog.toml"
    settings = {"INCIDENT_CATALOG": str(catalog), "INCIDENT_TIMEZONE": "Asia/Kolkata"}
    clock = ManualClock(datetime(2022, 2, 17, 10, 0, tzinfo=KOLKATA))
    search = '\n[[component]]\nid = "search"\nname = "Search"\ngroup = "Web"\n'

    def created_at(catalog_text: str) -> dict[str, str]:
        catalog.write_text(catalog_text, encoding="utf-8")
        stack = make_stack(clock=clock, settings=settings)
        clock.advance(minutes=5)  # served a while after the start
        components = json.loads(fetch(stack.url, "/api/v2/components.json").body)["components"]
        stack.server.shutdown()
        stack.runtime.stop()  # the process ends; the next start reads the same database
        return {each["name"]: each["created_at"] for each in components}

    assert created_at(CATALOG) == {
        "Web": "2022-02-17T04:30:00.000Z", "Home page": "2022-02-17T04:30:00.000Z",
        "Public API": "2022-02-17T04:30:00.000Z",
    }  # fmt: skip
    clock.set(datetime(2022, 2, 17, 11, 0, tzinfo=KOLKATA))
    assert created_at(CATALOG.split("[[component]]\nid = \"api\"")[0] + search) == {
        "Web": "2022-02-17T04:30:00.000Z", "Home page": "2022-02-17T04:30:00.000Z",
        "Search": "2022-02-17T05:30:00.000Z",
    }  # fmt: skip
    clock.set(datetime(2022, 2, 17, 12, 0, tzinfo=KOLKATA))
    again = created_at(CATALOG + search)
    assert (again["Public API"], again["Search"]) == ("2022-02-17T04:30:00.000Z", "2022-02-17T05:30:00.000Z")


def test_a_component_removed_from_the_catalog_can_still_be_set_back_to_operational(
    make_stack: Callable[..., Stack], tmp_path: Path
) -> None:
    """INC-1 affects the API; the catalog loses it at a restart: the API stays on the card until
    someone sets it back, which works by its id (and only back to operational)."""
    catalog = tmp_path / "catalog.toml"
    catalog.write_text(CATALOG, encoding="utf-8")
    settings = {"INCIDENT_CATALOG": str(catalog), "INCIDENT_TIMEZONE": "Asia/Kolkata"}
    clock = ManualClock(datetime(2022, 2, 17, 21, 50, tzinfo=KOLKATA))
    first = make_stack(clock=clock, settings=settings)
    first.user("alice").slash("open sev1 The API times out")
    first.settle()
    channel = first.channel_of(1)
    first.user("alice").slash("affects api partial", channel=channel)
    first.settle()
    first.server.shutdown()
    first.runtime.stop()
    catalog.write_text(CATALOG.split('[[component]]\nid = "api"')[0], encoding="utf-8")
    stack = make_stack(clock=clock, settings=settings, emulator=first.emulator)
    refused = stack.user("alice").slash("affects api major", channel=channel)
    assert refused.json["text"].startswith(":warning: There is no component “api”.")
    answer = stack.user("alice").slash("affects api operational", channel=channel)
    assert answer.json["text"].startswith("INC-1: api: *operational*"), answer.json["text"]
    stack.settle()
    assert not any(section.startswith("*Affects*") for section in sections_of(card_of(stack, channel).blocks))
