"""retro.upload: the retrospective document, as a Markdown file shared in the incident channel.

The document is rendered when a person asks for it (`/incident retro`): the effect carries it,
so what is uploaded is the record as it stood then, whatever changes before Slack takes it.
Slack's upload flow is three calls (files.getUploadURLExternal, the upload, then
files.completeUploadExternal, which shares the file with the comment); slack_sdk's
`files_upload_v2` makes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.outbox.attempts import LOOKUP_LIMIT
from bot.outbox.effect import Effect, Sending
from bot.outbox.results import Nothing


@dataclass(frozen=True)
class UploadRetro(Effect):
    kind: ClassVar[str] = "retro.upload"
    filename: str  # "INC-2-retrospective.md"
    title: str  # "INC-2 retrospective, 2022-02-17 22:30 IST": unique per request (see _shared_before)
    comment: str  # mrkdwn, escaped: who asked, and whether it is a draft
    document: str  # the Markdown (bot.render.retro.markdown)

    def send(self, slack: Sending) -> Nothing:
        channel = slack.channel()
        if slack.attempt.maybe_sent and self._shared_before(slack, channel):
            return Nothing(note="found already uploaded")
        slack.client.files_upload_v2(
            channel=channel,
            content=self.document,
            filename=self.filename,
            title=self.title,
            initial_comment=self.comment,
        )
        return Nothing()

    def _shared_before(self, slack: Sending, channel: str) -> bool:
        """Whether an earlier attempt's upload reached the channel (Slack's answer was lost): a file
        message cannot carry metadata, so the file's title, unique per request, identifies it."""
        page = slack.client.conversations_history(channel=channel, limit=LOOKUP_LIMIT)
        return any(
            file.get("title") == self.title
            for message in page.get("messages") or []
            for file in message.get("files") or []
        )
