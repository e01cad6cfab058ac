"""The emulated Slack workspace: users, channels, messages, views, triggers, response URLs, files.

One ``Workspace`` is shared by the HTTP handler threads and the test's thread: every read or
change happens under ``workspace.lock`` (re-entrant). It starts with the team ``T0EMULATOR``,
the bot user ``U0BOT`` (``incident-bot``), four people (alice and bob full members, gina a guest,
ursula a single-channel guest) and the channels ``#general``, ``#incidents`` and ``#status``,
which the bot has not joined.
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from collections.abc import Callable

from slack_emulator.records import (
    JSON,
    Channel,
    Ephemeral,
    Message,
    ResponseUrl,
    ResponseUrlPost,
    Topic,
    Trigger,
    User,
    UserGroup,
    View,
)
from slack_emulator.uploads import UploadedFile

TEAM_ID = "T0EMULATOR"
TEAM_DOMAIN = "emulator"
TEAM_NAME = "Emulator"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
APP_ID = "A0EMULATOR"
BOT_NAME = "incident-bot"
BOT_TOKEN = "xoxb-emulator-token"  # noqa: S105 - a fixed fake token, only valid against the emulator
GENERAL = "C0GENERAL"
ANNOUNCE = "C0ANNOUNCE"
STATUS = "C0STATUS"
TRIGGER_TTL_SECONDS = 3.0
RESPONSE_URL_MAX_USES = 5


def wall_clock() -> float:
    """``time.time()``, looked up at each call so that freezegun's frozen time applies."""
    return time.time()


def monotonic_clock() -> float:
    """``time.monotonic()``, looked up at each call (trigger ids expire by it)."""
    return time.monotonic()


