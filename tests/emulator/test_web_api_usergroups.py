"""User groups in the emulator: `usergroups.list` and `usergroups.users.list` as Slack's method pages
describe them (checked against the spec like every method), `conversations.open` for a direct
message, the `@handle` a person types, and an admin's changes sent to the app as `subteam_*` events."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_emulator import SlackEmulator
from slack_emulator.spec import load_spec
from slack_emulator.typed import typed_text

from .signed_app import SignedApp

# objs_subteam's required fields in Slack's OpenAPI spec (/work/shared/slack/web-api-openapi-v2.json)
SUBTEAM_FIELDS = {
    "id",
    "team_id",
    "is_usergroup",
    "is_subteam",
    "name",
    "description",
    "handle",
    "is_external",
    "date_create",
    "date_update",
    "date_delete",
    "auto_type",
    "auto_provision",
    "enterprise_subteam_id",
    "created_by",
    "updated_by",
    "deleted_by",
    "prefs",
}


def test_usergroups_list_gives_each_enabled_group_in_slacks_shape_members_only_when_asked(
    emulator: SlackEmulator, client: WebClient
) -> None:
    web = emulator.add_usergroup("oncall-web", members=["bob", "alice"], name="Web on call")
    old = emulator.add_usergroup("old-team", members=["bob"])
    emulator.workspace.usergroups[old].deleted = 1700000000
    plain = client.usergroups_list()["usergroups"]
    assert [group["handle"] for group in plain] == ["oncall-web"]
    (group,) = plain
    assert SUBTEAM_FIELDS <= set(group) and "users" not in group and "user_count" not in group
    assert (group["id"], group["name"], group["date_delete"], group["is_usergroup"]) == (web, "Web on call", 0, True)
    detailed = client.usergroups_list(include_users=True, include_count=True, include_disabled=True)["usergroups"]
    assert [(g["handle"], g["users"], g["user_count"]) for g in detailed] == [
        ("oncall-web", ["U0BOB", "U0ALICE"], 2),
        ("old-team", ["U0BOB"], 1),
    ]
    assert detailed[1]["date_delete"] == 1700000000


def test_usergroups_users_list_gives_the_member_ids_and_no_such_subteam_for_others(
    emulator: SlackEmulator, client: WebClient
) -> None:
    group = emulator.add_usergroup("oncall-web", members=["bob", "gina"])
    assert client.usergroups_users_list(usergroup=group)["users"] == ["U0BOB", "U0GINA"]
    emulator.workspace.usergroups[group].deleted = 1700000000
    for unknown in ("S0NOPE", group):  # no such group; a disabled one without include_disabled
        with pytest.raises(SlackApiError) as refused:
            client.usergroups_users_list(usergroup=unknown)
        assert refused.value.response["error"] == "no_such_subteam"
    assert client.usergroups_users_list(usergroup=group, include_disabled=True)["users"] == ["U0BOB", "U0GINA"]


def test_the_user_group_methods_and_errors_are_the_specs() -> None:
    spec = load_spec()
    assert spec.methods["usergroups.users.list"].required == ["usergroup"]
    assert spec.methods["usergroups.list"].required == []
    assert spec.methods["usergroups.users.list"].allows_error("no_such_subteam")
    assert not spec.methods["usergroups.list"].allows_error("no_such_subteam")


def test_usergroups_users_list_without_the_group_is_invalid_arguments(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.api_call("usergroups.users.list", params={})
    assert refused.value.response["error"] == "invalid_arguments"


def test_conversations_open_gives_the_direct_message_the_bot_posts_in(
    emulator: SlackEmulator, client: WebClient
) -> None:
    opened = client.conversations_open(users="U0BOB")["channel"]["id"]
    posted = client.chat_postMessage(channel="U0BOB", text="You are paged")
    assert posted["channel"] == opened
    assert client.conversations_open(users="U0BOB", return_im=True)["channel"]["is_im"] is True
    history = client.conversations_history(channel=opened)["messages"]
    assert [message["text"] for message in history] == ["You are paged"]
    emulator.workspace.users["U0ALICE"].deleted = True
    for users, error in (("U0NOBODY", "user_not_found"), ("U0ALICE", "user_disabled")):
        with pytest.raises(SlackApiError) as refused:
            client.conversations_open(users=users)
        assert refused.value.response["error"] == error


def test_a_typed_handle_becomes_the_groups_mention_as_slack_escapes_it(emulator: SlackEmulator) -> None:
    group = emulator.add_usergroup("oncall-web", members=["bob"])
    typed = typed_text(emulator.workspace, "page @oncall-web @bob @oncall-wb")
    assert typed == f"page <!subteam^{group}|@oncall-web> <@U0BOB|bob> @oncall-wb"


def test_an_admins_changes_to_a_group_reach_the_app_as_subteam_events(
    emulator: SlackEmulator, signed_app: SignedApp, client: WebClient
) -> None:
    emulator.admin.create_usergroup("oncall-web", members=["bob"])
    emulator.admin.set_usergroup_members("oncall-web", ["alice", "gina"])
    emulator.admin.disable_usergroup("oncall-web")
    events = [request.payload["event"] for request in signed_app.received]
    assert all(request.signature_valid for request in signed_app.received)
    assert [event["type"] for event in events] == [
        "subteam_created",
        "subteam_updated",
        "subteam_members_changed",
        "subteam_updated",
    ]
    created, updated, changed, disabled = events
    assert (created["subteam"]["handle"], created["subteam"]["users"]) == ("oncall-web", ["U0BOB"])
    assert SUBTEAM_FIELDS <= set(updated["subteam"]) and updated["subteam"]["users"] == ["U0ALICE", "U0GINA"]
    assert (changed["subteam_id"], changed["added_users"], changed["removed_users"]) == (
        created["subteam"]["id"],
        ["U0ALICE", "U0GINA"],
        ["U0BOB"],
    )
    assert (changed["added_users_count"], changed["removed_users_count"]) == ("2", "1")
    assert disabled["subteam"]["date_delete"] > 0
    assert client.usergroups_list()["usergroups"] == []
