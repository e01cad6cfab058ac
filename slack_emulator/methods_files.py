"""Slack's file upload: ``files.getUploadURLExternal``, the upload URL, ``files.completeUploadExternal``.

As docs.slack.dev describes the flow (files.getUploadURLExternal, usage info): the app announces a
file (name and length in bytes) and gets a file id and an upload URL; it POSTs the bytes there,
raw or as a multipart form, and Slack answers HTTP 200 when the upload succeeded, any other status
when it failed; then ``files.completeUploadExternal`` finishes the upload (once) and shares the file
in the channels given, as one ``file_share`` message per channel with the initial comment as text.

The upload URL is ``{emulator}/upload/v1/<ticket>`` and answers ``OK - <bytes>`` as Slack's does.
Slack documents no particular status for a failed upload, so the emulator picks plain ones: 404
for an unknown or already used URL, 400 for a body whose size is not the announced length (the URL
stays usable then, for a corrected upload). Nothing is stored on a refusal.
"""

from __future__ import annotations

import copy
import secrets
from typing import Any

from slack_emulator.arguments import ApiError, invalid_arguments
from slack_emulator.method_context import Handler, MethodCall
from slack_emulator.records import JSON, Channel
from slack_emulator.state import Workspace
from slack_emulator.uploads import FileShare, UploadedFile, upload_bytes
from slack_emulator.validation import check_blocks, with_block_ids

UPLOAD_PATH = "/upload/v1/"
MAX_ALT_TXT_CHARS = 1000  # alt_txt_too_large
MAX_SNIPPET_BYTES = 1024 * 1024  # snippet_too_large: "snippets are limited to 1MB"
MAX_SHARE_CHANNELS = 100  # channels_limit_exceeded


def get_upload_url(call: MethodCall) -> JSON:
    """``files.getUploadURLExternal``: a new file id and the one-use URL to POST its bytes to."""
    length = call.args.integer("length", 0)
    if length == 0:
        raise ApiError("missing_argument")  # Slack: "typically only occurs when the length provided is 0"
    if length < 0:
        raise invalid_arguments(["[ERROR] invalid `length`: must be a positive number of bytes"])
    alt_txt = call.args.opt_text("alt_txt")
    if alt_txt is not None and len(alt_txt) > MAX_ALT_TXT_CHARS:
        raise ApiError("alt_txt_too_large")
    snippet_type = call.args.opt_text("snippet_type")
    if snippet_type is not None and length > MAX_SNIPPET_BYTES:
        raise ApiError("snippet_too_large")
    file = UploadedFile(
        id=call.ws.mint_id("F"),
        name=call.args.text("filename"),
        length=length,
        user=call.caller.id,
        created=call.ws.now(),
        ticket=secrets.token_urlsafe(24),
        alt_txt=alt_txt,
        snippet_type=snippet_type,
    )
    call.ws.files[file.id] = file
    return {"ok": True, "upload_url": f"{call.base_url}{UPLOAD_PATH}{file.ticket}", "file_id": file.id}


def receive_upload(ws: Workspace, ticket: str, content_type: str, body: bytes) -> tuple[int, str]:
    """A POST to an upload URL: the HTTP status and the plain-text answer (see the module doc)."""
    with ws.lock:
        file = next((f for f in ws.files.values() if f.ticket == ticket and f.content is None), None)
        if file is None:
            return 404, "unknown or already used upload URL: call files.getUploadURLExternal for a new one\n"
        data = upload_bytes(content_type, body)
        if len(data) != file.length:
            return 400, f"received {len(data)} bytes, files.getUploadURLExternal announced {file.length}\n"
        file.content = data
        return 200, f"OK - {len(data)}"


def files_to_complete(call: MethodCall) -> list[tuple[UploadedFile, str]]:
    """The files named by ``files`` with their titles; ``file_not_found`` for an id that is unknown,
    whose bytes never arrived, or whose upload was already completed."""
    entries: Any = call.args.json_value("files")
    if (
        not isinstance(entries, list)
        or not entries
        or not all(isinstance(entry, dict) and isinstance(entry.get("id"), str) for entry in entries)
    ):
        raise invalid_arguments(["[ERROR] `files` must be a JSON array of objects with an `id` [json-pointer:/files]"])
    found: list[tuple[UploadedFile, str]] = []
    for entry in entries:
        file = call.ws.files.get(entry["id"])
        if file is None or file.content is None or file.completed:
            raise ApiError("file_not_found")
        found.append((file, str(entry.get("title") or file.name)))
    return found


def share_targets(call: MethodCall) -> list[Channel]:
    """The conversations of ``channel_id`` and ``channels`` (ids, or user ids for a direct message),
    each once; the caller must be a member of each."""
    listed = call.args.items("channels")
    if len(listed) > MAX_SHARE_CHANNELS:
        raise ApiError("channels_limit_exceeded")
    channel_id = call.args.opt_text("channel_id")
    targets = [call.conversation(channel_id)] if channel_id is not None else []
    targets += [call.conversation(value, error="invalid_channel") for value in listed]
    unique = list({channel.id: channel for channel in targets}.values())
    if any(call.caller.id not in channel.members for channel in unique):
        raise ApiError("not_in_channel")
    return unique


def share_kind(channel: Channel) -> str:
    """How a file object lists a conversation: ``ims``, ``groups`` (private) or ``channels``."""
    if channel.is_im:
        return "ims"
    return "groups" if channel.is_private else "channels"


def complete_upload(call: MethodCall) -> JSON:
    """``files.completeUploadExternal``: finish the uploads and share them (see the module doc).

    Without a channel the files stay private to the caller. ``blocks`` are used only without an
    ``initial_comment``, as Slack documents."""
    files = files_to_complete(call)
    targets = share_targets(call)
    thread_ts = call.args.opt_text("thread_ts")
    if thread_ts is not None and len(targets) > 1:
        raise invalid_arguments(["[ERROR] `thread_ts` needs exactly one channel"])
    text = call.args.text("initial_comment")
    blocks = [] if text else with_block_ids(check_blocks(call.args.json_value("blocks")))
    for file, title in files:
        file.title = title
        file.completed = True
    messages = [
        call.ws.post(channel.id, call.caller.id, text, blocks=blocks, subtype="file_share", thread_ts=thread_ts)
        for channel in targets
    ]
    for channel, message in zip(targets, messages, strict=True):
        for file, _ in files:
            file.shares[channel.id] = FileShare(ts=message.ts, kind=share_kind(channel))
    shown = [file.to_slack(team_id=call.ws.team_id, base_url=call.base_url) for file, _ in files]
    for message in messages:
        message.upload = True
        message.files = copy.deepcopy(shown)
    return {"ok": True, "files": shown}


HANDLERS: dict[str, Handler] = {
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
}
