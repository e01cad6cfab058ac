"""The Slack app manifest declares what the code needs: command, shortcut, events, scopes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from bot.demo import FIRST_START, STORY, STORY_START
from bot.render import actions
from bot.sandbox import ManualClock, Sandbox
from slack_emulator import GENERAL, SlackEmulator

MANIFEST = json.loads((Path(__file__).parent.parent / "manifest.json").read_text())
SOCKET_MANIFEST = json.loads((Path(__file__).parent.parent / "manifest.socket.json").read_text())

# The bot scope each Web API method needs (Slack's method documentation); None: no scope.
SCOPE_OF_METHOD = {
    "auth.test": None,
    "chat.getPermalink": None,
    "chat.postEphemeral": "chat:write",
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "conversations.archive": "channels:manage",
    "conversations.create": "channels:manage",
    "conversations.history": "channels:history",
    "conversations.replies": "channels:history",
    "conversations.info": "channels:read",
    "conversations.invite": "channels:manage",
    "conversations.join": "channels:join",
    "conversations.list": "channels:read",
    "conversations.open": "im:write",
    "conversations.members": "channels:read",
    "conversations.setTopic": "channels:manage",
    "conversations.rename": "channels:manage",
    "files.completeUploadExternal": "files:write",
    "files.getUploadURLExternal": "files:write",
    "pins.add": "pins:write",
    "reactions.add": "reactions:write",
    "usergroups.list": "usergroups:read",
    "usergroups.users.list": "usergroups:read",
    "users.info": "users:read",
    "users.list": "users:read",
    "views.open": None,
    "views.publish": None,
}


def scopes() -> set[str]:
    return set(MANIFEST["oauth_config"]["scopes"]["bot"])


def test_the_slash_command_escapes_mentions_so_lead_can_read_them() -> None:
    (command,) = MANIFEST["features"]["slash_commands"]
    assert command["command"] == "/incident"
    assert command["should_escape"] is True
    assert command["url"].endswith("/slack/events")


def test_every_request_url_is_the_one_endpoint_the_app_serves() -> None:
    settings = MANIFEST["settings"]
    assert settings["event_subscriptions"]["request_url"].endswith("/slack/events")
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith("/slack/events")
    assert settings["interactivity"]["message_menu_options_url"].endswith("/slack/events"), "menus' typeahead"


def test_the_shortcuts_have_the_callback_ids_the_app_listens_for() -> None:
    shortcuts = [(each["name"], each["type"], each["callback_id"]) for each in MANIFEST["features"]["shortcuts"]]
    assert shortcuts == [
        ("Add to timeline", "message", actions.ADD_TO_TIMELINE),
        ("Declare incident from message", "message", actions.DECLARE_FROM_MESSAGE),
        ("Declare incident", "global", actions.DECLARE),
    ]
    assert all(len(each["description"]) <= 80 for each in MANIFEST["features"]["shortcuts"])  # Slack's limit


def test_the_pushpin_member_user_group_and_home_events_are_subscribed_with_the_scopes_they_need() -> None:
    assert MANIFEST["settings"]["event_subscriptions"]["bot_events"] == [
        "reaction_added",
        "user_change",
        "team_join",
        "subteam_created",
        "subteam_updated",
        "subteam_members_changed",
        "app_home_opened",
    ]
    assert {"reactions:read", "users:read", "usergroups:read"} <= scopes()


@pytest.fixture(scope="module")
def methods_the_bot_calls(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Every Web API method the bot called while replaying the demo's two stories, plus a pushpin and
    the retrospective's upload.

    On SQLite only: which methods are called does not depend on the database, and the commands
    and the pushpin run on PostgreSQL in tests/e2e (this fixture is module-scoped, theirs are not)."""
    from bot.demo import _replay, _replay_first, demo_sandbox

    clock = ManualClock(FIRST_START)
    with demo_sandbox(tmp_path_factory.mktemp("manifest"), clock) as sandbox:
        emulator = sandbox.emulator
        _replay_first(sandbox, clock)
        clock.set(STORY_START)
        _replay(sandbox, clock)
        channel = sandbox.channel_of(STORY)
        sandbox.user("alice").slash("retro", channel=channel)
        ts = sandbox.user("bob").post_message(channel, "error rate is flat")
        sandbox.user("bob").react(channel, ts, "pushpin")
        reply = sandbox.user("bob").post_message(channel, "and latency too", thread_ts=ts)
        sandbox.user("bob").react(channel, reply, "pushpin")
        sandbox.settle()
        return {call.method for call in emulator.calls()}


