"""The open modal (`/incident open` without a title, every *Declare incident*): pure Block Kit.

Declared from a message, the title is the message's words, a note says the timeline starts with
it, and the *Private* box is ticked unless Slack said the message is in a public channel, with a
hint under the box saying why (docs/behaviour.md, Declaring an incident).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.catalog import Component
from bot.domain.declared import Conversation
from bot.render import actions
from bot.render.affected import component_inputs
from bot.render.blocks import plain

FROM_MESSAGE_NOTE = ":pushpin: The incident's timeline will start with this message, linked to where it was posted."
STARTED_NOTE = ":clock3: Impact began *{time}*, as given with `--at`: the incident will start then."

# Why the Private box is ticked, by what Slack said of the message's conversation (a public
# channel: not ticked, nothing to say).
PRIVATE_HINTS = {
    Conversation.PRIVATE_CHANNEL: "Ticked: the message is in a private channel.",
    Conversation.GROUP_DM: "Ticked: the message is in a group direct message.",
    Conversation.DM: "Ticked: the message is in a direct message.",
    Conversation.UNSEEN: (
        "Ticked: the bot cannot see the message's conversation, so it is taken as private "
        "(a private one the bot is not in, or one Slack no longer has)."
    ),
    Conversation.UNANSWERED: "Ticked: Slack did not say in time whether the message's channel is public.",
}


def hint_for(conversation: Conversation) -> str:
    """Why the Private box is ticked for a message in `conversation`; "" when it is not."""
    return PRIVATE_HINTS.get(conversation, "")


def open_modal(
    *,
    severity: int = 2,
    private_metadata: str = "",
    private: bool = False,
    private_hint: str = "",
    title: str = "",
    from_message: bool = False,
    components: Sequence[Component] = (),
    language: str = "en",
    began: str = "",
) -> dict[str, Any]:
    """The open modal; `title` prefilled (declared from a message: its words, and a note that the
    timeline starts with it); `private`: the Private box ticked, `private_hint` under it saying
    why; `components`: the catalog's, offered by their names in `language`; `began`: when the
    impact began, typed with `--at` (`/incident open sev1 --at 10m ago`) and worded, said in a note."""
    options = [{"text": plain(f"sev{n}"), "value": str(n)} for n in (1, 2, 3, 4)]
    private_option = {
        "text": plain("Private"),
        "value": actions.PRIVATE_OPTION,
        "description": plain("A private channel, no announcement, never on the status page"),
    }
    checkbox: dict[str, Any] = {"type": "checkboxes", "action_id": actions.INPUT, "options": [private_option]}
    if private:
        checkbox["initial_options"] = [private_option]
    visibility: dict[str, Any] = {
        "type": "input",
        "block_id": actions.PRIVATE_INPUT,
        "optional": True,
        "label": plain("Visibility"),
        "element": checkbox,
    }
    if private_hint:
        visibility["hint"] = plain(private_hint)
    title_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": actions.INPUT,
        "max_length": 150,
        "placeholder": plain("Users see 'Something went wrong' on the home page"),
    }
    if title:
        title_input["initial_value"] = title
    notes = [FROM_MESSAGE_NOTE] * from_message + [STARTED_NOTE.format(time=began)] * bool(began)
    return {
        "type": "modal",
        "callback_id": actions.OPEN_MODAL,
        "private_metadata": private_metadata,
        "title": plain("Open an incident"),
        "submit": plain("Open"),
        "close": plain("Cancel"),
        "blocks": [
            {
                "type": "input",
                "block_id": actions.TITLE_INPUT,
                "label": plain("What is broken?"),
                "element": title_input,
            },
            {
                "type": "input",
                "block_id": actions.SEVERITY_INPUT,
                "label": plain("Severity"),
                "element": {
                    "type": "static_select",
                    "action_id": actions.INPUT,
                    "options": options,
                    "initial_option": options[severity - 1],
                },
            },
            visibility,
            *component_inputs(components, language, plain),
            *[{"type": "context", "elements": [{"type": "mrkdwn", "text": note}]} for note in notes],
        ],
    }
