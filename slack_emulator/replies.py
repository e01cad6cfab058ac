"""How Slack shows an app's reply: a slash command's ack body, or a POST to a response URL.

Both carry a message (``text``/``blocks``) with ``response_type`` ``ephemeral`` (the default:
only the user who acted sees it) or ``in_channel`` (posted in the channel as the app). A
response URL may also ``replace_original`` or ``delete_original`` the message the interaction
came from. A response URL works at most five times (Slack's rule), then answers ``used_url``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from slack_emulator.arguments import ApiError
from slack_emulator.records import JSON, ResponseUrl, ResponseUrlPost
from slack_emulator.state import RESPONSE_URL_MAX_USES, Workspace
from slack_emulator.validation import check_blocks, check_text, with_block_ids


def reply_content(body: JSON) -> tuple[str, list[JSON]] | None:
    """The text and blocks of a reply, None when it carries no message; checks Slack's limits."""
    text = body.get("text")
    blocks = body.get("blocks")
    if not text and not blocks:
        return None
    checked = check_blocks(blocks) if blocks is not None else []
    return check_text(str(text or "")), with_block_ids(checked)


def show_reply(ws: Workspace, *, user_id: str, channel_id: str, body: JSON, source: str) -> None:
    """Show a reply carrying a message as Slack would: in the channel or only to ``user_id``."""
    with ws.lock:
        content = reply_content(body)
        if content is None or channel_id not in ws.channels:
            return
        text, blocks = content
        if body.get("response_type") == "in_channel":
            ws.post(channel_id, ws.bot.id, text, blocks=blocks)
        else:
            ws.post_ephemeral(channel_id, user_id, text, blocks, source=source)


def decode_body(raw: bytes, content_type: str) -> JSON:
    """A response URL body: JSON (what apps send) or a ``payload=`` form; raises ``invalid_json``."""
    try:
        if content_type.startswith("application/x-www-form-urlencoded"):
            raw = parse_qs(raw.decode()).get("payload", ["{}"])[0].encode()
        decoded: Any = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ApiError("invalid_json", status=400) from None
    if not isinstance(decoded, dict):
        raise ApiError("invalid_json", status=400)
    return decoded


def post_to_response_url(ws: Workspace, url_id: str, raw: bytes, content_type: str) -> tuple[int, JSON]:
    """Apply one POST to ``/response_url/<url_id>``; the HTTP status and JSON answer."""
    with ws.lock:
        url = ws.response_urls.get(url_id)
        if url is None:
            return 404, {"ok": False, "error": "invalid_response_url"}
        try:
            body = decode_body(raw, content_type)
            if url.uses >= RESPONSE_URL_MAX_USES:
                raise ApiError("used_url", status=404)
            url.uses += 1
            apply_response(ws, url, body)
        except ApiError as error:
            ws.response_url_posts.append(ResponseUrlPost(url_id, {"raw": raw.decode(errors="replace")}, error.status))
            return (400 if error.status == 200 else error.status), error.body()
        ws.response_url_posts.append(ResponseUrlPost(url_id, body, 200))
        return 200, {"ok": True}


def apply_response(ws: Workspace, url: ResponseUrl, body: JSON) -> None:
    """Change the workspace as Slack does for one response URL message."""
    channel_id = url.channel
    original_ts = url.message_ts
    if body.get("delete_original") and original_ts and channel_id:
        delete_original(ws, url, channel_id, original_ts)
        return
    if body.get("replace_original") and original_ts and channel_id:
        content = reply_content(body)
        if content is None:
            raise ApiError("no_text")
        replace_original(ws, url, channel_id, original_ts, *content)
        return
    if reply_content(body) is None:
        raise ApiError("no_text")
    if channel_id is not None:
        show_reply(ws, user_id=url.user, channel_id=channel_id, body=body, source="response_url")


def delete_original(ws: Workspace, url: ResponseUrl, channel_id: str, ts: str) -> None:
    """Remove the message (or the user's ephemeral message) the interaction came from."""
    if url.source == "ephemeral":
        ws.ephemerals[:] = [
            e for e in ws.ephemerals if not (e.channel == channel_id and e.ts == ts and e.user == url.user)
        ]
    else:
        ws.messages[channel_id][:] = [m for m in ws.messages[channel_id] if m.ts != ts]


def replace_original(ws: Workspace, url: ResponseUrl, channel_id: str, ts: str, text: str, blocks: list[JSON]) -> None:
    """Replace the content of the message (or ephemeral message) the interaction came from."""
    if url.source == "ephemeral":
        for ephemeral in ws.ephemerals:
            if ephemeral.channel == channel_id and ephemeral.ts == ts and ephemeral.user == url.user:
                ephemeral.text, ephemeral.blocks = text, blocks
        return
    message = ws.message(channel_id, ts)
    if message is not None:
        message.text, message.blocks = text, blocks
