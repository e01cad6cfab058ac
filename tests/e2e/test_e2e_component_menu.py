"""A catalog larger than a static menu holds (Slack's 100 options) in the open modal, end to end over
HTTP against the emulator on both backends: the menu loads its options from the bot as the person
types (`block_suggestion`), matched by name or id whatever the case, and what they chose is
affected from the start; over Socket Mode too."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from e2e_stack import KOLKATA, Stack, card_of, sections_of
from test_e2e_socket_mode import SOCKET_COMMAND, START_SECONDS, SocketBot, bot_environment

from bot.render import actions
from bot.sandbox import ManualClock
from slack_emulator import ANNOUNCE, SlackEmulator


def catalog_of(count: int) -> str:
    """`count` services in three groups, then a checkout API (no group) and an internal database."""
    services = "".join(
        f'[[component]]\nid = "svc-{n:03}"\nname = {{ en = "Service {n}", fr = "Service n° {n}" }}\n'
        f'group = "Region {n % 3 + 1}"\n\n'
        for n in range(1, count + 1)
    )
    return services + (
        '[[component]]\nid = "pay-checkout"\nname = "Checkout API"\n\n'
        '[[component]]\nid = "billing-db"\nname = "Billing database"\npublic = false\n'
    )


def names(answer: dict[str, Any]) -> list[str]:
    if "option_groups" in answer:
        return [option["text"]["text"] for group in answer["option_groups"] for option in group["options"]]
    return [option["text"]["text"] for option in answer["options"]]


@pytest.fixture
def big(make_stack: Callable[..., Stack], tmp_path: Path) -> Stack:
    (tmp_path / "catalog.toml").write_text(catalog_of(150), encoding="utf-8")
    clock = ManualClock(datetime(2022, 2, 17, 21, 45, tzinfo=KOLKATA))
    settings = {"INCIDENT_CATALOG": str(tmp_path / "catalog.toml"), "INCIDENT_TIMEZONE": "Asia/Kolkata"}
    return make_stack(clock=clock, settings=settings)


def opened_modal(stack: Stack) -> tuple[str, dict[str, Any]]:
    assert stack.user("alice").slash("open").status == 200
    stack.settle()
    (view,) = stack.emulator.views(stack.emulator.user("alice").id, open_only=True)
    (block,) = [b for b in view.body["blocks"] if b.get("block_id") == actions.COMPONENTS_INPUT]
    return view.id, block["element"]


def test_more_components_than_a_menu_holds_are_searched_as_the_person_types(big: Stack) -> None:
    view_id, element = opened_modal(big)
    assert (element["type"], element["min_query_length"]) == ("multi_external_select", 0)
    assert "options" not in element and "option_groups" not in element
    alice = big.user("alice")
    opened = alice.type_in_menu(view_id, actions.COMPONENTS_INPUT)  # before anything is typed
    first = names(opened.json)
    assert len(first) == 100, "Slack's most in one answer"
    assert [group["label"]["text"] for group in opened.json["option_groups"]] == ["Region 2", "Region 3", "Region 1"]
    assert sorted(first) == sorted(f"Service {n}" for n in range(1, 101)), "the catalog's first 100"
    assert names(alice.type_in_menu(view_id, actions.COMPONENTS_INPUT, "CHECKout").json) == ["Checkout API"]
    by_id = alice.type_in_menu(view_id, actions.COMPONENTS_INPUT, "Billing-DB").json
    assert by_id == {"options": [{"text": {"type": "plain_text", "text": "Billing database (internal)", "emoji": True},
                                  "value": "billing-db"}]}  # fmt: skip
    spaced = alice.type_in_menu(view_id, actions.COMPONENTS_INPUT, "  SERVICE   14").json
    assert sorted(names(spaced)) == sorted(["Service 14", *(f"Service {n}" for n in range(140, 150))])
    assert alice.type_in_menu(view_id, actions.COMPONENTS_INPUT, "nothing like it").json == {"options": []}
    with pytest.raises(ValueError, match="never offered"):  # a person picks only what the menu showed
        alice.submit_view(view_id, {"title": "Checkout fails", "components": ["svc-150"]})

    submitted = alice.submit_view(
        view_id,
        {"title": "Checkout fails", "components": ["pay-checkout", "svc-014"], "component_state": "major_outage"},
    )
    assert submitted.status == 200 and not submitted.body
    big.settle()
    card = sections_of(card_of(big, big.channel_of(1)).blocks)
    assert any(
        section == "*Affects*\n:red_circle: Service 14: major outage since 21:45 IST\n"
        ":red_circle: Checkout API: major outage since 21:45 IST"
        for section in card
    ), card


def test_up_to_100_components_are_listed_in_the_menu_itself(make_stack: Callable[..., Stack], tmp_path: Path) -> None:
    (tmp_path / "catalog.toml").write_text(catalog_of(98), encoding="utf-8")
    stack = make_stack(settings={"INCIDENT_CATALOG": str(tmp_path / "catalog.toml")})
    view_id, element = opened_modal(stack)
    assert element["type"] == "multi_static_select" and "min_query_length" not in element
    listed = [option["value"] for group in element["option_groups"] for option in group["options"]]
    assert len(listed) == 100 and {"pay-checkout", "billing-db"} <= set(listed)
    with pytest.raises(ValueError, match="no menu of external options"):
        stack.user("alice").type_in_menu(view_id, actions.COMPONENTS_INPUT, "x")


def test_over_socket_mode_the_menu_s_typeahead_is_answered_in_the_envelope_s_ack(
    tmp_path: Path, database_url: str
) -> None:
    """`incident-bot socket` in its own process: Slack sends block_suggestion as an envelope that
    accepts a response payload, and the options come back in the ack."""
    (tmp_path / "catalog.toml").write_text(catalog_of(150), encoding="utf-8")
    emulator = SlackEmulator()
    emulator.add_bot_to(ANNOUNCE)
    emulator.connect_socket_mode()
    environment = {**bot_environment(emulator, database_url), "INCIDENT_CATALOG": str(tmp_path / "catalog.toml")}
    log = tmp_path / "incident-bot-socket.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            SOCKET_COMMAND, env=environment, cwd=tmp_path, stdout=output, stderr=subprocess.STDOUT
        )
    bot = SocketBot(emulator, process, log)
    try:
        bot.wait_for("the Socket Mode connection", lambda: emulator.socket_mode.wait_connected(0.1), START_SECONDS)
        alice = emulator.as_user("alice")
        assert alice.slash("open").acked_in_time
        view = bot.wait_for("the open modal", lambda: next(iter(emulator.views("alice", open_only=True)), None))
        typed = alice.type_in_menu(view.id, actions.COMPONENTS_INPUT, "checkout")
        assert typed.acked_in_time and names(typed.json) == ["Checkout API"]
        assert emulator.internal_errors == []
    finally:
        process.kill()
        process.wait(timeout=10)
        emulator.close()
