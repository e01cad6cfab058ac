"""Block Kit for public drafts: the draft message with Publish / Edit / Discard (and, while nobody
has assessed the incident's security, the prompt to assess it), and the edit modal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.drafts import LONG_LIMIT, SHORT_LIMIT, DraftRecord, DraftState
from bot.domain.incident import Attack, Incident
from bot.domain.language import load_language
from bot.domain.markup import escape
from bot.domain.subscribers import Reach
from bot.domain.timefmt import clock_time
from bot.render import actions, subscribers
from bot.render.blocks import Block, button, name_of, plain


def draft_label(draft: DraftRecord) -> str:
    return f"{load_language(draft.language).name} · {draft.length} · for *{draft.status.value}*"


ASSESS_PROMPT = "*Security not assessed yet*: this draft says nothing about it. Has there been an attack?"
ASSESS_LABELS = {
    Attack.NO_EVIDENCE: "No evidence of an attack",
    Attack.SUSPECTED: "Suspected",
    Attack.NOT_RELEVANT: "Not relevant",
}


def draft_message(
    draft: DraftRecord,
    incident: Incident,
    names: Mapping[str, str],
    zone: ZoneInfo,
    *,
    status_channel: str | None,
    reached: Reach | None = None,
) -> tuple[str, list[Block]]:
    """The draft as posted in the incident channel; its buttons only while it can be published,
    and the security prompt above them while nobody has assessed `incident` (its draft's state)."""
    header = f":memo: *Public update draft* ({draft_label(draft)}), by {name_of(draft.created_by, names)}"
    if draft.edited_by:
        header += f", edited by {name_of(draft.edited_by, names)}"
    blocks: list[Block] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": header}},
        {"type": "section", "text": {"type": "mrkdwn", "text": escape(draft.text)}},
    ]
    notes = [f":warning: {escape(warning)}" for warning in draft.warnings]
    if draft.length == "short":
        notes.append(f"{len(draft.text)}/{SHORT_LIMIT} characters")
    when = clock_time(draft.decided_at, zone) if draft.decided_at else ""
    who = name_of(draft.decided_by, names) if draft.decided_by else "someone"
    if draft.state is DraftState.PROPOSED:
        where = f"<#{status_channel}>" if status_channel else "the status channel (not configured yet)"
        notes.append(f"Nothing is published until someone presses Publish; it will post to {where}.")
        if incident.attack is Attack.NOT_ASSESSED:
            blocks += assess_prompt(incident.number)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": n} for n in notes[:10]]})
        blocks.append({"type": "actions", "block_id": f"draft.{draft.id}", "elements": _buttons(draft, status_channel)})
    else:
        outcome = {
            DraftState.PUBLISHED: f":white_check_mark: Published by {who} at {when}",
            DraftState.DISCARDED: f":wastebasket: Discarded by {who} at {when}",
            DraftState.STALE: f":warning: Stale: {escape(draft.state_reason)} Draft again with `/incident draft`.",
        }[draft.state]
        if draft.state is DraftState.PUBLISHED and reached is not None:
            outcome += f" · {subscribers.reached(reached.sent, reached.waiting)}"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": outcome}]})
        if draft.state is DraftState.PUBLISHED:
            blocks += _correction(draft, names, zone)
    return f"Public update draft ({draft.language}, {draft.length}): {draft.state}", blocks


def assess_prompt(number: int) -> list[Block]:
    """One line and a button per assessment a person can make; each records it like `/incident attack`."""
    buttons = [button(label, actions.assess_action(attack), str(number)) for attack, label in ASSESS_LABELS.items()]
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": f":shield: {ASSESS_PROMPT}"}},
        {"type": "actions", "block_id": actions.ASSESS_BLOCK, "elements": buttons},
    ]


def _buttons(draft: DraftRecord, status_channel: str | None) -> list[Block]:
    value = str(draft.id)
    publish = button("Publish", actions.PUBLISH, value, style="primary")
    publish["confirm"] = {
        "title": plain("Publish this update?"),
        "text": {
            "type": "mrkdwn",
            "text": f"It will be posted to <#{status_channel}> as written." if status_channel else "Publish it?",
        },
        "confirm": plain("Publish"),
        "deny": plain("Not yet"),
    }
    return [publish, button("Edit", actions.EDIT, value), button("Discard", actions.DISCARD, value, style="danger")]


def _correction(draft: DraftRecord, names: Mapping[str, str], zone: ZoneInfo) -> list[Block]:
    """Under a published update: who corrected it last and when, and Edit to correct it."""
    blocks: list[Block] = []
    if draft.corrected_by and draft.corrected_at:
        when = clock_time(draft.corrected_at, zone)
        said = f":pencil2: Corrected by {name_of(draft.corrected_by, names)} at {when}"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": said}]})
    edit = button("Edit", actions.CORRECT, str(draft.id))
    blocks.append({"type": "actions", "block_id": f"published.{draft.id}", "elements": [edit]})
    return blocks


def published_message(draft: DraftRecord, names: Mapping[str, str], zone: ZoneInfo) -> tuple[str, list[Block]]:
    """The update as posted in INCIDENT_STATUS_CHANNEL: the approved words, escaped, nothing added
    to them; under them, its correction if any and Edit."""
    text = published_text(draft)
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}, *_correction(draft, names, zone)]


def edit_modal(draft: DraftRecord, *, correcting: bool = False) -> dict[str, Any]:
    """The draft's words to edit, or, once published, to correct (`correcting`)."""
    limit = SHORT_LIMIT if draft.length == "short" else LONG_LIMIT
    return {
        "type": "modal",
        "callback_id": actions.CORRECT_MODAL if correcting else actions.EDIT_MODAL,
        "private_metadata": str(draft.id),
        "title": plain("Correct the update" if correcting else "Edit the draft"),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "blocks": [
            {
                "type": "input",
                "block_id": actions.TEXT_INPUT,
                "label": plain(f"{load_language(draft.language).name}, {draft.length} (at most {limit} characters)"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": actions.INPUT,
                    "multiline": True,
                    "initial_value": draft.text,
                },
            }
        ],
    }


def published_text(draft: DraftRecord) -> str:
    """What goes to the status channel: the approved words, escaped, nothing added."""
    return escape(draft.text)
