"""Web API ``conversations.*`` methods: create, invite, setTopic, info, history, join, list, open,
members, rename, archive."""

from __future__ import annotations

import base64
import binascii
import re
from decimal import InvalidOperation

from slack_emulator.arguments import ApiError
from slack_emulator.method_context import Handler, MethodCall
from slack_emulator.records import JSON, Channel, ts_micros

CHANNEL_NAME = re.compile(r"[a-z0-9_-]+")
MAX_NAME_CHARS = 80
MAX_TOPIC_CHARS = 250
DEFAULT_PAGE = 100
MAX_PAGE = 1000


def valid_name(call: MethodCall) -> str:
    """The ``name`` argument, as Slack's naming rules allow it (lower case letters, digits, ``-``
    and ``_``, at most 80 characters); raises the error Slack gives."""
    name = call.args.opt_text("name")
    if name is None:
        raise ApiError("invalid_name_required")
    if len(name) > MAX_NAME_CHARS:
        raise ApiError("invalid_name_maxlength")
    if not CHANNEL_NAME.fullmatch(name):
        raise ApiError("invalid_name_specials")
    if not name.strip("-_"):
        raise ApiError("invalid_name_punctuation")
    return name


def create(call: MethodCall) -> JSON:
    """``conversations.create``: a new channel whose creator (the caller) is its only member."""
    name = valid_name(call)
    if call.ws.channel(name) is not None:
        raise ApiError("name_taken")
    channel = call.ws.create_channel(name, creator=call.caller.id, is_private=call.args.flag("is_private"))
    call.ws.post(channel.id, call.caller.id, f"<@{call.caller.id}> has joined the channel", subtype="channel_join")
    return {"ok": True, "channel": channel.to_slack(call.caller.id)}


def invite(call: MethodCall) -> JSON:
    """``conversations.invite``: add users (comma-separated ``users``) to a channel the caller is in;
    a single-channel guest already in a channel cannot join a second one (``ura_max_channels``)."""
    channel = call.member_channel()
    if channel.is_archived:
        raise ApiError("is_archived")
    user_ids = call.args.items("users")
    if not user_ids:
        raise ApiError("no_user")
    for user_id in user_ids:
        if user_id == call.caller.id:
            raise ApiError("cant_invite_self")
        user = call.user(user_id)
        if user_id in channel.members:
            raise ApiError("already_in_channel")
        if user.is_ultra_restricted and any(user_id in other.members for other in call.ws.channels.values()):
            raise ApiError("ura_max_channels")
    for user_id in user_ids:
        call.ws.join(channel.id, user_id)
    return {"ok": True, "channel": channel.to_slack(call.caller.id)}


def set_topic(call: MethodCall) -> JSON:
    """``conversations.setTopic``: at most 250 characters, in a channel the caller is in."""
    channel = call.member_channel()
    topic = call.args.text("topic")
    if len(topic) > MAX_TOPIC_CHARS:
        raise ApiError("too_long")
    call.ws.set_topic(channel.id, call.caller.id, topic)
    return {"ok": True, "channel": channel.to_slack(call.caller.id)}


def info(call: MethodCall) -> JSON:
    """``conversations.info``: the conversation object (``is_private``, ``is_mpim``; a direct
    message's shorter IM object); ``channel_not_found`` for a private one the caller is not in."""
    channel = call.channel()
    return {
        "ok": True,
        "channel": channel.to_slack(call.caller.id, num_members=call.args.flag("include_num_members")),
    }


def members(call: MethodCall) -> JSON:
    """``conversations.members``: the members' ids in the order they joined, paginated."""
    channel = call.channel()
    limit = min(max(call.args.integer("limit", DEFAULT_PAGE), 1), MAX_PAGE)
    cursor = call.args.opt_text("cursor")
    start = decode_cursor(cursor, "next_index:") if cursor else "0"
    if not start.isdigit():
        raise ApiError("invalid_cursor")
    first = int(start)
    page, more = channel.members[first : first + limit], len(channel.members) > first + limit
    return {
        "ok": True,
        "members": list(page),
        "response_metadata": {"next_cursor": encode_cursor(f"next_index:{first + limit}") if more else ""},
    }


