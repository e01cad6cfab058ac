"""A Slack user group as the bot knows it: what a page to `@oncall-web`, or to a component's
`oncall` or `escalation` group, reaches (bot.domain.paging)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class KnownGroup:
    """A Slack user group as the bot last heard of it (`usergroups.list`, `usergroups.users.list`,
    the `subteam_*` events)."""

    id: str  # S...
    handle: str  # as people type it after @
    name: str
    members: tuple[str, ...] = ()
    disabled: bool = False

    @property
    def mention(self) -> str:
        """`@oncall-web`: how people write it (shown as words, never a ping)."""
        return f"@{self.handle}"


class NoSuchGroup(Exception):
    """Slack answered that it knows no such user group (`no_such_subteam`): deleted, or never one."""


class Unpageable(StrEnum):
    """Why a user group pages nobody (the reply to *Page again* names it)."""

    UNKNOWN = "unknown"  # not a group the bot knows in this workspace
    DISABLED = "disabled"  # disabled in Slack
    EMPTY = "empty"  # no members


def unpageable(group: KnownGroup | None) -> Unpageable | None:
    """Why `group` (None: one the bot does not know) pages nobody, or None: it reaches someone."""
    if group is None:
        return Unpageable.UNKNOWN
    if group.disabled:
        return Unpageable.DISABLED
    return None if group.members else Unpageable.EMPTY
