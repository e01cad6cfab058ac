"""User groups as Slack describes them (`usergroups.list`, the `subteam_*` events), read into typed
values (`bot.slack.shapes` routes the events here): what keeps the bot's copy of the groups current
(`bot.usergroup_sync`)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.reading import JsonObject

# They write the user groups table: a group's whole description, or who joined and left it.
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
