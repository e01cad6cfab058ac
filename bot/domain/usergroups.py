"""A Slack user group as the bot knows it: what a page to `@oncall-web`, or to a component's
`oncall` or `escalation` group, reaches (bot.domain.paging)."""

from __future__ import annotations

from dataclasses import dataclass


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
