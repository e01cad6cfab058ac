"""channel.vacate: the public channel a private incident left, made honest and quiet once the move
is made (docs/behaviour.md, Private incidents): its card replaced by a notice, its topic too, its
name no longer the incident's title (`inc-7-moved`), a note left, and the channel archived when
Slack lets the bot.

It goes in a lane apart (`FORMER_LANE`): Slack failing on the old channel (5xx, 429, a refusal)
retries or gives up this work alone and never holds back the private channel's; it waits only for
`channel.leave` (`MOVED_LANE`), which settles once the move did or did not happen. Each step is
safe to do again: a retry starts over and finds what an earlier attempt did (the name already
changed, the note already posted, the channel archived)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.incident import Incident
from bot.outbox.effect import FORMER_LANE, MOVED_LANE, Effect, Sending
from bot.outbox.results import Nothing
from bot.outbox.slack_calls import error_code, post_joining, posted_before, update_in_channel
from bot.render import moves
from bot.render.actions import CARD_BLOCK
from bot.render.channels import channel_name
from bot.render.text import section

NAME_TRIES = 20
HISTORY_PAGE, HISTORY_PAGES = 200, 10  # where a card posted after the click is looked for: the newest 2,000 messages
# conversations.archive's answers when the bot may not archive the channel: said in the note.
ARCHIVE_REFUSED = frozenset(
    {"restricted_action", "not_authorized", "missing_scope", "cant_archive_general", "cant_archive_required"}
)
# conversations.rename's answers when the bot may not rename it (only admins may, here): the name stays.
RENAME_REFUSED = frozenset(
    {"not_authorized", "restricted_action", "user_is_restricted", "method_not_supported_for_channel_type"}
)
# chat.update's answers for a card that can no longer be edited (deleted, or not the bot's): left as it is.
CARD_GONE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})


@dataclass(frozen=True)
class VacateChannel(Effect):
    """`from_channel`, the public channel left; `card_ts`, the card the bot had pinned there when the
    move was clicked (None: not posted yet, Slack being slow: then it is looked for among the
    channel's messages, the card the bot pinned, and no other message a member pinned)."""

    kind: ClassVar[str] = "channel.vacate"
    lane: ClassVar[str | None] = FORMER_LANE
    after: ClassVar[str | None] = MOVED_LANE
    lane_apart: ClassVar[bool] = True
    from_channel: str
    card_ts: str | None = None

    def send(self, slack: Sending) -> Nothing:
        view = slack.about()
        incident, old, client = view.incident, self.from_channel, slack.client
        if incident.channel_id in (None, old):  # the new channel was never made: the old one stays its own
            return Nothing(note="the incident did not move: its channel stays")
        try:
            channel: dict[str, Any] = client.conversations_info(channel=old)["channel"]
        except SlackApiError as error:
            if error_code(error) == "channel_not_found":
                return Nothing(note="the old channel is gone")
            raise
        if channel.get("is_archived"):
            return Nothing(note="archived already")
        if not channel.get("is_member"):
            client.conversations_join(channel=old)  # removed meanwhile: a public channel takes it back
        done = []
        card = self.card_ts or _pinned_by(client, old, slack.bot_user_id())  # posted after the click, then
        if card is not None and _replace_card(client, old, card, incident):
            done.append("card replaced")
        client.conversations_setTopic(channel=old, topic=moves.former_topic(incident))
        done.append("topic replaced")
        name = _rename(client, old, str(channel.get("name") or ""), incident)
        done.append(f"renamed #{name}" if name else "not renamed")
        text = moves.pointer(incident, view.names)
        ts = posted_before(client, old, slack.attempt, always=True).ts(slack.attempt.effect_id)
        if ts is None:
            ts = post_joining(client, old, text=text, metadata=slack.attempt.metadata())
        try:
            client.conversations_archive(channel=old)
        except SlackApiError as error:
            code = error_code(error)
            if code == "already_archived":
                return Nothing(note=", ".join([*done, "archived already"]))
            if code not in ARCHIVE_REFUSED:
                raise
            client.chat_update(channel=old, ts=ts, text=moves.pointer(incident, view.names, archive_refused=code))
            return Nothing(note=", ".join([*done, f"not archived: {code}"]))
        return Nothing(note=", ".join([*done, "archived"]))


def _pinned_by(client: WebClient, channel: str, bot_user_id: str) -> str | None:
    """The ts of the incident's card the bot pinned in `channel`, for a move clicked before the card
    was posted; None when there is none. The card is told by its buttons' block (`CARD_BLOCK`):
    a member may have pinned another of the bot's messages (a timeline line, a notice), which
    stays as it is."""
    cursor = None
    for _ in range(HISTORY_PAGES):
        page = client.conversations_history(channel=channel, limit=HISTORY_PAGE, cursor=cursor)
        for message in page.get("messages") or []:
            pinned = message.get("user") == bot_user_id and channel in (message.get("pinned_to") or [])
            if pinned and _is_card(message):
                return str(message["ts"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    return None


def _is_card(message: dict[str, Any]) -> bool:
    """Whether a message of the channel's history is an incident's card (`bot.render.blocks.card`)."""
    return any(isinstance(block, dict) and block.get("block_id") == CARD_BLOCK for block in message.get("blocks") or [])


def _replace_card(client: WebClient, channel: str, ts: str, incident: Incident) -> bool:
    """The card's words and buttons replaced by the notice; False when the card can no longer be edited."""
    notice = moves.former_card(incident)
    try:
        return update_in_channel(client, channel, ts, text=notice, blocks=[section(notice)])
    except SlackApiError as error:
        if error_code(error) not in CARD_GONE:
            raise
        return False


def _rename(client: WebClient, channel: str, current: str, incident: Incident) -> str | None:
    """The channel renamed `inc-<n>-moved` (a suffix while that is taken); its name, or None when
    Slack lets only admins rename it or every name tried is taken."""
    for attempt in range(1, NAME_TRIES + 1):
        name = channel_name(incident.number, moves.MOVED_WORD, attempt)
        if name == current:  # renamed by an earlier attempt whose answer was lost
            return name
        try:
            client.conversations_rename(channel=channel, name=name)
            return name
        except SlackApiError as error:
            code = error_code(error)
            if code in RENAME_REFUSED:
                return None
            if code != "name_taken":
                raise
    return None
