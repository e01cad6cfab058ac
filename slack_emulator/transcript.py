"""A channel as a person reads it in Slack, rendered as plain text.

Oldest first; a date line when the day changes; each message headed by its local time
(``21:41 IST``), its author's display name, 📌 when pinned; then the text rendered from its
blocks (header, section text, fields and accessory, context, buttons as ``[Close]``...) or its
plain text, ``(edited)`` when edited, reactions, and thread replies indented under it. Slack's
markup is resolved: ``<@U…>`` -> ``@name``, ``<#C…|name>`` -> ``#name``, ``<!date…|fallback>``
-> fallback, links -> their label, then ``&lt;`` ``&gt;`` ``&amp;`` are unescaped. A file share
shows its comment and then ``📎 <title>`` per file. System messages (joins, topic changes, pins)
are one line each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_emulator.records import JSON, Message, ts_micros
from slack_emulator.state import Workspace

MARKUP = re.compile(r"<([^<>]+)>")
INDENT = "  "


@dataclass(frozen=True)
class Entry:
    """One thing shown in the channel: a message or an ephemeral message (``only_you``)."""

    ts: str
    user: str
    text: str
    blocks: list[JSON]
    subtype: str | None = None
    pinned: bool = False
    edited: bool = False
    reactions: tuple[tuple[str, int], ...] = ()
    only_you: bool = False
    files: tuple[str, ...] = ()  # the titles of a file share's files


def resolve_markup(ws: Workspace, text: str) -> str:
    """Slack markup and HTML entities turned into what people see."""

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            user = ws.users.get(target[1:])
            return f"@{user.name}" if user is not None else f"@{label or target[1:]}"
        if target.startswith("#"):
            channel = ws.channels.get(target[1:])
            return f"#{channel.name}" if channel is not None else f"#{label or target[1:]}"
        if target.startswith("!subteam^"):
            return label or "@group"
        if target.startswith("!date^"):
            return label
        if target.startswith("!"):
            return f"@{target[1:]}"
        return label or target

    resolved = MARKUP.sub(replace, text)
    return resolved.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def text_of(obj: Any) -> str:
    """The text of a text object (``{"type": "mrkdwn", "text": ...}``) or a plain string."""
    if isinstance(obj, dict):
        return str(obj.get("text", ""))
    return "" if obj is None else str(obj)


def element_label(element: JSON) -> str:
    """How an interactive element looks: ``[Close]`` for a button, ``[Pick one ▾]`` for a select."""
    kind = element.get("type")
    if kind == "button":
        return f"[{text_of(element.get('text'))}]"
    if kind == "overflow":
        return "[⋯]"
    if kind in ("image",):
        return ""
    placeholder = text_of(element.get("placeholder")) or str(kind)
    return f"[{placeholder} ▾]"


def rich_text(elements: list[Any]) -> str:
    """The visible text of ``rich_text`` elements."""
    parts: list[str] = []
    for element in elements:
        kind = element.get("type")
        if "elements" in element:
            parts.append(rich_text(element["elements"]))
        elif kind == "text":
            parts.append(str(element.get("text", "")))
        elif kind == "link":
            parts.append(str(element.get("text") or element.get("url", "")))
        elif kind == "user":
            parts.append(f"<@{element.get('user_id')}>")
        elif kind == "channel":
            parts.append(f"<#{element.get('channel_id')}>")
        elif kind == "emoji":
            parts.append(f":{element.get('name')}:")
    return "".join(parts)


def block_lines(block: JSON) -> list[str]:
    """The lines a block shows."""
    kind = block.get("type")
    if kind == "header":
        return [text_of(block.get("text"))]
    if kind == "section":
        lines = text_of(block.get("text")).splitlines() if block.get("text") else []
        lines += [text_of(field) for field in block.get("fields", [])]
        accessory = block.get("accessory")
        if isinstance(accessory, dict) and element_label(accessory):
            lines.append(element_label(accessory))
        return lines
    if kind == "context":
        return ["  ".join(text_of(e) or f"[{e.get('alt_text', 'image')}]" for e in block.get("elements", []))]
    if kind == "actions":
        return [" ".join(label for label in map(element_label, block.get("elements", [])) if label)]
    if kind == "divider":
        return ["───"]
    if kind == "image":
        return [f"[image: {block.get('alt_text', '')}]"]
    if kind == "rich_text":
        return rich_text(block.get("elements", [])).splitlines()
    if kind == "input":
        return [f"{text_of(block.get('label'))}: ____"]
    return []


def body_lines(ws: Workspace, entry: Entry) -> list[str]:
    """The message's visible lines: blocks when it has them, else its text."""
    lines = [part for block in entry.blocks for line in block_lines(block) for part in line.splitlines() or [""]]
    if not lines:
        lines = entry.text.splitlines() or ([] if entry.files else [""])
    return [resolve_markup(ws, line) for line in lines] + [f"📎 {title}" for title in entry.files]