class Workspace:
    """The whole mutable state of the emulated workspace, guarded by ``lock``.

    ``clock`` gives message timestamps and times shown; ``monotonic`` ages trigger ids.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = wall_clock,
        monotonic: Callable[[], float] = monotonic_clock,
        bot_token: str = BOT_TOKEN,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.monotonic = monotonic
        self.bot_token = bot_token
        self.trigger_ttl = TRIGGER_TTL_SECONDS
        self.team_id = TEAM_ID
        self.team_domain = TEAM_DOMAIN
        self.team_name = TEAM_NAME
        self.bot_id = BOT_ID
        self.app_id = APP_ID
        self.users: dict[str, User] = {}
        self.usergroups: dict[str, UserGroup] = {}  # by id (S...)
        self.channels: dict[str, Channel] = {}
        self.messages: dict[str, list[Message]] = {}
        self.ephemerals: list[Ephemeral] = []
        self.views: dict[str, View] = {}
        self.homes: dict[str, View] = {}  # each person's App Home, as views.publish last published it
        self.triggers: dict[str, Trigger] = {}
        self.response_urls: dict[str, ResponseUrl] = {}
        self.response_url_posts: list[ResponseUrlPost] = []
        self.files: dict[str, UploadedFile] = {}  # by file id, as files.getUploadURLExternal minted them
        self.archiving_restricted = False  # only admins may archive channels (conversations.archive refused)
        self.renaming_restricted = False  # only admins may rename channels (conversations.rename refused)
        self._counter = itertools.count(1)
        self._last_micros: dict[str, int] = {}
        self.bot = self.add_user("incident-bot", real_name="Incident Bot", user_id=BOT_USER_ID, is_bot=True)
        self._seed()

    def _seed(self) -> None:
        people = [
            self.add_user("alice", real_name="Alice Sharma", user_id="U0ALICE"),
            self.add_user("bob", real_name="Bob Martin", user_id="U0BOB", tz="Europe/Paris"),
            self.add_user("gina", real_name="Gina Guest", user_id="U0GINA", is_restricted=True),
            self.add_user(
                "ursula",
                real_name="Ursula Single",
                user_id="U0URSULA",
                is_restricted=True,
                is_ultra_restricted=True,
            ),
        ]
        for channel_id, name in ((GENERAL, "general"), (ANNOUNCE, "incidents"), (STATUS, "status")):
            channel = self.create_channel(name, creator="U0ALICE", channel_id=channel_id)
            channel.is_general = channel_id == GENERAL
            channel.members = [person.id for person in people]

    # ids and timestamps

    def mint_id(self, prefix: str) -> str:
        """A new unique id such as ``C00000007`` or ``V00000012``."""
        with self.lock:
            return f"{prefix}{next(self._counter):08d}"

    def next_ts(self, channel_id: str) -> str:
        """A new message ts in ``channel_id``, strictly greater than the channel's previous one."""
        with self.lock:
            micros = int(self.clock() * 1_000_000)
            micros = max(micros, self._last_micros.get(channel_id, 0) + 1)
            self._last_micros[channel_id] = micros
            return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def now(self) -> int:
        """The current Unix time in whole seconds, by the workspace clock."""
        return int(self.clock())

    # users

    def add_user(
        self,
        name: str,
        *,
        real_name: str | None = None,
        user_id: str | None = None,
        tz: str = "Asia/Kolkata",
        locale: str = "en-US",
        is_bot: bool = False,
        is_admin: bool = False,
        is_restricted: bool = False,
        is_ultra_restricted: bool = False,
    ) -> User:
        """Add a user to the workspace (not to any channel) and return it."""
        with self.lock:
            user = User(
                id=user_id or self.mint_id("U"),
                name=name,
                real_name=real_name or name.capitalize(),
                team_id=self.team_id,
                tz=tz,
                locale=locale,
                is_bot=is_bot,
                is_admin=is_admin,
                is_restricted=is_restricted or is_ultra_restricted,
                is_ultra_restricted=is_ultra_restricted,
            )
            self.users[user.id] = user
            return user

    def user(self, user_id_or_name: str) -> User | None:
        """The user with this id, or failing that this name; None when there is none."""
        with self.lock:
            found = self.users.get(user_id_or_name)
            if found is not None:
                return found
            return next((u for u in self.users.values() if u.name == user_id_or_name), None)

    # user groups

    def add_usergroup(
        self, handle: str, *, users: list[str], name: str | None = None, creator: str = "U0ALICE"
    ) -> UserGroup:
        """A new enabled user group ``@handle`` of these people (ids or names)."""
        with self.lock:
            if any(group.handle == handle for group in self.usergroups.values()):
                raise ValueError(f"a user group is already called @{handle}")
            group = UserGroup(
                id=self.mint_id("S"),
                team_id=self.team_id,
                handle=handle,
                name=name or handle.replace("-", " ").capitalize(),
                created=self.now(),
                created_by=creator,
                users=[self.user_id(user) for user in users],
            )
            self.usergroups[group.id] = group
            return group

    def usergroup(self, id_or_handle: str) -> UserGroup | None:
        """The user group with this id, or this handle (``@`` optional); None when there is none."""
        with self.lock:
            found = self.usergroups.get(id_or_handle)
            if found is not None:
                return found
            handle = id_or_handle.removeprefix("@")
            return next((group for group in self.usergroups.values() if group.handle == handle), None)

    def user_id(self, user_id_or_name: str) -> str:
        """The id of the user with this id or name; KeyError when there is none."""
        found = self.user(user_id_or_name)
        if found is None:
            raise KeyError(user_id_or_name)
        return found.id

    # channels

    def create_channel(
        self, name: str, *, creator: str, is_private: bool = False, channel_id: str | None = None
    ) -> Channel:
        """Create a channel whose only member is ``creator``."""
        with self.lock:
            channel = Channel(
                id=channel_id or self.mint_id("C"),
                name=name,
                created=self.now(),
                creator=creator,
                is_private=is_private,
                members=[creator],
            )
            self.channels[channel.id] = channel
            self.messages[channel.id] = []
            return channel

    def channel(self, channel_id_or_name: str) -> Channel | None:
        """The channel with this id, or with this name (``#`` optional); None when there is none."""
        with self.lock:
            found = self.channels.get(channel_id_or_name)
            if found is not None:
                return found
            name = channel_id_or_name.removeprefix("#")
            return next((c for c in self.channels.values() if c.name == name and not c.is_im), None)

    def direct_channel(self, user_id: str) -> Channel:
        """The direct-message conversation between the bot and ``user_id`` (created on first use)."""
        with self.lock:
            channel_id = f"D{user_id}"
            if channel_id not in self.channels:
                channel = self.create_channel(user_id, creator=self.bot.id, channel_id=channel_id)
                channel.is_im = True
                channel.members = [self.bot.id, user_id]
            return self.channels[channel_id]

    def join(self, channel_id: str, user_id: str) -> None:
        """Make ``user_id`` a member of the channel and post Slack's join message."""
        with self.lock:
            channel = self.channels[channel_id]
            if user_id in channel.members:
                return
            channel.members.append(user_id)
            self.post(channel_id, user_id, f"<@{user_id}> has joined the channel", subtype="channel_join")

    def set_topic(self, channel_id: str, user_id: str, topic: str) -> None:
        """Set the topic and post Slack's ``channel_topic`` message."""
        with self.lock:
            channel = self.channels[channel_id]
            channel.topic = Topic(value=topic, creator=user_id, last_set=self.now())
            self.post(channel_id, user_id, f"<@{user_id}> set the channel topic: {topic}", subtype="channel_topic")

    # messages

    def post(
        self,
        channel_id: str,
        user_id: str,
        text: str,
        *,
        blocks: list[JSON] | None = None,
        subtype: str | None = None,
        thread_ts: str | None = None,
        metadata: JSON | None = None,
    ) -> Message:
        """Store a new message from ``user_id``; bot messages carry the bot and app ids."""
        with self.lock:
            is_bot = user_id == self.bot.id
            message = Message(
                channel=channel_id,
                ts=self.next_ts(channel_id),
                user=user_id,
                text=text,
                blocks=list(blocks or []),
                bot_id=self.bot_id if is_bot else None,
                app_id=self.app_id if is_bot else None,
                subtype=subtype,
                thread_ts=thread_ts,
                metadata=metadata,
            )
            self.messages[channel_id].append(message)
            return message

    def message(self, channel_id: str, ts: str) -> Message | None:
        """The message with this ts in the channel, or None."""
        with self.lock:
            return next((m for m in self.messages.get(channel_id, []) if m.ts == ts), None)

    def post_ephemeral(
        self, channel_id: str, user_id: str, text: str, blocks: list[JSON] | None, *, source: str
    ) -> Ephemeral:
        """Store a message that only ``user_id`` sees in the channel."""
        with self.lock:
            ephemeral = Ephemeral(
                channel=channel_id,
                user=user_id,
                ts=self.next_ts(channel_id),
                text=text,
                blocks=list(blocks or []),
                source=source,
            )
            self.ephemerals.append(ephemeral)
            return ephemeral

    # triggers and response URLs

    def mint_trigger(self, user_id: str) -> str:
        """A fresh trigger id for an interaction by ``user_id``."""
        with self.lock:
            number = next(self._counter)
            trigger = Trigger(
                id=f"{self.now()}.{number}.{secrets.token_hex(16)}",
                user=user_id,
                minted_at=self.monotonic(),
            )
            self.triggers[trigger.id] = trigger
            return trigger.id

    def mint_response_url(
        self, user_id: str, channel_id: str | None, *, source: str, message_ts: str | None = None
    ) -> ResponseUrl:
        """Register a response URL for one interaction (its id is the last path segment)."""
        with self.lock:
            url = ResponseUrl(
                id=f"{next(self._counter)}-{secrets.token_hex(12)}",
                user=user_id,
                channel=channel_id,
                source=source,
                message_ts=message_ts,
            )
            self.response_urls[url.id] = url
            return url
