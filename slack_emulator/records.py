"""The things a Slack workspace holds (users, channels, messages, views...) and their JSON shapes.

Each record is a plain mutable dataclass owned by the ``Workspace`` and changed only under its
lock; ``to_slack()`` renders the object the way the Web API returns it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

JSON = dict[str, Any]


def ts_micros(ts: str) -> int:
    """A Slack ts (``"1645114260.000100"``) as integer microseconds, for exact ordering.

    Raises ``decimal.InvalidOperation`` when ``ts`` is not a number.
    """
    return int(Decimal(ts) * 1_000_000)


@dataclass
class User:
    """A workspace member (or the bot user)."""

    id: str
    name: str
    real_name: str
    team_id: str
    tz: str = "Asia/Kolkata"
    locale: str = "en-US"
    is_bot: bool = False
    is_admin: bool = False
    is_restricted: bool = False
    is_ultra_restricted: bool = False
    deleted: bool = False

    def to_slack(self, now: float, *, include_locale: bool = False) -> JSON:
        """The user object of ``users.info``; its ``locale`` only when asked for, as Slack does."""
        offset = datetime.fromtimestamp(now, UTC).astimezone(ZoneInfo(self.tz)).utcoffset()
        locale = {"locale": self.locale} if include_locale else {}
        return {
            **locale,
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "profile": {
                "real_name": self.real_name,
                "display_name": self.name,
                "real_name_normalized": self.real_name,
                "display_name_normalized": self.name,
                "team": self.team_id,
            },
            "is_admin": self.is_admin,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": self.is_restricted,
            "is_ultra_restricted": self.is_ultra_restricted,
            "is_bot": self.is_bot,
            "is_app_user": False,
        }


@dataclass
class UserGroup:
    """A user group (Slack's "subteam"): people mentioned together as ``@handle``."""

    id: str
    team_id: str
    handle: str
    name: str
    created: int
    created_by: str
    description: str = ""
    users: list[str] = field(default_factory=list)
    updated: int = 0
    deleted: int = 0  # when it was disabled (0: enabled)

    def to_slack(self, *, include_users: bool = False, include_count: bool = False) -> JSON:
        """The usergroup object of ``usergroups.list`` and the ``subteam_*`` events."""
        data: JSON = {
            "id": self.id,
            "team_id": self.team_id,
            "is_usergroup": True,
            "is_subteam": True,
            "name": self.name,
            "description": self.description,
            "handle": self.handle,
            "is_external": False,
            "date_create": self.created,
            "date_update": self.updated or self.created,
            "date_delete": self.deleted,
            "auto_type": None,
            "auto_provision": False,
            "enterprise_subteam_id": "",
            "created_by": self.created_by,
            "updated_by": self.created_by,
            "deleted_by": None,
            "prefs": {"channels": [], "groups": []},
        }
        if include_users:
            data["users"] = list(self.users)
        if include_count:
            data["user_count"] = len(self.users)
        return data


@dataclass
class Topic:
    """A channel's topic or purpose."""

    value: str = ""
    creator: str = ""
    last_set: int = 0

    def to_slack(self) -> JSON:
        """The ``{value, creator, last_set}`` object."""
        return {"value": self.value, "creator": self.creator, "last_set": self.last_set}


@dataclass
class Channel:
    """A conversation: a public or private channel, a direct message (``is_im``) or a group direct
    message (``is_mpim``, private too)."""

    id: str
    name: str
    created: int
    creator: str
    is_private: bool = False
    is_im: bool = False
    is_mpim: bool = False
    is_general: bool = False
    is_archived: bool = False
    topic: Topic = field(default_factory=Topic)
    purpose: Topic = field(default_factory=Topic)
    members: list[str] = field(default_factory=list)

    @property
    def hidden(self) -> bool:
        """Seen only by its members: Slack answers ``channel_not_found`` to anyone else."""
        return self.is_private or self.is_im or self.is_mpim

    def to_slack(self, viewer: str, *, num_members: bool = False) -> JSON:
        """The conversation object as ``viewer`` (the caller) sees it: a direct message has the
        spec's shorter IM object (no name, no ``is_private``: the other person's id as ``user``)."""
        if self.is_im:
            return {
                "id": self.id,
                "created": self.created,
                "is_archived": self.is_archived,
                "is_im": True,
                "is_org_shared": False,
                "user": next((member for member in self.members if member != viewer), viewer),
                "is_user_deleted": False,
                "priority": 0,
            }
        data: JSON = {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_mpim,  # a private channel (a C id) is a channel too, as Slack says since 2021
            "is_group": False,
            "is_im": False,
            "is_mpim": self.is_mpim,
            "is_private": self.is_private,
            "is_general": self.is_general,
            "is_archived": self.is_archived,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "created": self.created,
            "creator": self.creator,
            "is_member": viewer in self.members,
            "topic": self.topic.to_slack(),
            "purpose": self.purpose.to_slack(),
        }
        if num_members:
            data["num_members"] = len(self.members)
        return data


@dataclass
class Reaction:
    """One emoji on a message and who added it."""

    name: str
    users: list[str] = field(default_factory=list)


@dataclass
class Message:
    """A message in a channel, as stored by Slack."""

    channel: str
    ts: str
    user: str
    text: str = ""
    blocks: list[JSON] = field(default_factory=list)
    bot_id: str | None = None
    app_id: str | None = None
    subtype: str | None = None
    thread_ts: str | None = None
    edited: JSON | None = None
    pinned: bool = False
    reactions: list[Reaction] = field(default_factory=list)
    attachments: list[JSON] = field(default_factory=list)  # legacy attachments (alert integrations)
    files: list[JSON] = field(default_factory=list)  # a file share's files
    username: str | None = None  # an integration's name as it posted
    bot_profile: JSON | None = None  # the posting app's bot user (name, icons)
    metadata: JSON | None = None  # the app's message metadata (``event_type``, ``event_payload``)
    upload: bool = False  # a file share made by the poster's own upload (files.completeUploadExternal)

    def to_slack(self, team_id: str, *, with_metadata: bool = False) -> JSON:
        """The message object of ``conversations.history`` and interaction payloads; its
        ``metadata`` only when asked for (``include_all_metadata``), as Slack does."""
        data: JSON = {"type": "message", "text": self.text, "ts": self.ts}
        if self.user:  # an integration's message (subtype bot_message) has no user
            data["user"] = self.user
        data["team"] = team_id
        for name in ("attachments", "files", "username", "bot_profile"):
            if getattr(self, name):
                data[name] = copy.deepcopy(getattr(self, name))
        if self.subtype:
            data["subtype"] = self.subtype
        if self.upload:
            data["upload"] = True
        if self.bot_id:
            data["bot_id"] = self.bot_id
            data["app_id"] = self.app_id
        if self.blocks:
            data["blocks"] = copy.deepcopy(self.blocks)
        if self.thread_ts:
            data["thread_ts"] = self.thread_ts
        if self.edited:
            data["edited"] = dict(self.edited)
        if self.pinned:
            data["pinned_to"] = [self.channel]
        if self.reactions:
            data["reactions"] = [
                {"name": r.name, "users": list(r.users), "count": len(r.users)} for r in self.reactions
            ]
        if with_metadata and self.metadata is not None:
            data["metadata"] = copy.deepcopy(self.metadata)
        return data


@dataclass
class Ephemeral:
    """A message only ``user`` sees in ``channel``.

    ``source`` says where it came from: ``chat.postEphemeral``, ``command_ack`` (the body of a
    slash command's ack), ``response_url`` (an ephemeral reply posted there) or ``slack`` (Slack's
    own error, e.g. ``/incident failed with the error "operation_timeout"``).
    """

    channel: str
    user: str
    ts: str
    text: str = ""
    blocks: list[JSON] = field(default_factory=list)
    source: str = "chat.postEphemeral"


@dataclass
class View:
    """A modal opened for a user; ``is_open`` turns false once submitted or closed."""

    id: str
    user: str
    team_id: str
    app_id: str
    bot_id: str
    body: JSON
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    is_open: bool = True
    # what the app offered in each menu of external options, by block id then option value: a
    # person can choose only those, and Slack submits each with the text it was shown with
    offered: dict[str, dict[str, JSON]] = field(default_factory=dict)

    def to_slack(self, state_values: JSON | None = None) -> JSON:
        """The view object Slack returns and puts in ``view_submission`` payloads."""
        data: JSON = {
            "id": self.id,
            "team_id": self.team_id,
            "type": self.body.get("type", "modal"),
            "blocks": copy.deepcopy(self.body.get("blocks", [])),
            "private_metadata": self.body.get("private_metadata", ""),
            "callback_id": self.body.get("callback_id", ""),
            "state": {"values": state_values or {}},
            "hash": self.hash,
            "title": self.body.get("title"),
            "clear_on_close": bool(self.body.get("clear_on_close", False)),
            "notify_on_close": bool(self.body.get("notify_on_close", False)),
            "close": self.body.get("close"),
            "submit": self.body.get("submit"),
            "previous_view_id": self.previous_view_id,
            "root_view_id": self.root_view_id,
            "app_id": self.app_id,
            "external_id": self.body.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        return data


@dataclass
class Trigger:
    """A trigger id minted for a user interaction; exchangeable once, for a few seconds."""

    id: str
    user: str
    minted_at: float
    used: bool = False


@dataclass
class ResponseUrl:
    """A response URL handed to the app with one interaction, and where its posts land."""

    id: str
    user: str
    channel: str | None
    source: str
    message_ts: str | None = None
    uses: int = 0


@dataclass(frozen=True)
class ResponseUrlPost:
    """One POST the app made to a response URL."""

    url_id: str
    body: JSON
    status: int