def entry_of(message: Message) -> Entry:
    """The transcript entry of a stored message."""
    reactions = tuple((r.name, len(r.users)) for r in message.reactions if r.users)
    return Entry(
        ts=message.ts,
        user=message.user,
        text=message.text,
        blocks=message.blocks,
        subtype=message.subtype,
        pinned=message.pinned,
        edited=message.edited is not None,
        reactions=reactions,
        files=tuple(str(f.get("title") or f.get("name") or "") for f in message.files),
    )


def render_entry(ws: Workspace, entry: Entry, zone: ZoneInfo, prefix: str = "") -> list[str]:
    """The lines of one entry; ``prefix`` starts its first line (thread replies), blanks the rest."""
    moment = datetime.fromtimestamp(ts_micros(entry.ts) / 1_000_000, UTC).astimezone(zone)
    clock = moment.strftime("%H:%M %Z")
    author = ws.users[entry.user].name if entry.user in ws.users else entry.user
    if entry.subtype not in (None, "file_share"):
        text = entry.text.replace(f"<@{entry.user}>", author, 1)
        return [f"{prefix}{clock}  · {resolve_markup(ws, text)}"]
    marks = (" 📌" if entry.pinned else "") + ("  (only visible to you)" if entry.only_you else "")
    lines = [f"{prefix}{clock}  {author}{marks}"]
    body = body_lines(ws, entry)
    if entry.edited:
        body[-1] = f"{body[-1]} (edited)".lstrip()
    if entry.reactions:
        body.append("  ".join(f":{name}: {count}" for name, count in entry.reactions))
    indent = " " * len(prefix) + INDENT
    return lines + [f"{indent}{line}".rstrip() for line in body]


def render_channel(ws: Workspace, channel_id: str, zone: ZoneInfo, *, viewer: str | None = None) -> str:
    """The channel's transcript; ``viewer`` (a user id) also sees their ephemeral messages."""
    with ws.lock:
        channel = ws.channels[channel_id]
        messages = ws.messages[channel_id]
        top = [entry_of(m) for m in messages if m.thread_ts in (None, m.ts)]
        top += [
            Entry(ts=e.ts, user=ws.bot.id, text=e.text, blocks=e.blocks, only_you=True)
            for e in ws.ephemerals
            if viewer is not None and e.channel == channel_id and e.user == viewer
        ]
        top.sort(key=lambda entry: ts_micros(entry.ts))
        lines = [f"#{channel.name}"]
        if channel.topic.value:
            lines.append(f"Topic: {resolve_markup(ws, channel.topic.value)}")
        day = ""
        for entry in top:
            today = datetime.fromtimestamp(float(entry.ts), UTC).astimezone(zone).strftime("%A %d %B %Y")
            if today != day:
                lines += ["", f"── {today} ──"]
                day = today
            lines += render_entry(ws, entry, zone)
            replies = [m for m in messages if m.thread_ts == entry.ts and m.ts != entry.ts]
            for reply in replies:
                lines += render_entry(ws, entry_of(reply), zone, prefix=INDENT * 2 + "↳ ")
        return "\n".join(lines) + "\n"
