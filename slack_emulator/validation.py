"""Block Kit and message limits, checked the way Slack refuses bad payloads.

Blocks are parsed with ``slack_sdk.models.blocks.Block.parse_all`` and every block is validated
with ``validate_json()`` plus ``to_dict()`` (which validates nested elements: button text,
``action_id`` length...). Slack's own limits on top: 50 blocks in a message, 100 in a modal,
40,000 characters of message text. Slack gives every stored block a ``block_id``;
``with_block_ids`` does the same.
"""

from __future__ import annotations

import copy
import secrets
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from slack_emulator.arguments import ApiError
from slack_emulator.records import JSON

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT_CHARS = 40_000

# What parse_all/validate_json raise on malformed dictionaries besides SlackObjectFormationError.
FORMATION_ERRORS = (SlackObjectFormationError, TypeError, ValueError, KeyError, AttributeError)


def block_problems(blocks: Any, *, limit: int = MAX_MESSAGE_BLOCKS) -> list[str]:
    """What is wrong with a ``blocks`` list, as Slack-style messages (empty when valid)."""
    if not isinstance(blocks, list):
        return ["[ERROR] blocks must be an array [json-pointer:/blocks]"]
    if len(blocks) > limit:
        return [f"[ERROR] no more than {limit} items allowed [json-pointer:/blocks]"]
    problems = [
        f"[ERROR] a block must be an object with a type [json-pointer:/blocks/{index}]"
        for index, raw in enumerate(blocks)
        if not isinstance(raw, dict) or not isinstance(raw.get("type"), str)
    ]
    if problems:
        return problems
    try:
        parsed_blocks: list[Block | None] = list(Block.parse_all(blocks))
    except FORMATION_ERRORS as error:
        return [f"[ERROR] {error} [json-pointer:/blocks]"]
    for index, (raw, parsed) in enumerate(zip(blocks, parsed_blocks, strict=True)):
        pointer = f"[json-pointer:/blocks/{index}]"
        if parsed is None:
            problems.append(f"[ERROR] unsupported block type: {raw['type']} {pointer}")
            continue
        try:
            parsed.validate_json()
            parsed.to_dict()
        except FORMATION_ERRORS as error:
            problems.append(f"[ERROR] {error} {pointer}")
    return problems


def check_blocks(blocks: Any, *, limit: int = MAX_MESSAGE_BLOCKS) -> list[JSON]:
    """The blocks if valid (an empty list for None), else raise ``invalid_blocks``."""
    if blocks is None:
        return []
    problems = block_problems(blocks, limit=limit)
    if problems:
        raise ApiError("invalid_blocks", {"errors": problems, "response_metadata": {"messages": problems}})
    return list(blocks)


def check_text(text: str) -> str:
    """The text if Slack accepts its length, else raise ``msg_too_long``."""
    if len(text) > MAX_TEXT_CHARS:
        raise ApiError("msg_too_long")
    return text


def check_view(view: Any) -> JSON:
    """The view payload if valid, else raise ``invalid_arguments`` / ``invalid_blocks``."""
    if not isinstance(view, dict):
        raise ApiError("invalid_arguments", {"response_metadata": {"messages": ["[ERROR] view must be an object"]}})
    check_blocks(view.get("blocks", []), limit=MAX_VIEW_BLOCKS)
    try:
        View(**view).validate_json()
    except FORMATION_ERRORS as error:
        message = f"[ERROR] {error} [json-pointer:/view]"
        raise ApiError("invalid_arguments", {"response_metadata": {"messages": [message]}}) from None
    return view


def with_block_ids(blocks: list[JSON]) -> list[JSON]:
    """A copy of the blocks where each block without a ``block_id`` gets one, as Slack stores them."""
    stored = copy.deepcopy(blocks)
    for block in stored:
        block.setdefault("block_id", secrets.token_urlsafe(3))
    return stored
