"""Keeping the bot's copy of the workspace's user groups current, so a page to `@oncall-web` (or to a
component's on-call group) reaches its members without asking Slack before the acknowledgement.

Three ways in, as for members (`bot.members`, `bot.member_sync`):
- `UserGroupSync.run()`, in the member sync's round (at start-up and every few hours, one process
  at a time): `usergroups.list` (disabled groups too, so a disabled one stops being paged), then
  each enabled group's members with `usergroups.users.list`; a 429 waits Slack's Retry-After;
- `learn(...)`: the `subteam_created`, `subteam_updated` and `subteam_members_changed` events the
  moment they arrive (an on-call schedule handing over changes its group's members);
- `look_up(group_id)`: a group someone mentions that the bot has never heard of, one
  `usergroups.users.list` call bounded to 1 second, as an unknown member's `users.info` is.

Each description carries Slack's `date_update`; an older one never overwrites a newer one.
A workspace without user groups (Slack's free plan answers `plan_upgrade_required`) or an app
installed before it asked for `usergroups:read` (`missing_scope`) is logged once a round as a
warning: people and components' pages still need no group.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.usergroups import KnownGroup, NoSuchGroup
from bot.member_sync import retry_after
from bot.metrics import client_like
from bot.reading import JsonObject, Malformed
from bot.storage import usergroups
from bot.storage.db import Database

log = logging.getLogger(__name__)

LOOKUP_TIMEOUT_SECONDS = 1  # usergroups.users.list for a group mentioned before the bot heard of it
SYNC_TIMEOUT_SECONDS = 30
MAX_RATE_LIMITED = 20  # 429s in one round before giving up until the next round


# User groups as Slack describes them (`usergroups.list`, the `subteam_*` events), read into typed
# values (`bot.slack.shapes` routes the events here). The events write the user groups table: a
# group's whole description, or who joined and left it.
GROUP_EVENTS = frozenset({"subteam_created", "subteam_updated", "subteam_members_changed"})


@dataclass(frozen=True)
class SlackUserGroup:
    """What Slack says about a user group (`usergroups.list`, a `subteam_*` event)."""

    id: str
    handle: str
    team_id: str = ""
    name: str = ""
    disabled: bool = False
    updated: int = 0  # date_update
    users: tuple[str, ...] | None = None  # None: not given, or cut short (events list 500 at most)


@dataclass(frozen=True)
class UserGroupChanged:
    """`subteam_created`, `subteam_updated`: the group as it is now."""

    group: SlackUserGroup


@dataclass(frozen=True)
class UserGroupMembersChanged:
    """`subteam_members_changed`: who joined and who left the group."""

    group_id: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    updated: int  # date_update


def read_usergroup(value: object, path: str = "subteam") -> SlackUserGroup:
    """A Slack user group object (one of usergroups.list's, a subteam_* event's)."""
    group = JsonObject(value, path)
    users = group.strings("users") if "users" in group.value else None
    count = group.count("user_count")
    complete = users is not None and (count is None or count <= len(users))
    return SlackUserGroup(
        id=group.text("id"),
        handle=group.text("handle"),
        team_id=group.maybe_text("team_id") or "",
        name=group.maybe_text("name") or "",
        disabled=group.number("date_delete") > 0,
        updated=group.number("date_update"),
        users=tuple(users) if complete and users is not None else None,
    )


def read_group_event(event_type: str, event: JsonObject) -> UserGroupChanged | UserGroupMembersChanged:
    """One of `GROUP_EVENTS`, read."""
    if event_type == "subteam_members_changed":
        return UserGroupMembersChanged(
            group_id=event.text("subteam_id"),
            added=tuple(event.strings("added_users")),
            removed=tuple(event.strings("removed_users")),
            updated=event.number("date_update"),
        )
    return UserGroupChanged(read_usergroup(event.value.get("subteam"), event.at("subteam")))


class GroupSyncFailed(Exception):
    """A round ended before every group was read; what is stored so far stays."""


class UserGroupSync:
    def __init__(
        self,
        db: Database,
        client: WebClient,
        *,
        clock: Callable[[], datetime],
        sleep: Callable[[float], Any],
    ) -> None:
        self.db = db
        self.clock = clock
        self.sleep = sleep
        self.client = client_like(client, timeout=SYNC_TIMEOUT_SECONDS)  # retries are ours (Retry-After)
        self.lookup_client = client_like(client, timeout=LOOKUP_TIMEOUT_SECONDS)

    def run(self) -> int:
        """Read every group and the members of each enabled one; how many groups were stored.
        Raises GroupSyncFailed saying why when Slack fails before the last one."""
        self._rate_limited = 0
        learned_at = self.clock()
        answer = self._call("usergroups.list", lambda: self.client.usergroups_list(include_disabled=True))
        try:
            groups = [read_usergroup(item, f"usergroups[{n}]") for n, item in enumerate(answer.get("usergroups") or [])]
        except Malformed as malformed:
            raise GroupSyncFailed(f"usergroups.list sent a group this bot cannot read: {malformed}") from None
        for group in groups:
            members = () if group.disabled else self._members(group.id)
            self._store(group, members, learned_at)
        log.info("user groups synced: %d from usergroups.list", len(groups))
        return len(groups)

    def learn(self, event: UserGroupChanged | UserGroupMembersChanged) -> None:
        """Store what a `subteam_*` event says, at once."""
        now = self.clock()
        with self.db.write() as session:
            if isinstance(event, UserGroupMembersChanged):
                usergroups.change_members(
                    session=session,
                    group_id=event.group_id,
                    added=event.added,
                    removed=event.removed,
                    updated=event.updated,
                    learned_at=now,
                )
                return
            group = event.group
            usergroups.put(
                session=session,
                team_id=group.team_id,
                group=_known(group, group.users or ()),
                updated=group.updated,
                learned_at=now,
                members_known=group.users is not None,
            )

    def look_up(self, group_id: str, handle: str) -> KnownGroup | None:
        """The members of a group the bot has never heard of (mentioned as `<!subteam^ID|@handle>`):
        one bounded call, stored as the oldest description (any later one wins). None when Slack
        does not answer in time; NoSuchGroup when it answers that there is no such group."""
        try:
            listed = self.lookup_client.usergroups_users_list(usergroup=group_id)
            members = _member_ids(listed)
        except SlackApiError as error:
            if error.response is not None and error.response.get("error") == "no_such_subteam":
                raise NoSuchGroup(group_id) from None
            log.warning("usergroups.users.list for %s failed: %s", group_id, _described(error))
            return None
        except (OSError, GroupSyncFailed) as error:
            log.warning("usergroups.users.list for %s failed: %s", group_id, _described(error))
            return None
        group = KnownGroup(id=group_id, handle=handle.removeprefix("@"), name=handle.removeprefix("@"), members=members)
        with self.db.write() as session:
            usergroups.put(session=session, team_id="", group=group, updated=0, learned_at=self.clock())
        return group

    def _members(self, group_id: str) -> tuple[str, ...]:
        listed = self._call("usergroups.users.list", lambda: self.client.usergroups_users_list(usergroup=group_id))
        return _member_ids(listed)

    def _store(self, group: SlackUserGroup, members: tuple[str, ...], learned_at: datetime) -> None:
        with self.db.write() as session:
            usergroups.put(
                session=session,
                team_id=group.team_id,
                group=_known(group, members),
                updated=group.updated,
                learned_at=learned_at,
            )

    def _call(self, method: str, call: Callable[[], Any]) -> Any:
        """One Web API call of the round; a 429 is waited out as long as Slack asks."""
        while True:
            try:
                return call()
            except SlackApiError as error:
                wait = retry_after(error)
                if wait is None or self._rate_limited >= MAX_RATE_LIMITED:
                    raise GroupSyncFailed(f"{method} failed: {_described(error)}") from None
                self._rate_limited += 1
                log.info("%s rate limited; waiting %s s as Slack asks", method, wait)
                self.sleep(wait)
            except OSError as error:
                raise GroupSyncFailed(f"{method} failed: {type(error).__name__}") from None


def _known(group: SlackUserGroup, members: tuple[str, ...]) -> KnownGroup:
    return KnownGroup(
        id=group.id, handle=group.handle, name=group.name or group.handle, members=members, disabled=group.disabled
    )


def _member_ids(answer: Any) -> tuple[str, ...]:
    users = answer.get("users") if answer is not None else None
    if not isinstance(users, list) or not all(isinstance(user, str) for user in users):
        raise GroupSyncFailed("usergroups.users.list sent no list of user ids")
    return tuple(users)


def _described(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        response = error.response
        if response is None:
            return "no answer"
        return f"HTTP {response.status_code} {response.get('error') or ''}".strip()
    return str(error) if isinstance(error, GroupSyncFailed) else type(error).__name__
