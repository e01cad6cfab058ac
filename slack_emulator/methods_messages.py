"""Web API methods on messages: ``chat.*`` (post, update, ephemeral, permalink), pins, reactions."""

from __future__ import annotations

from slack_emulator.arguments import ApiError
from slack_emulator.method_context import Handler, MethodCall
from slack_emulator.records import JSON, Reaction
from slack_emulator.validation import check_blocks, check_text, with_block_ids


def message_content(call: MethodCall, *, required: bool = True) -> tuple[str | None, list[JSON] | None]:
    """The ``text`` and ``blocks`` of a post (None when not sent), checked against Slack's limits.

    Raises ``no_text`` when ``required`` and neither text, blocks nor attachments were sent.
    """
    text = call.args.opt_text("text")
    raw_blocks = call.args.json_value("blocks", error="invalid_blocks_format")
    blocks = check_blocks(raw_blocks) if raw_blocks is not None else None
    if required and text is None and not blocks and not call.args.json_value("attachments"):
        raise ApiError("no_text")
    if text is not None:
        check_text(text)
    return text, blocks


def message_metadata(call: MethodCall) -> JSON | None:
    """``metadata``: an object with a string ``event_type`` and an object ``event_payload``."""
    metadata = call.args.json_value("metadata", error="invalid_metadata_format")
    if metadata is None:
        return None
    if (
        not isinstance(metadata, dict)
        or not isinstance(metadata.get("event_type"), str)
        or not isinstance(metadata.get("event_payload"), dict)
    ):
        raise ApiError("invalid_metadata_format")
    return {"event_type": metadata["event_type"], "event_payload": metadata["event_payload"]}


def post_message(call: MethodCall) -> JSON:
    """``chat.postMessage``: the caller must be a member of the channel, which must not be archived;
    ``metadata`` is kept."""
    channel = call.member_channel()
    if channel.is_archived:
        raise ApiError("is_archived")
    text, blocks = message_content(call)
    metadata = message_metadata(call)
    message = call.ws.post(
        channel.id,
        call.caller.id,
        text or "",
        blocks=with_block_ids(blocks or []),
        thread_ts=call.args.opt_text("thread_ts"),
        metadata=metadata,
    )
    return {"ok": True, "channel": channel.id, "ts": message.ts, "message": message.to_slack(call.ws.team_id)}


def update(call: MethodCall) -> JSON:
    """``chat.update``: only the caller's own messages, not in an archived channel (``is_inactive``);
    keeps the ts and marks the message edited."""
    channel = call.channel()
    message = call.message(channel, "ts")
    if channel.is_archived:
        raise ApiError("is_inactive")
    if message.user != call.caller.id or message.subtype is not None:
        raise ApiError("cant_update_message")
    text, blocks = message_content(call)
    if text is not None:
        message.text = text
    if blocks is not None:
        message.blocks = with_block_ids(blocks)
    message.edited = {"user": call.caller.id, "ts": call.ws.next_ts(channel.id)}
    return {
        "ok": True,
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": message.to_slack(call.ws.team_id),
    }


def post_ephemeral(call: MethodCall) -> JSON:
    """``chat.postEphemeral``: to a user who is a member of the channel."""
    channel = call.channel()
    user = call.user(call.args.text("user"))
    if user.id not in channel.members:
        raise ApiError("user_not_in_channel")
    text, blocks = message_content(call)
    ephemeral = call.ws.post_ephemeral(
        channel.id, user.id, text or "", with_block_ids(blocks or []), source="chat.postEphemeral"
    )
    return {"ok": True, "message_ts": ephemeral.ts}


def permalink(channel_id: str, ts: str, base_url: str) -> str:
    """The message's permalink: ``{base_url}/archives/C.../p1645114260000100``."""
    return f"{base_url}/archives/{channel_id}/p{ts.replace('.', '')}"


def get_permalink(call: MethodCall) -> JSON:
    """``chat.getPermalink``."""
    channel = call.channel()
    message = call.message(channel, "message_ts")
    return {"ok": True, "channel": channel.id, "permalink": permalink(channel.id, message.ts, call.base_url)}


def pins_add(call: MethodCall) -> JSON:
    """``pins.add``: pin a message in a channel the caller is in; Slack posts a ``pinned_item`` line."""
    channel = call.member_channel()
    if call.args.opt_text("timestamp") is None:
        raise ApiError("no_item_specified")
    message = call.message(channel, "timestamp")
    if message.pinned:
        raise ApiError("already_pinned")
    message.pinned = True
    call.ws.post(
        channel.id, call.caller.id, f"<@{call.caller.id}> pinned a message to this channel.", subtype="pinned_item"
    )
    return {"ok": True}


def reactions_add(call: MethodCall) -> JSON:
    """``reactions.add``: one reaction per name and user."""
    channel = call.channel()
    message = call.message(channel, "timestamp")
    name = call.args.text("name").strip(":")
    if not name:
        raise ApiError("invalid_name")
    if add_reaction(message.reactions, name, call.caller.id) is False:
        raise ApiError("already_reacted")
    return {"ok": True}


def add_reaction(reactions: list[Reaction], name: str, user_id: str) -> bool:
    """Add ``user_id``'s ``name`` reaction; False when that user already reacted so."""
    reaction = next((r for r in reactions if r.name == name), None)
    if reaction is None:
        reactions.append(Reaction(name=name, users=[user_id]))
        return True
    if user_id in reaction.users:
        return False
    reaction.users.append(user_id)
    return True


HANDLERS: dict[str, Handler] = {
    "chat.postMessage": post_message,
    "chat.update": update,
    "chat.postEphemeral": post_ephemeral,
    "chat.getPermalink": get_permalink,
    "pins.add": pins_add,
    "reactions.add": reactions_add,
}
