"""What a workspace admin does that Slack tells the app about: members changing and joining,
user groups created, changed and disabled.

``AdminActions`` (``emulator.admin``) changes a member as Slack's admin pages would, then sends
the app the event Slack sends to apps with ``users:read``: ``user_change`` with the whole new
user object, or ``team_join`` for a newcomer. User groups send what apps with
``usergroups:read`` get: ``subteam_created``, ``subteam_updated`` (the whole group with its
members, also when it is disabled) and, when its members change, ``subteam_members_changed``
(who was added and removed) as well. Slack delivers these whatever channels the bot is in. Every
action returns the app's ``AppResponse`` (the last one's, when it sends two events).
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from slack_emulator import payloads
from slack_emulator.app_connection import AppResponse, AppTransport
from slack_emulator.records import JSON, User, UserGroup
from slack_emulator.state import GENERAL, Workspace


class AdminActions:
    """A workspace admin's actions (``emulator.admin``)."""

    def __init__(self, *, ws: Workspace, connection: Callable[[], AppTransport]) -> None:
        self.ws = ws
        self._connection = connection

    def _user(self, user: str) -> User:
        found = self.ws.user(user)
        if found is None:
            raise KeyError(user)
        return found

    def turn_into_guest(self, user: str, *, single_channel: bool = False) -> AppResponse:
        """Make a full member (id or name) a guest (``single_channel``: a single-channel guest)."""
        return self._change(user, is_restricted=True, is_ultra_restricted=single_channel)

    def turn_into_member(self, user: str) -> AppResponse:
        """Make a guest (id or name) a full member."""
        return self._change(user, is_restricted=False, is_ultra_restricted=False)

    def deactivate(self, user: str) -> AppResponse:
        """Deactivate an account (id or name): it stays in users.list with ``deleted: true``."""
        return self._change(user, deleted=True)

    def _change(self, user: str, **changes: bool) -> AppResponse:
        connection = self._connection()
        with self.ws.lock:
            changed = self._user(user)
            for name, value in changes.items():
                setattr(changed, name, value)
            envelope = self._event("user_change", changed, cache_ts=self.ws.now())
        return connection.send_event(envelope)

    def restrict_renaming(self, restricted: bool = True) -> None:
        """Let only workspace admins rename channels (Settings & permissions): apps are refused with
        ``not_authorized``, even for channels they created. Slack sends the app no event for it."""
        with self.ws.lock:
            self.ws.renaming_restricted = restricted

    def restrict_archiving(self, restricted: bool = True) -> None:
        """Let only workspace admins archive channels (Settings & permissions): apps are refused
        with ``restricted_action``. Slack sends the app no event for it."""
        with self.ws.lock:
            self.ws.archiving_restricted = restricted

    def join(self, name: str, *, real_name: str | None = None, guest: bool = False) -> tuple[User, AppResponse]:
        """A new person joins the workspace (and #general, as Slack does for members).

        Returns a copy of the new user and the app's response to ``team_join``."""
        connection = self._connection()
        with self.ws.lock:
            user = self.ws.add_user(name, real_name=real_name, is_restricted=guest)
            if not guest:
                self.ws.join(GENERAL, user.id)
            envelope = self._event("team_join", user)
        return copy.deepcopy(user), connection.send_event(envelope)

    def create_usergroup(self, handle: str, *, members: list[str], name: str | None = None) -> AppResponse:
        """A new user group ``@handle`` of these people (names or ids): ``subteam_created``."""
        connection = self._connection()
        with self.ws.lock:
            group = self.ws.add_usergroup(handle, users=members, name=name)
            envelope = self._group_event("subteam_created", group)
        return connection.send_event(envelope)

    def set_usergroup_members(self, handle: str, members: list[str]) -> AppResponse:
        """The group's members are now these people (names or ids), as when an on-call schedule
        hands over: ``subteam_updated``, then ``subteam_members_changed``."""
        connection = self._connection()
        with self.ws.lock:
            group = self._usergroup(handle)
            before = list(group.users)
            group.users = [self.ws.user_id(member) for member in members]
            previous, group.updated = group.updated or group.created, self.ws.now()
            updated = self._group_event("subteam_updated", group)
            delta: JSON = {
                "type": "subteam_members_changed",
                "subteam_id": group.id,
                "team_id": self.ws.team_id,
                "date_previous_update": previous,
                "date_update": group.updated,
                "added_users": [user for user in group.users if user not in before],
                "added_users_count": str(len([user for user in group.users if user not in before])),
                "removed_users": [user for user in before if user not in group.users],
                "removed_users_count": str(len([user for user in before if user not in group.users])),
                "event_ts": f"{self.ws.clock():.6f}",
            }
            changed = payloads.event_callback(
                self.ws, event=delta, event_id=self.ws.mint_id("Ev"), event_time=self.ws.now()
            )
        connection.send_event(updated)
        return connection.send_event(changed)

    def disable_usergroup(self, handle: str) -> AppResponse:
        """The group is disabled (its handle no longer mentions anyone): ``subteam_updated``."""
        connection = self._connection()
        with self.ws.lock:
            group = self._usergroup(handle)
            group.deleted = group.updated = self.ws.now()
            envelope = self._group_event("subteam_updated", group)
        return connection.send_event(envelope)

    def _usergroup(self, handle: str) -> UserGroup:
        found = self.ws.usergroup(handle)
        if found is None:
            raise KeyError(handle)
        return found

    def _group_event(self, kind: str, group: UserGroup) -> JSON:
        event: JSON = {
            "type": kind,
            "subteam": group.to_slack(include_users=True, include_count=True),
            "event_ts": f"{self.ws.clock():.6f}",
        }
        return payloads.event_callback(self.ws, event=event, event_id=self.ws.mint_id("Ev"), event_time=self.ws.now())

    def _event(self, kind: str, user: User, **fields: object) -> JSON:
        event: JSON = {"type": kind, "user": user.to_slack(self.ws.clock()), **fields}
        event["event_ts"] = f"{self.ws.clock():.6f}"
        return payloads.event_callback(self.ws, event=event, event_id=self.ws.mint_id("Ev"), event_time=self.ws.now())
