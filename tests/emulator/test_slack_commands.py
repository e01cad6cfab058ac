"""Slack's side, slash commands: the signed form Slack sends, what Slack shows of the ack, response URLs."""

from __future__ import annotations

import time

from slack_sdk import WebClient

from slack_emulator import GENERAL, SlackEmulator

from .samples import MODAL, post_json
from .signed_app import SignedApp


def test_a_slash_command_is_the_signed_form_slack_sends(emulator: SlackEmulator, signed_app: SignedApp) -> None:
    result = emulator.as_user("alice").slash("open sev1 Checkout down", channel="general")
    assert result.status == 200
    request = signed_app.received[-1]
    assert request.signature_valid
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    form = request.form
    assert {
        key: form[key] for key in ("team_id", "team_domain", "channel_id", "channel_name", "user_id", "user_name")
    } == {
        "team_id": "T0EMULATOR",
        "team_domain": "emulator",
        "channel_id": "C0GENERAL",
        "channel_name": "general",
        "user_id": "U0ALICE",
        "user_name": "alice",
    }
    assert (form["command"], form["text"], form["api_app_id"]) == ("/incident", "open sev1 Checkout down", "A0EMULATOR")
    assert form["response_url"].startswith(f"{emulator.url}/response_url/")
    assert form["trigger_id"] and form["token"]
    assert result.elapsed < 3 and result.acked_in_time


def test_typed_text_is_escaped_and_mentions_become_slack_mentions(
    emulator: SlackEmulator, signed_app: SignedApp
) -> None:
    emulator.as_user("alice").slash("open <!channel> down & out, lead @bob in #status")
    assert (
        signed_app.received[-1].form["text"]
        == "open &lt;!channel&gt; down &amp; out, lead <@U0BOB|bob> in <#C0STATUS|status>"
    )


def test_raw_text_is_sent_as_given(emulator: SlackEmulator, signed_app: SignedApp) -> None:
    emulator.as_user("alice").slash("lead <@U0BOB|bob>", raw=True)
    assert signed_app.received[-1].form["text"] == "lead <@U0BOB|bob>"


def test_the_trigger_of_a_command_opens_a_modal(
    emulator: SlackEmulator, signed_app: SignedApp, client: WebClient
) -> None:
    trigger = emulator.as_user("alice").slash("open").sent["trigger_id"]
    view = client.views_open(trigger_id=trigger, view=MODAL)["view"]
    assert [v.id for v in emulator.views("alice", open_only=True)] == [view["id"]]


def test_a_text_ack_is_shown_only_to_the_user_in_that_channel(emulator: SlackEmulator, signed_app: SignedApp) -> None:
    signed_app.respond = lambda request: (200, {"text": "Usage: /incident open <title>"})
    emulator.as_user("alice").slash("opne")
    assert [e.text for e in emulator.ephemerals(GENERAL, "alice")] == ["Usage: /incident open <title>"]
    assert emulator.ephemerals(GENERAL, "bob") == []
    assert emulator.messages(GENERAL) == []


def test_an_in_channel_ack_is_posted_in_the_channel(emulator: SlackEmulator, signed_app: SignedApp) -> None:
    signed_app.respond = lambda request: (200, {"response_type": "in_channel", "text": "INC-1 opened"})
    emulator.as_user("alice").slash("open Checkout down")
    assert [m.text for m in emulator.messages(GENERAL)] == ["INC-1 opened"]


def test_an_empty_ack_shows_nothing_and_a_plain_text_ack_is_shown(
    emulator: SlackEmulator, signed_app: SignedApp
) -> None:
    emulator.as_user("alice").slash("list")
    assert emulator.ephemerals(GENERAL, "alice") == []
    signed_app.respond = lambda request: (200, "plain words")
    emulator.as_user("alice").slash("list")
    assert [e.text for e in emulator.ephemerals(GENERAL, "alice")] == ["plain words"]


def test_a_failed_ack_shows_slacks_error_to_the_user(emulator: SlackEmulator, signed_app: SignedApp) -> None:
    signed_app.respond = lambda request: (500, None)
    result = emulator.as_user("alice").slash("open x")
    assert not result.acked_in_time
    assert [e.text for e in emulator.ephemerals(GENERAL, "alice")] == [
        '/incident failed with the error "dispatch_failed"'
    ]


def test_the_response_url_shows_ephemeral_then_in_channel_replies(
    emulator: SlackEmulator, signed_app: SignedApp
) -> None:
    url = emulator.as_user("alice").slash("timeline").sent["response_url"]
    assert post_json(url, {"text": "your timeline"}) == 200
    assert post_json(url, {"response_type": "in_channel", "text": "for everyone"}) == 200
    assert [e.text for e in emulator.ephemerals(GENERAL, "alice")] == ["your timeline"]
    assert [m.text for m in emulator.messages(GENERAL)] == ["for everyone"]
    assert [post.body["text"] for post in emulator.response_url_posts()] == ["your timeline", "for everyone"]


def test_a_response_url_works_five_times(emulator: SlackEmulator, signed_app: SignedApp) -> None:
    url = emulator.as_user("alice").slash("timeline").sent["response_url"]
    assert [post_json(url, {"text": str(n)}) for n in range(6)] == [200, 200, 200, 200, 200, 404]


def test_a_person_posting_a_message_is_stored_escaped_like_slack(emulator: SlackEmulator) -> None:
    ts = emulator.as_user("bob").post_message(GENERAL, "a < b & @alice")
    assert emulator.message(GENERAL, ts).text == "a &lt; b &amp; <@U0ALICE|alice>"


def test_url_verification_echoes_the_challenge_in_a_real_app(emulator: SlackEmulator, signed_app: SignedApp) -> None:
    signed_app.respond = lambda request: (200, {"challenge": request.payload["challenge"]})
    result = emulator.url_verification("abc123")
    assert result.json == {"challenge": "abc123"}
    assert signed_app.received[-1].payload["type"] == "url_verification"


def test_a_bad_signature_or_a_stale_timestamp_is_refused_by_the_app(
    emulator: SlackEmulator, signed_app: SignedApp
) -> None:
    assert emulator.send("text=hi", "application/x-www-form-urlencoded", signature="v0=" + "0" * 64).status == 401
    assert emulator.send("text=hi", "application/x-www-form-urlencoded", timestamp=int(time.time()) - 360).status == 401
    assert emulator.send("text=hi", "application/x-www-form-urlencoded").status == 200
    assert [r.signature_valid for r in signed_app.received] == [False, False, True]


def test_an_ack_with_invalid_blocks_shows_slacks_error(emulator: SlackEmulator, signed_app: SignedApp) -> None:
    too_long = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    signed_app.respond = lambda request: (200, {"text": "timeline", "blocks": too_long})
    emulator.as_user("alice").slash("timeline")
    assert [e.text for e in emulator.ephemerals(GENERAL, "alice")] == [
        '/incident failed with the error "invalid_blocks"'
    ]
