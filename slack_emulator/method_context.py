"""What a Web API method handler receives, and the look-ups that answer Slack's usual errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from slack_emulator.arguments import ApiError, Args
from slack_emulator.records import JSON, Channel, Message, User
from slack_emulator.state import Workspace


@dataclass(frozen=True)
class MethodCall:
    """One authenticated call: the workspace, the arguments, who calls, the emulator's base URL."""

    ws: Workspace
    args: Args
    caller: User
    base_url: str

    def channel(self, name: str = "channel") -> Channel:
        """The channel named by argument ``name`` (id, ``#name`` or a user id for a DM).

        Raises ``channel_not_found`` when there is none, or when it is private (a private channel,
        a direct message or a group direct message) and the caller is not a member (Slack hides those).
        """
        return self.conversation(self.args.opt_text(name))

    def conversation(self, value: str | None, *, error: str = "channel_not_found") -> Channel:
        """The conversation ``value`` names (see ``channel``); raises ``error`` when there is none."""
        if value is None:
            raise ApiError(error)
        user = self.ws.users.get(value)
        if user is not None and value.startswith(("U", "W")):
            return self.ws.direct_channel(user.id)
        channel = self.ws.channel(value)
        if channel is None or (channel.hidden and self.caller.id not in channel.members):
            raise ApiError(error)
        return channel

    def member_channel(self, name: str = "channel") -> Channel:
        """Like ``channel``, and raises ``not_in_channel`` when the caller is not a member."""
        channel = self.channel(name)
        if self.caller.id not in channel.members:
            raise ApiError("not_in_channel")
        return channel

    def message(self, channel: Channel, name: str) -> Message:
        """The message whose ts is argument ``name``; raises ``message_not_found``."""
        ts = self.args.opt_text(name)
        message = self.ws.message(channel.id, ts) if ts is not None else None
        if message is None:
            raise ApiError("message_not_found")
        return message

    def user(self, user_id: str) -> User:
        """The user with this id; raises ``user_not_found``."""
        user = self.ws.users.get(user_id)
        if user is None or user.deleted:
            raise ApiError("user_not_found")
        return user


Handler = Callable[[MethodCall], JSON]
