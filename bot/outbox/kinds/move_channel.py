"""channel.move: a private incident's new private channel, made in place of its public one, with
the public one's members invited (docs/behaviour.md, Private incidents). The card, the timeline
so far and the note left behind follow as effects of their own, queued behind this one."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.domain.incident import Incident
from bot.outbox.effect import Effect, Sending
from bot.outbox.failures import GiveUp
from bot.outbox.results import Result
from bot.outbox.slack_calls import HARMLESS_ERRORS, error_code, find_channel
from bot.render.channels import channel_name
from bot.storage import left_channels, repository

log = logging.getLogger(__name__)

NAME_TRIES = 50
ADOPT_SKEW_SECONDS = 60  # Slack's clock against ours, when telling a channel made for this incident
MEMBERS_PAGE = 200
# conversations.invite's answers for one person who cannot join (a single-channel guest already in
# their one channel, a deactivated account): the others are still invited.
NOT_INVITED = HARMLESS_ERRORS | {"ura_max_channels", "cant_invite", "user_not_found", "user_disabled"}


@dataclass(frozen=True)
class ChannelMoved(Result):
    """The incident's new private channel: its channel from now on (its card is posted anew), and
    `left`, the public one it leaves. Remembered as a step of the send (`Sending.progress`) and
    again when it is done, the channel left with it each time."""

    channel_id: str
    name: str
    left: str

    def remember(self, session: Session, incident_id: int | None) -> None:
        if incident_id is None:
            return
        recorded = repository.set_channel(
            session=session, incident_id=incident_id, channel_id=self.channel_id, channel_name=self.name, private=True
        )
        if not recorded:
            log.warning("channel %s (#%s) is another incident's: not moved there", self.channel_id, self.name)
        elif self.left != self.channel_id:  # what is typed there is answered so from now on
            left_channels.record(session=session, incident_id=incident_id, channel_id=self.left)

    def outcome(self) -> str | None:
        return f"moved to #{self.name}"


@dataclass(frozen=True)
class MoveChannel(Effect):
    """Create the private channel (`inc-<n>-<slug>`, a suffix since the public one has the name),
    then invite everyone in `from_channel`, the public one."""

    kind: ClassVar[str] = "channel.move"
    from_channel: str

    def send(self, slack: Sending) -> ChannelMoved:
        view = slack.about()
        incident = view.incident
        if incident.channel_id is not None and incident.channel_id != self.from_channel:
            # made by an earlier attempt
            moved = ChannelMoved(incident.channel_id, view.channel_name or "", self.from_channel)
        else:
            moved = _create(slack.client, incident, slack.bot_user_id(), self.from_channel)
            slack.progress(moved)  # its channel from now on, before an invitation may fail
        bot = slack.bot_user_id()
        for user in _members(slack.client, self.from_channel):
            if user == bot:
                continue
            try:
                slack.client.conversations_invite(channel=moved.channel_id, users=user)
            except SlackApiError as error:
                if error_code(error) not in NOT_INVITED:
                    raise
        return moved


def _create(client: WebClient, incident: Incident, bot_user_id: str, left: str) -> ChannelMoved:
    for attempt in range(1, NAME_TRIES):
        name = channel_name(incident.number, incident.title, attempt)
        try:
            created = client.conversations_create(name=name, is_private=True)
            return ChannelMoved(channel_id=created["channel"]["id"], name=name, left=left)
        except SlackApiError as error:
            if error_code(error) != "name_taken":
                raise
        existing = find_channel(client, name)
        if existing is not None and _ours_for(incident, existing, bot_user_id):
            return ChannelMoved(existing["id"], name, left)  # made by an attempt that crashed after
    raise GiveUp(f"no free channel name for {incident.name}")


def _ours_for(incident: Incident, channel: dict[str, Any], bot_user_id: str) -> bool:
    """A private channel the bot created for this incident: the one a crash kept it from recording."""
    created = channel.get("created")
    since = incident.opened_at.timestamp() - ADOPT_SKEW_SECONDS
    private = bool(channel.get("is_private")) and bool(channel.get("is_member"))
    return private and channel.get("creator") == bot_user_id and isinstance(created, int) and created >= since


def _members(client: WebClient, channel: str) -> Iterator[str]:
    """Everyone in `channel`, page by page; nobody when Slack no longer has it."""
    cursor = None
    while True:
        try:
            page = client.conversations_members(channel=channel, limit=MEMBERS_PAGE, cursor=cursor)
        except SlackApiError as error:
            if error_code(error) == "channel_not_found":
                return
            raise
        yield from (str(user) for user in page.get("members") or [])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return