def test_the_user_groups_are_read_with_usergroups_read(tmp_path: Path) -> None:
    """The member sync reads the user groups pages reach: `usergroups.list`, then each group's
    members with `usergroups.users.list`, both under `usergroups:read`."""
    emulator = SlackEmulator()
    emulator.add_usergroup("oncall-web", members=["bob"])
    with Sandbox(database_url=f"sqlite:///{tmp_path / 'groups.db'}", emulator=emulator):
        called = {call.method for call in emulator.calls()}
    assert {"usergroups.list", "usergroups.users.list"} <= called
    assert {SCOPE_OF_METHOD["usergroups.list"], SCOPE_OF_METHOD["usergroups.users.list"]} <= scopes()


# The scope a method needs in the app's direct message with someone (a page): `im:*`.
DIRECT_SCOPE_OF_METHOD = {"conversations.history": "im:history", "conversations.open": "im:write"}


def test_a_page_s_direct_message_calls_are_covered_by_the_im_scopes(tmp_path: Path) -> None:
    """`/incident page` opens the app's direct message with each person (`conversations.open`),
    posts the page there and edits it once answered; a retry reads the conversation's history."""
    emulator = SlackEmulator()
    with Sandbox(database_url=f"sqlite:///{tmp_path / 'pages.db'}", emulator=emulator) as sandbox:
        sandbox.user("alice").slash("open sev1 Checkout fails")
        sandbox.settle()
        sandbox.user("alice").slash("page @bob", channel=sandbox.channel_of(1))
        sandbox.settle()
        [page] = emulator.messages("DU0BOB")
        sandbox.user("bob").click("DU0BOB", page.ts, actions.ACKNOWLEDGE_PAGE)
        sandbox.settle()
    direct = {call.method for call in emulator.calls() if str(call.args.get("channel", "")).startswith("D")}
    direct |= {call.method for call in emulator.calls("conversations.open")}
    assert direct == {"conversations.open", "chat.postMessage", "chat.update"}
    needed = {DIRECT_SCOPE_OF_METHOD.get(method, SCOPE_OF_METHOD.get(method)) for method in direct}
    needed.add(DIRECT_SCOPE_OF_METHOD["conversations.history"])  # what a retry reads before posting again
    assert needed <= scopes()


def test_the_scopes_cover_every_web_api_method_the_bot_calls(methods_the_bot_calls: set[str]) -> None:
    unknown = methods_the_bot_calls - set(SCOPE_OF_METHOD)
    assert not unknown, f"add the scopes of {unknown} to SCOPE_OF_METHOD and the manifest"
    needed: set[Any] = {SCOPE_OF_METHOD[method] for method in methods_the_bot_calls} - {None}
    assert needed <= scopes()
    assert {"conversations.create", "pins.add", "reactions.add", "conversations.history"} <= methods_the_bot_calls
    assert "conversations.replies" in methods_the_bot_calls  # the pinned thread reply


def test_the_retrospective_is_uploaded_with_the_two_upload_methods_and_files_write(
    methods_the_bot_calls: set[str],
) -> None:
    assert {"files.getUploadURLExternal", "files.completeUploadExternal"} <= methods_the_bot_calls
    upload = {SCOPE_OF_METHOD["files.getUploadURLExternal"], SCOPE_OF_METHOD["files.completeUploadExternal"]}
    assert upload == {"files:write"} and upload <= scopes()


def test_the_apps_messages_tab_is_on_so_it_can_tell_people_things_in_a_direct_message() -> None:
    assert MANIFEST["features"]["app_home"]["messages_tab_enabled"] is True


def test_the_home_tab_is_on_and_its_opening_is_an_event_the_app_hears(tmp_path: Path) -> None:
    """The App Home: the tab is enabled, `app_home_opened` subscribed, and publishing it
    (`views.publish`) needs no scope of its own."""
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True
    assert "app_home_opened" in MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    emulator = SlackEmulator()
    with Sandbox(database_url=f"sqlite:///{tmp_path / 'home.db'}", emulator=emulator) as sandbox:
        sandbox.user("alice").open_home()
        sandbox.settle()
    assert [call.status for call in emulator.calls("views.publish")] == [200]
    assert SCOPE_OF_METHOD["views.publish"] is None


# The scope a method needs on a private channel instead (Slack's method documentation): `groups:*`.
PRIVATE_SCOPE_OF_METHOD = {
    "conversations.create": "groups:write",
    "conversations.invite": "groups:write",
    "conversations.setTopic": "groups:write",
    "conversations.history": "groups:history",
    "conversations.replies": "groups:history",
    "conversations.info": "groups:read",
    "conversations.list": "groups:read",
}


