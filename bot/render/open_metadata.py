"""The open modal's `private_metadata`: where the modal was asked for, written when it is opened
and read back when it is submitted (Slack returns it as written, signed).

It was always the channel id `/incident open` was typed in ("" for none), and still is then. A
modal opened from a message (*Declare incident from message*) carries a JSON object instead: the
channel, the shortcut's response URL (to say where the new channel is), and the message, whose
words are cut (with an ellipsis) so that the whole fits Slack's 3,000 characters. So does a modal
of `/incident open --at TIME`: the channel and when the impact began (`started_at`, ISO 8601 UTC),
read when typed, so that the incident opened on submission starts then.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.domain.declared import ELLIPSIS, SourceMessage
from bot.domain.timefmt import require_aware

METADATA_MAX = 3000  # Slack's limit on a view's private_metadata
TS = re.compile(r"\d{1,10}\.\d{1,6}")  # a message's ts, as Slack writes it


@dataclass(frozen=True)
class OpenedFrom:
    """Where the open modal was asked for."""

    channel_id: str | None = None  # a channel to answer in (where typed, or the message's)
    response_url: str | None = None  # the shortcut's: says where the new channel is
    message: SourceMessage | None = None  # declared from this message
    started_at: datetime | None = None  # `--at TIME` typed with `/incident open`: when the impact began


def write(opened: OpenedFrom) -> str:
    if opened.message is None and opened.response_url is None and opened.started_at is None:
        return opened.channel_id or ""
    text = _json(opened)
    message = opened.message
    while len(text) > METADATA_MAX and message is not None and message.text:
        keep = max(len(message.text) - (len(text) - METADATA_MAX) - len(ELLIPSIS), 0)
        message = replace(message, text=message.text[:keep].rstrip() + ELLIPSIS if keep else "")
        text = _json(replace(opened, message=message))
    return text


def read(text: str) -> OpenedFrom:
    """What `write` wrote; ValueError naming what is wrong when it is not that."""
    if not text.startswith("{"):
        return OpenedFrom(channel_id=text or None)
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("is not a JSON object")
    found = data.get("message")
    message = None
    if found is not None:
        if not isinstance(found, dict):
            raise ValueError("has a message that is not a JSON object")
        if not TS.fullmatch(_text(found, "ts")):
            raise ValueError("has a message ts that is not Slack's")
        message = SourceMessage(
            channel_id=_text(found, "channel"),
            ts=_text(found, "ts"),
            author=_text(found, "author"),
            text=_text(found, "text", empty=True),
            bot_name=_optional(found, "bot_name"),
        )
    started = _optional(data, "started_at")
    return OpenedFrom(
        channel_id=_optional(data, "channel"),
        response_url=_optional(data, "response_url"),
        message=message,
        started_at=require_aware(datetime.fromisoformat(started), "started_at") if started else None,
    )


def _json(opened: OpenedFrom) -> str:
    data: dict[str, Any] = {"channel": opened.channel_id, "response_url": opened.response_url}
    if opened.started_at is not None:
        data["started_at"] = require_aware(opened.started_at).isoformat()
    if opened.message is not None:
        message = opened.message
        data["message"] = {
            "channel": message.channel_id,
            "ts": message.ts,
            "author": message.author,
            "text": message.text,
            "bot_name": message.bot_name,
        }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _text(data: dict[str, Any], key: str, *, empty: bool = False) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not (value or empty):
        raise ValueError(f"has no {key}")
    return value


def _optional(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"has a {key} that is not a string")
    return value or None
