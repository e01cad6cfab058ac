"""Messages that are not typed by a person: alerts from integrations, file shares, deletions.

``IntegrationPosts`` (``emulator.posts``) stores them the way Slack shows them to apps: an
alert integration posts with subtype ``bot_message``, a ``bot_id`` of its own, a ``username`` and
a ``bot_profile``, often with attachments or blocks and no ``text``; a file share has subtype
``file_share`` and ``files``. Like ``UserActions.post_message`` they change state only (no event).
"""

from __future__ import annotations

from slack_emulator.records import JSON, Message
from slack_emulator.state import Workspace


class IntegrationPosts:
    """What arrives in channels without a person typing it (``emulator.posts``)."""

    def __init__(self, *, ws: Workspace) -> None:
        self.ws = ws

    def _channel_id(self, channel: str) -> str:
        found = self.ws.channel(channel)
        if found is None:
            raise KeyError(channel)
        return found.id

    def alert(
        self,
        channel: str,
        *,
        name: str,
        bot_id: str,
        text: str = "",
        attachments: list[JSON] | None = None,
        blocks: list[JSON] | None = None,
    ) -> str:
        """An integration (PagerDuty, Datadog, ...) posts; returns the message's ts."""
        with self.ws.lock:
            channel_id = self._channel_id(channel)
            message = Message(
                channel=channel_id,
                ts=self.ws.next_ts(channel_id),
                user="",
                text=text,
                blocks=list(blocks or []),
                bot_id=bot_id,
                app_id=f"A{bot_id[1:]}",
                subtype="bot_message",
                attachments=list(attachments or []),
                username=name,
                bot_profile={"id": bot_id, "name": name, "app_id": f"A{bot_id[1:]}", "deleted": False},
            )
            self.ws.messages[channel_id].append(message)
            return message.ts

    def file_share(self, channel: str, user: str, *, files: list[str], text: str = "") -> str:
        """A person (id or name) shares files by name, with an optional comment; returns the ts."""
        with self.ws.lock:
            channel_id = self._channel_id(channel)
            person = self.ws.user(user)
            if person is None:
                raise KeyError(user)
            message = self.ws.post(channel_id, person.id, text, subtype="file_share")
            message.files = [
                {"id": f"F{index:08d}", "name": name, "title": name, "mode": "hosted"}
                for index, name in enumerate(files, start=1)
            ]
            return message.ts

    def delete(self, channel: str, ts: str) -> None:
        """The message is deleted (by its author or an admin)."""
        with self.ws.lock:
            channel_id = self._channel_id(channel)
            self.ws.messages[channel_id] = [m for m in self.ws.messages[channel_id] if m.ts != ts]
