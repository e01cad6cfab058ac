"""Workspace members as Slack describes them (`users.list`, `users.info`, the `user_change` and
`team_join` events), read into typed values (`bot.slack.shapes` routes the events here): what keeps
the members table current (`bot.members`, `bot.member_sync`)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.reading import JsonObject

MEMBER_EVENTS = frozenset({"user_change", "team_join"})  # they write the members table


@dataclass(frozen=True)
class SlackUser:
    """What Slack says about a member (an event, users.info, users.list)."""

    id: str
    team_id: str = ""
    display_name: str = ""
    real_name: str = ""
    is_bot: bool = False
    deleted: bool = False
    is_restricted: bool = False
    is_ultra_restricted: bool = False
    locale: str | None = None  # `fr-FR`: only when asked for (`include_locale`) or the event carries it
    tz: str | None = None  # `Europe/Paris`


@dataclass(frozen=True)
class MemberChanged:
    user: SlackUser


def read_user(value: object, path: str = "user") -> SlackUser:
    """A Slack user object (an event's, users.info's, one of users.list's)."""
    return _user(JsonObject(value, path))


def _user(user: JsonObject) -> SlackUser:
    """Its id; the rest defaults to empty or False."""
    profile = user.maybe_object("profile") or JsonObject({}, user.at("profile"))
    return SlackUser(
        id=user.text("id"),
        team_id=user.maybe_text("team_id") or profile.maybe_text("team") or "",
        display_name=profile.maybe_text("display_name") or "",
        real_name=profile.maybe_text("real_name") or user.maybe_text("real_name") or user.maybe_text("name") or "",
        is_bot=user.flag("is_bot"),
        deleted=user.flag("deleted"),
        is_restricted=user.flag("is_restricted"),
        is_ultra_restricted=user.flag("is_ultra_restricted"),
        locale=user.fitting_text("locale", 16),
        tz=user.fitting_text("tz", 64),
    )


def read_member_event(event: JsonObject) -> MemberChanged:
    return MemberChanged(_user(event.object("user")))
