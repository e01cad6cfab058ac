"""What a person types, as Slack delivers it to an app: escaped, with ``@name`` and ``#name``
turned into mentions of the people, user groups and channels that exist."""

from __future__ import annotations

import re

from slack_emulator.state import Workspace

USER_MENTION = re.compile(r"(?<![\w<|])@([a-z0-9][a-z0-9._-]*)")
CHANNEL_MENTION = re.compile(r"(?<![\w<|&])#([a-z0-9][a-z0-9_-]*)")


def escape_text(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` as Slack does in text people type."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def typed_text(ws: Workspace, text: str) -> str:
    """Text as Slack delivers what a person typed: escaped, ``@name``/``#name`` turned into mentions.

    Mentions are converted only for users, user groups and channels that exist (Slack's "escape
    channels, users, and links" app setting), e.g. ``@bob`` -> ``<@U0BOB|bob>``, ``@oncall-web`` ->
    ``<!subteam^S00000009|@oncall-web>``.
    """

    def user(match: re.Match[str]) -> str:
        found = next((u for u in ws.users.values() if u.name == match.group(1)), None)
        if found is not None:
            return f"<@{found.id}|{found.name}>"
        group = ws.usergroup(match.group(1))
        return f"<!subteam^{group.id}|@{group.handle}>" if group is not None and not group.deleted else match[0]

    def channel(match: re.Match[str]) -> str:
        found = ws.channel(match.group(1))
        return f"<#{found.id}|{found.name}>" if found is not None else match[0]

    return CHANNEL_MENTION.sub(channel, USER_MENTION.sub(user, escape_text(text)))