def test_a_private_incident_s_channel_calls_are_covered_by_the_groups_scopes(tmp_path: Path) -> None:
    """`/incident open --private` makes a private channel: creating, inviting, setting the topic
    and reading its messages (a pushpin) need the `groups:*` scopes, declared in the manifest."""
    clock = ManualClock(STORY_START)
    emulator = SlackEmulator(clock=clock.timestamp)
    with Sandbox(database_url=f"sqlite:///{tmp_path / 'private.db'}", clock=clock, emulator=emulator) as sandbox:
        sandbox.user("alice").slash("open --private sev1 Card numbers in the logs")
        sandbox.settle()
        channel = sandbox.channel_of(1)
        ts = sandbox.user("alice").post_message(channel, "rotated the keys")
        sandbox.user("alice").react(channel, ts, "pushpin")
        sandbox.settle()
    on_private = {call.method for call in emulator.calls() if call.args.get("channel") == channel}
    created = emulator.calls("conversations.create")
    on_private |= {call.method for call in created if (call.response.get("channel") or {}).get("id") == channel}
    assert {"conversations.create", "conversations.invite", "conversations.history"} <= on_private
    unknown = on_private - set(PRIVATE_SCOPE_OF_METHOD) - set(SCOPE_OF_METHOD)
    assert not unknown, f"add the scopes of {unknown}"
    needed = {PRIVATE_SCOPE_OF_METHOD.get(method, SCOPE_OF_METHOD.get(method)) for method in on_private} - {None}
    assert needed <= scopes()


def test_asking_whether_a_message_declared_from_is_private_is_covered_by_each_kind_s_read_scope(
    tmp_path: Path,
) -> None:
    """*Declare incident from message* asks `conversations.info` about the message's conversation:
    `channels:read` for a public channel, `groups:read` for a private one, `mpim:read` for a group
    direct message (Slack's method documentation); a direct message is known by its id."""
    emulator = SlackEmulator()
    payroll = emulator.create_channel("payroll", members=["alice", "incident-bot"], private=True)
    group = emulator.create_channel("", members=["alice", "bob", "incident-bot"], group=True)
    read_scope = {GENERAL: "channels:read", payroll: "groups:read", group: "mpim:read"}
    with Sandbox(database_url=f"sqlite:///{tmp_path / 'declare.db'}", emulator=emulator) as sandbox:
        for channel in read_scope:
            ts = sandbox.user("alice").post_message(channel, "is this an incident?")
            sandbox.user("alice").message_shortcut(channel, ts, actions.DECLARE_FROM_MESSAGE)
            sandbox.settle()
    asked = [call.args.get("channel") for call in emulator.calls("conversations.info")]
    assert sorted(asked) == sorted(read_scope)
    assert set(read_scope.values()) <= scopes()


def socket_mode_variant(manifest: dict[str, Any]) -> dict[str, Any]:
    """`manifest` for Socket Mode: no request URL anywhere (Slack sends everything over the app's
    WebSocket), `socket_mode_enabled`, and nothing else changed."""
    variant = copy.deepcopy(manifest)
    for command in variant["features"]["slash_commands"]:
        command.pop("url")
    variant["settings"]["event_subscriptions"].pop("request_url")
    variant["settings"]["interactivity"].pop("request_url")
    variant["settings"]["interactivity"].pop("message_menu_options_url")
    variant["settings"]["socket_mode_enabled"] = True
    return variant


def test_the_socket_mode_manifest_is_the_http_one_without_request_urls() -> None:
    """The same command, shortcuts, events, scopes and settings as manifest.json: a change to one
    that the other lacks fails here."""
    assert SOCKET_MANIFEST == socket_mode_variant(MANIFEST)
    assert "https://" not in json.dumps(SOCKET_MANIFEST["features"]) + json.dumps(SOCKET_MANIFEST["settings"])
    assert MANIFEST["settings"]["socket_mode_enabled"] is False


def test_a_move_to_a_private_channel_is_covered_by_the_scopes(tmp_path: Path) -> None:
    """The move reads the public channel's members, renames and archives it (`channels:*`), and makes,
    fills and posts in the private one (`groups:*`)."""
    emulator = SlackEmulator()
    with Sandbox(database_url=f"sqlite:///{tmp_path / 'move.db'}", emulator=emulator) as sandbox:
        sandbox.user("alice").slash("open sev1 Card numbers in the logs")
        sandbox.settle()
        public = sandbox.channel_of(1)
        offer = sandbox.user("alice").slash("private", channel=public)
        ts = next(e.ts for e in emulator.ephemerals(public, "alice") if actions.MOVE_PRIVATE in str(e.blocks))
        assert actions.MOVE_PRIVATE in str(offer.json["blocks"])
        sandbox.user("alice").click_ephemeral(public, ts, actions.MOVE_PRIVATE)
        sandbox.settle()
        private = sandbox.channel_of(1)
    on_public = {call.method for call in emulator.calls() if call.args.get("channel") == public}
    on_private = {call.method for call in emulator.calls() if call.args.get("channel") == private}
    assert {"conversations.members", "conversations.rename", "conversations.archive"} <= on_public
    assert {"conversations.invite", "chat.postMessage", "pins.add"} <= on_private
    needed = {SCOPE_OF_METHOD[method] for method in on_public} | {
        PRIVATE_SCOPE_OF_METHOD.get(method, SCOPE_OF_METHOD[method]) for method in on_private
    }
    assert needed - {None} <= scopes()
