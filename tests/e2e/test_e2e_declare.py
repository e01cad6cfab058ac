"""Declaring an incident from a message or the lightning menu, end to end on both backends: what
the person sees in the modal, and the incident channel whose timeline starts with the message."""

from __future__ import annotations

from e2e_stack import Stack, bot_lines

from bot.domain.incident import EntryKind
from bot.lookup import Where
from bot.render import actions
from slack_emulator import GENERAL

INC_1 = Where(team_id="T0EMULATOR", number=1)


def the_modal(stack: Stack, person: str) -> tuple[str, dict[str, object]]:
    (view,) = stack.emulator.views(stack.emulator.user(person).id, open_only=True)
    title_input = view.body["blocks"][0]["element"]
    assert isinstance(title_input, dict)
    return view.id, title_input


def test_a_message_declared_as_an_incident_starts_its_timeline_with_a_link_to_it(stack: Stack) -> None:
    ts = stack.user("bob").post_message(GENERAL, "checkout is throwing 500s, @alice can you look?")
    assert stack.user("alice").message_shortcut(GENERAL, ts, actions.DECLARE_FROM_MESSAGE).status == 200
    stack.settle()
    view_id, title_input = the_modal(stack, "alice")
    assert title_input["initial_value"] == "checkout is throwing 500s, @alice can you look?"  # names, not ids
    submitted = stack.user("alice").submit_view(view_id, {"severity": "1"})  # the title as prefilled
    assert submitted.status == 200 and not submitted.body
    stack.settle()

    channel = stack.channel_of(1)
    lines = [line for shown in bot_lines(stack, channel) for line in shown.splitlines() if line.startswith("`")]
    permalink = f"{stack.emulator.url}/archives/{stack.emulator.channel(GENERAL).id}/p{ts.replace('.', '')}"
    assert lines[0].endswith(
        f"*bob* :pushpin: checkout is throwing 500s, @alice can you look? · <{permalink}|original message>"
    )
    assert "*alice* opened INC-1: checkout is throwing 500s, @alice can you look?" in lines[1]
    told = [post.body.get("text") for post in stack.emulator.response_url_posts()]
    assert f"INC-1 has its channel: <#{channel}>. You are in it and the summary card is pinned there." in told


def test_a_message_deleted_behind_the_shortcut_is_copied_as_the_shortcut_carried_it(stack: Stack) -> None:
    ts = stack.user("bob").post_message(GENERAL, "payments queue is backing up")
    stack.user("alice").message_shortcut(GENERAL, ts, actions.DECLARE_FROM_MESSAGE)
    stack.settle()
    stack.emulator.posts.delete(GENERAL, ts)  # bob deletes it while alice fills in the modal
    view_id, title_input = the_modal(stack, "alice")
    assert title_input["initial_value"] == "payments queue is backing up"
    stack.user("alice").submit_view(view_id, {"title": "Payments delayed"})
    stack.settle()
    first = stack.runtime.service.timeline(INC_1).entries[0]
    assert (first.kind, first.text, first.link) == (EntryKind.MESSAGE, "payments queue is backing up", None)
    shown = (line for message in bot_lines(stack, stack.channel_of(1)) for line in message.splitlines())
    line = next(line for line in shown if ":pushpin:" in line)
    assert line.endswith("*bob* :pushpin: payments queue is backing up")  # no link to a message Slack no longer has


def test_the_lightning_menu_opens_the_empty_modal_and_says_where_the_channel_is_in_a_direct_message(
    stack: Stack,
) -> None:
    assert stack.user("alice").global_shortcut(actions.DECLARE).status == 200
    stack.settle()
    view_id, title_input = the_modal(stack, "alice")
    assert "initial_value" not in title_input
    stack.user("alice").submit_view(view_id, {"title": "Search is down"})
    stack.settle()
    channel = stack.channel_of(1)
    direct = stack.emulator.workspace.direct_channel(stack.emulator.user("alice").id)
    assert any(f"INC-1 has its channel: <#{channel}>" in m.text for m in stack.emulator.messages(direct.id))
