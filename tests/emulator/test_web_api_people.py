"""auth.test, users.*, views.* with the real slack_sdk client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_emulator import SlackEmulator

from .samples import MODAL


class FakeMonotonic:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def error_of(call: Callable[[], Any]) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return str(caught.value.response["error"])


def test_auth_test_names_the_bot_and_team(client: WebClient, emulator: SlackEmulator) -> None:
    answer = client.auth_test()
    assert (answer["user_id"], answer["user"], answer["team_id"], answer["bot_id"]) == (
        "U0BOT",
        "incident-bot",
        "T0EMULATOR",
        "B0BOT",
    )
    assert answer["url"] == f"{emulator.url}/"


def test_users_carry_their_guest_flags_and_time_zone(client: WebClient) -> None:
    alice = client.users_info(user="U0ALICE")["user"]
    gina = client.users_info(user="U0GINA")["user"]
    ursula = client.users_info(user="U0URSULA")["user"]
    assert (alice["name"], alice["tz"], alice["tz_offset"], alice["is_restricted"]) == (
        "alice",
        "Asia/Kolkata",
        19800,
        False,
    )
    assert (gina["is_restricted"], gina["is_ultra_restricted"]) == (True, False)
    assert (ursula["is_restricted"], ursula["is_ultra_restricted"]) == (True, True)
    assert alice["profile"]["display_name"] == "alice"


def test_an_unknown_user_is_user_not_found(client: WebClient) -> None:
    assert error_of(lambda: client.users_info(user="U0NOBODY")) == "user_not_found"


def test_tests_can_add_users_who_then_appear_in_users_list(client: WebClient, emulator: SlackEmulator) -> None:
    carol = emulator.add_user("carol", real_name="Carol Admin", tz="Europe/Paris", is_admin=True)
    members = {m["name"]: m for m in client.users_list()["members"]}
    assert set(members) == {"incident-bot", "alice", "bob", "gina", "ursula", "carol"}
    assert (members["carol"]["id"], members["carol"]["is_admin"], members["carol"]["tz"]) == (
        carol.id,
        True,
        "Europe/Paris",
    )


def test_users_list_pages_by_limit_and_cursor_until_the_cursor_is_empty(
    client: WebClient, emulator: SlackEmulator
) -> None:
    for n in range(4):
        emulator.add_user(f"person{n}")
    seen: list[str] = []
    cursors: list[str] = []
    cursor = None
    while True:
        page = client.users_list(limit=3, cursor=cursor)
        assert 1 <= len(page["members"]) <= 3
        seen += [member["id"] for member in page["members"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
        cursors.append(cursor)
    assert len(cursors) == 2 and len(set(cursors)) == 2
    assert seen == sorted(emulator.workspace.users) and len(seen) == 9  # each once, in id order
    assert [m["id"] for m in client.users_list()["members"]] == seen  # no limit: one page


def test_users_list_refuses_a_cursor_it_did_not_hand_out(client: WebClient) -> None:
    assert error_of(lambda: client.users_list(limit=2, cursor="bm90LWEtY3Vyc29y")) == "invalid_cursor"


def mint_trigger(emulator: SlackEmulator, user: str = "U0ALICE") -> str:
    return emulator.mint_trigger(user)


def test_views_open_exchanges_a_fresh_trigger_for_a_modal(client: WebClient, emulator: SlackEmulator) -> None:
    view = client.views_open(trigger_id=mint_trigger(emulator), view=MODAL)["view"]
    assert view["id"].startswith("V")
    assert (view["callback_id"], view["blocks"][0]["block_id"]) == ("incident.open", "title")
    assert [v.user for v in emulator.views("alice", open_only=True)] == ["U0ALICE"]


def test_a_trigger_expires_three_seconds_after_it_was_minted() -> None:
    monotonic = FakeMonotonic()
    with SlackEmulator(monotonic=monotonic) as emulator:
        client = WebClient(token=emulator.bot_token, base_url=emulator.api_url)
        assert emulator.workspace.trigger_ttl == 3.0
        late = mint_trigger(emulator)
        monotonic.now += 3.01
        assert error_of(lambda: client.views_open(trigger_id=late, view=MODAL)) == "expired_trigger_id"
        in_time = mint_trigger(emulator)
        monotonic.now += 2.9
        assert client.views_open(trigger_id=in_time, view=MODAL)["ok"] is True


def test_a_trigger_works_once_and_must_be_real(client: WebClient, emulator: SlackEmulator) -> None:
    trigger = mint_trigger(emulator)
    client.views_open(trigger_id=trigger, view=MODAL)
    assert error_of(lambda: client.views_open(trigger_id=trigger, view=MODAL)) == "exchanged_trigger_id"
    assert error_of(lambda: client.views_open(trigger_id="123.456.abc", view=MODAL)) == "invalid_trigger_id"


def test_a_modal_over_100_blocks_is_invalid_blocks(client: WebClient, emulator: SlackEmulator) -> None:
    block = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    error = error_of(
        lambda: client.views_open(trigger_id=mint_trigger(emulator), view={**MODAL, "blocks": [block] * 101})
    )
    assert error == "invalid_blocks"


def test_a_modal_title_over_24_characters_is_invalid_arguments(client: WebClient, emulator: SlackEmulator) -> None:
    view = {**MODAL, "title": {"type": "plain_text", "text": "t" * 25}}
    assert error_of(lambda: client.views_open(trigger_id=mint_trigger(emulator), view=view)) == "invalid_arguments"


def test_views_update_replaces_the_view_and_checks_the_hash(client: WebClient, emulator: SlackEmulator) -> None:
    opened = client.views_open(trigger_id=mint_trigger(emulator), view=MODAL)["view"]
    changed = {**MODAL, "title": {"type": "plain_text", "text": "Changed"}}
    updated = client.views_update(view_id=opened["id"], view=changed, hash=opened["hash"])["view"]
    assert (updated["id"], updated["title"]["text"]) == (opened["id"], "Changed")
    assert (
        error_of(lambda: client.views_update(view_id=opened["id"], view=changed, hash=opened["hash"]))
        == "hash_conflict"
    )
    assert error_of(lambda: client.views_update(view_id="V0NOPE", view=changed)) == "not_found"