def rename(call: MethodCall) -> JSON:
    """``conversations.rename``: by its creator only (``not_authorized`` for anyone else, for
    #general, and in a workspace that lets only admins rename: ``emulator.admin.restrict_renaming``),
    in a channel the caller is in, to a name no other channel has; Slack posts a
    ``channel_name`` line. A direct message has no name to change."""
    channel = call.member_channel()
    if channel.is_im or channel.is_mpim:
        raise ApiError("method_not_supported_for_channel_type")
    if channel.is_general or channel.creator != call.caller.id or call.ws.renaming_restricted:
        raise ApiError("not_authorized")
    name = valid_name(call)
    taken = call.ws.channel(name)
    if taken is not None and taken.id != channel.id:
        raise ApiError("name_taken")
    if name != channel.name:
        old, channel.name = channel.name, name
        text = f'<@{call.caller.id}> renamed the channel from "{old}" to "{name}"'
        call.ws.post(channel.id, call.caller.id, text, subtype="channel_name")
    return {"ok": True, "channel": channel.to_slack(call.caller.id)}


def archive(call: MethodCall) -> JSON:
    """``conversations.archive``: Slack posts a ``channel_archive`` line and keeps the channel (and
    its name) read-only; ``restricted_action`` in a workspace that lets only admins archive
    (``emulator.admin.restrict_archiving``)."""
    channel = call.channel()
    if channel.is_archived:
        raise ApiError("already_archived")
    if channel.is_general:
        raise ApiError("cant_archive_general")
    if channel.is_im or channel.is_mpim:
        raise ApiError("method_not_supported_for_channel_type")
    if call.ws.archiving_restricted:
        raise ApiError("restricted_action")
    call.ws.post(channel.id, call.caller.id, f"<@{call.caller.id}> archived the channel", subtype="channel_archive")
    channel.is_archived = True
    return {"ok": True}


def encode_cursor(value: str) -> str:
    """An opaque Slack-like cursor (``base64("next_ts:...")``)."""
    return base64.b64encode(value.encode()).decode()


