"""views.publish and app_home_opened: the App Home as Slack takes it, with the real slack_sdk client
(checked against Slack's spec and slack_sdk's Block Kit models)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_emulator import SlackEmulator

from .signed_app import SignedApp

HOME = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*INC-7* down"}}]}


def error_of(call: Callable[[], Any]) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value


def test_a_published_home_replaces_the_persons_previous_one(client: WebClient, emulator: SlackEmulator) -> None:
    first = client.views_publish(user_id="U0BOB", view=HOME)["view"]
    assert first["type"] == "home" and emulator.home("bob") is not None
    again = {**HOME, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "all clear"}}]}
    second = client.views_publish(user_id="U0BOB", view=again, hash=first["hash"])["view"]
    assert second["id"] == first["id"] and second["hash"] != first["hash"]
    published = emulator.home("bob")
    assert published is not None and published.body["blocks"][0]["text"]["text"] == "all clear"
    assert emulator.home("alice") is None


def test_a_stale_hash_is_a_conflict(client: WebClient) -> None:
    client.views_publish(user_id="U0BOB", view=HOME)
    assert error_of(lambda: client.views_publish(user_id="U0BOB", view=HOME, hash="1.stale")).response["error"] == (
        "hash_conflict"
    )


@pytest.mark.parametrize(
    ("view", "error"),
    [
        ({**HOME, "type": "modal", "title": {"type": "plain_text", "text": "x"}}, "invalid_arguments"),
        (
            {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}] * 101},
            "invalid_blocks",
        ),
        ({"type": "home", "blocks": [{"type": "section"}]}, "invalid_blocks"),
        (
            {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]},
            "invalid_blocks",
        ),
    ],
    ids=["a modal", "101 blocks", "a section without text", "a section over 3,000 characters"],
)
def test_a_view_slack_would_refuse_is_refused(client: WebClient, view: dict[str, Any], error: str) -> None:
    assert error_of(lambda: client.views_publish(user_id="U0BOB", view=view)).response["error"] == error


def test_someone_not_in_the_workspace_has_no_home(client: WebClient) -> None:
    assert error_of(lambda: client.views_publish(user_id="U0NOBODY", view=HOME)).response["error"] == "user_not_found"


def test_the_user_id_and_view_are_required_as_slacks_spec_says(client: WebClient) -> None:
    refused = error_of(lambda: client.api_call("views.publish", json={"view": HOME}))
    assert refused.response["error"] == "invalid_arguments"


def test_opening_the_home_sends_app_home_opened_with_the_view_published_last(
    emulator: SlackEmulator, client: WebClient, signed_app: SignedApp
) -> None:
    bob = emulator.as_user("bob")
    assert bob.open_home().status == 200
    client.views_publish(user_id="U0BOB", view=HOME)
    bob.open_home()
    bob.open_home(tab="messages")
    events = [request.payload["event"] for request in signed_app.received]
    assert [(event["type"], event["tab"], event["user"]) for event in events] == [
        ("app_home_opened", "home", "U0BOB"),
        ("app_home_opened", "home", "U0BOB"),
        ("app_home_opened", "messages", "U0BOB"),
    ]
    assert "view" not in events[0] and events[1]["view"]["type"] == "home" and "view" not in events[2]


def test_users_info_tells_the_locale_only_when_asked(client: WebClient, emulator: SlackEmulator) -> None:
    emulator.add_user("claire", locale="fr-FR", tz="Europe/Paris")
    claire = emulator.user("claire").id
    assert "locale" not in client.users_info(user=claire)["user"]
    assert client.users_info(user=claire, include_locale=True)["user"]["locale"] == "fr-FR"
    listed = client.users_list(include_locale=True)["members"]
    assert {member["locale"] for member in listed} == {"en-US", "fr-FR"}
