"""Web API calls the delivery makes in more than one step or with tolerated answers.

Errors that are not tolerated here propagate as `SlackApiError`, for `bot.outbox.failures.classify`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http.client import HTTPException
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.declared import DIRECT_MESSAGE_PREFIX, Conversation, conversation_from
from bot.metrics import client_like
from bot.outbox.attempts import LOOKUP_LIMIT, NOTHING_POSTED, Attempt, Posted, posted
from bot.render.text import FALLBACK_LIMIT, section, split_text

log = logging.getLogger(__name__)

# conversations.info before a views.open whose trigger lasts 3 s from the click: one try, 1 s at most.
CONVERSATION_TIMEOUT_SECONDS = 1
HARMLESS_ERRORS = frozenset({"already_in_channel", "already_pinned", "already_reacted", "cant_invite_self"})
# chat.postEphemeral's answers when the bot cannot speak where the person opened the modal.
UNREACHABLE_ORIGIN = frozenset({"channel_not_found", "not_in_channel", "user_not_in_channel", "is_archived"})


def error_code(error: SlackApiError) -> str | None:
    code = error.response.get("error")
    return None if code is None else str(code)


def tolerate(method: Callable[..., Any], **arguments: Any) -> None:
    """Call a Web API method whose 'already done' answers count as success (already pinned, ...)."""
    try:
        method(**arguments)
    except SlackApiError as error:
        if error_code(error) not in HARMLESS_ERRORS:
            raise


def update_in_channel(client: WebClient, channel: str, ts: str, **message: Any) -> bool:
    """chat.update of a message in the incident's channel; False when Slack has no such message
    there: posted in the public channel a private incident has left (docs/behaviour.md, Private
    incidents), or deleted."""
    try:
        client.chat_update(channel=channel, ts=ts, **message)
    except SlackApiError as error:
        if error_code(error) != "message_not_found":
            raise
        return False
    return True


def post_joining(client: WebClient, channel: str, **message: Any) -> str:
    """chat.postMessage (returns the ts), joining the public channel first if the bot is not in it."""
    try:
        return str(client.chat_postMessage(channel=channel, **message)["ts"])
    except SlackApiError as error:
        if error_code(error) != "not_in_channel":
            raise
    client.conversations_join(channel=channel)
    return str(client.chat_postMessage(channel=channel, **message)["ts"])


def posted_before(client: WebClient, channel: str, attempt: Attempt, *, always: bool = False) -> Posted:
    """What an ambiguously failed earlier attempt at this batch posted in `channel`, read from the
    channel's newest messages; nothing for a first attempt or a clean failure, unless `always`
    (work of several calls, where a later call's clean failure leaves the first one's post)."""
    if not (attempt.maybe_sent or always):
        return NOTHING_POSTED
    try:
        page = client.conversations_history(channel=channel, include_all_metadata=True, limit=LOOKUP_LIMIT)
    except SlackApiError as error:
        if error_code(error) == "not_in_channel":  # nothing can have been posted there yet
            return NOTHING_POSTED
        raise
    return posted(list(page.get("messages") or []), attempt.effect_ids)


def post_notice_once(client: WebClient, channel: str, attempt: Attempt, text: str) -> bool:
    """The bot's own words (mrkdwn, people's text already escaped) posted in `channel`, unless an
    ambiguously failed earlier attempt already did: True when posted now."""
    if posted_before(client, channel, attempt):
        return False
    client.chat_postMessage(
        channel=channel, blocks=[section(text)], text=split_text(text, FALLBACK_LIMIT)[0], metadata=attempt.metadata()
    )
    return True


def find_channel(client: WebClient, name: str) -> dict[str, Any] | None:
    """The unarchived channel called `name` (public, or private with the bot in it), paging
    through conversations.list."""
    cursor = None
    while True:
        page = client.conversations_list(
            types="public_channel,private_channel", exclude_archived=True, limit=1000, cursor=cursor
        )
        channels: list[dict[str, Any]] = page.get("channels") or []
        for channel in channels:
            if channel.get("name") == name:
                return dict(channel)
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None


def thread_of(client: WebClient, channel: str, ts: str) -> list[dict[str, Any]]:
    """The thread holding message `ts` (its parent and the replies at `ts`); [] when none."""
    try:
        thread = client.conversations_replies(channel=channel, ts=ts, latest=ts, oldest=ts, inclusive=True)
    except SlackApiError as error:
        if error_code(error) == "thread_not_found":
            return []
        raise
    return list(thread.get("messages") or [])


def tell_ephemeral_or_directly(client: WebClient, *, origin: str | None, user: str, text: str) -> bool:
    """An ephemeral message to `user` in `origin`, or a direct message from the app where Slack will
    not take one (a DM or private channel the bot is not in); True when it went as a direct message."""
    if origin:
        try:
            client.chat_postEphemeral(channel=origin, user=user, text=text)
            return False
        except SlackApiError as error:
            if error_code(error) not in UNREACHABLE_ORIGIN:
                raise
    client.chat_postMessage(channel=user, text=text)
    return True


def conversation_of(client: WebClient, channel: str) -> Conversation:
    """What Slack says of the conversation `channel` (bot.domain.declared.Conversation): a direct
    message by its id, without a call; else `conversations.info`, one try of at most
    `CONVERSATION_TIMEOUT_SECONDS`. `channel_not_found` is UNSEEN (Slack says it both of a
    private conversation the bot is not in and of one deleted); any other error, a timeout or an
    answer without the flags is UNANSWERED. Never raises: the caller ticks the Private box for
    everything but PUBLIC."""
    if channel.startswith(DIRECT_MESSAGE_PREFIX):
        return Conversation.DM
    try:
        answer = client_like(client, timeout=CONVERSATION_TIMEOUT_SECONDS).conversations_info(channel=channel)
    except SlackApiError as error:
        if error_code(error) == "channel_not_found":
            return Conversation.UNSEEN
        log.warning("conversations.info for %s failed (%s): taken as private", channel, error_code(error))
        return Conversation.UNANSWERED
    except (OSError, ValueError, HTTPException) as error:  # a timeout, a refused connection, a cut or non-JSON answer
        log.warning("conversations.info for %s did not answer (%s): taken as private", channel, error)
        return Conversation.UNANSWERED
    found = answer.get("channel")
    return conversation_from(found) if isinstance(found, dict) else Conversation.UNANSWERED