def decode_cursor(cursor: str, prefix: str) -> str:
    """The value inside a cursor made by ``encode_cursor``; raises ``invalid_cursor``."""
    try:
        value = base64.b64decode(cursor.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise ApiError("invalid_cursor") from None
    if not value.startswith(prefix):
        raise ApiError("invalid_cursor")
    return value.removeprefix(prefix)


def parse_ts(value: str | None, error: str) -> int | None:
    """A ``latest``/``oldest`` bound in microseconds; raises ``error`` when it is not a number."""
    if value is None:
        return None
    try:
        return ts_micros(value)
    except InvalidOperation:
        raise ApiError(error) from None


def history(call: MethodCall) -> JSON:
    """``conversations.history``: top-level messages, newest first, with cursor pagination;
    with ``include_all_metadata``, each message's ``metadata``."""
    channel = call.member_channel()
    latest = parse_ts(call.args.opt_text("latest"), "invalid_ts_latest")
    oldest = parse_ts(call.args.opt_text("oldest"), "invalid_ts_oldest")
    inclusive = call.args.flag("inclusive")
    limit = min(max(call.args.integer("limit", DEFAULT_PAGE), 1), MAX_PAGE)
    cursor = call.args.opt_text("cursor")
    start = decode_cursor(cursor, "next_ts:") if cursor else None
    with_metadata = call.args.flag("include_all_metadata")

    def in_range(ts: int) -> bool:
        above = oldest is None or ts > oldest or (inclusive and ts == oldest)
        below = latest is None or ts < latest or (inclusive and ts == latest)
        return above and below

    messages = [
        m for m in reversed(call.ws.messages[channel.id]) if (m.thread_ts in (None, m.ts)) and in_range(ts_micros(m.ts))
    ]
    if start is not None:
        bound = parse_ts(start, "invalid_cursor") or 0
        messages = [m for m in messages if ts_micros(m.ts) <= bound]
    page, rest = messages[:limit], messages[limit:]
    return {
        "ok": True,
        "messages": [m.to_slack(call.ws.team_id, with_metadata=with_metadata) for m in page],
        "has_more": bool(rest),
        "pin_count": sum(1 for m in call.ws.messages[channel.id] if m.pinned),
        "response_metadata": {"next_cursor": encode_cursor(f"next_ts:{rest[0].ts}") if rest else ""},
    }


def replies(call: MethodCall) -> JSON:
    """``conversations.replies``: a thread, oldest first: its parent, then the replies in range.

    ``ts`` may name the parent or any reply of the thread (or an unthreaded message: then only it).
    """
    channel = call.member_channel()
    ts = call.args.opt_text("ts")
    found = next((m for m in call.ws.messages[channel.id] if m.ts == ts), None) if ts else None
    if found is None:
        raise ApiError("thread_not_found")
    parent_ts = found.thread_ts or found.ts
    latest = parse_ts(call.args.opt_text("latest"), "invalid_ts_latest")
    oldest = parse_ts(call.args.opt_text("oldest"), "invalid_ts_oldest")
    inclusive = call.args.flag("inclusive")
    limit = min(max(call.args.integer("limit", DEFAULT_PAGE), 1), MAX_PAGE)
    cursor = call.args.opt_text("cursor")
    start = parse_ts(decode_cursor(cursor, "next_ts:"), "invalid_cursor") if cursor else None

    def shown(ts: int, is_parent: bool) -> bool:
        above = oldest is None or ts > oldest or (inclusive and ts == oldest)
        below = latest is None or ts < latest or (inclusive and ts == latest)
        return (is_parent or (above and below)) and (start is None or ts >= start)

    thread = [
        m
        for m in call.ws.messages[channel.id]
        if (m.ts == parent_ts or m.thread_ts == parent_ts) and shown(ts_micros(m.ts), m.ts == parent_ts)
    ]
    page, rest = thread[:limit], thread[limit:]
    return {
        "ok": True,
        "messages": [m.to_slack(call.ws.team_id) for m in page],
        "has_more": bool(rest),
        "response_metadata": {"next_cursor": encode_cursor(f"next_ts:{rest[0].ts}") if rest else ""},
    }


def join(call: MethodCall) -> JSON:
    """``conversations.join``: the caller joins a public channel (a warning if already in it)."""
    channel = call.channel()
    if channel.is_private or channel.is_im:
        raise ApiError("method_not_supported_for_channel_type")
    body: JSON = {"ok": True, "channel": channel.to_slack(call.caller.id)}
    if call.caller.id in channel.members:
        body["warning"] = "already_in_channel"
        body["response_metadata"] = {"warnings": ["already_in_channel"]}
        return body
    call.ws.join(channel.id, call.caller.id)
    body["channel"] = channel.to_slack(call.caller.id)
    return body


def channel_type(channel: Channel) -> str:
    """The ``types`` word of ``conversations.list`` that covers this conversation."""
    if channel.is_im:
        return "im"
    if channel.is_mpim:
        return "mpim"
    return "private_channel" if channel.is_private else "public_channel"


def list_conversations(call: MethodCall) -> JSON:
    """``conversations.list``: by ``types`` (default public channels), sorted by id, paginated."""
    types = set(call.args.items("types") or ["public_channel"])
    exclude_archived = call.args.flag("exclude_archived")
    limit = min(max(call.args.integer("limit", DEFAULT_PAGE), 1), MAX_PAGE)
    cursor = call.args.opt_text("cursor")
    start = decode_cursor(cursor, "next_id:") if cursor else ""
    visible = [
        channel
        for channel in sorted(call.ws.channels.values(), key=lambda c: c.id)
        if channel_type(channel) in types
        and not (exclude_archived and channel.is_archived)
        and (not channel.hidden or call.caller.id in channel.members)
        and channel.id >= start
    ]
    page, rest = visible[:limit], visible[limit:]
    return {
        "ok": True,
        "channels": [channel.to_slack(call.caller.id) for channel in page],
        "response_metadata": {"next_cursor": encode_cursor(f"next_id:{rest[0].id}") if rest else ""},
    }


def open_conversation(call: MethodCall) -> JSON:
    """``conversations.open``: the caller's direct message with one person (``users``), created on
    first use; the whole conversation object with ``return_im``. Group DMs are not emulated."""
    user_ids = call.args.items("users")
    if not user_ids:
        raise ApiError("users_list_not_supplied")
    if len(user_ids) > 1:
        raise ApiError("not_implemented_by_emulator", {"detail": "group direct messages are not emulated"})
    person = call.ws.users.get(user_ids[0])
    if person is None:
        raise ApiError("user_not_found")
    if person.deleted:
        raise ApiError("user_disabled")
    channel = call.ws.direct_channel(person.id)
    if call.args.flag("return_im"):
        return {"ok": True, "channel": channel.to_slack(call.caller.id)}
    return {"ok": True, "channel": {"id": channel.id}}


HANDLERS: dict[str, Handler] = {
    "conversations.create": create,
    "conversations.invite": invite,
    "conversations.setTopic": set_topic,
    "conversations.info": info,
    "conversations.history": history,
    "conversations.replies": replies,
    "conversations.join": join,
    "conversations.list": list_conversations,
    "conversations.open": open_conversation,
    "conversations.members": members,
    "conversations.rename": rename,
    "conversations.archive": archive,
}
