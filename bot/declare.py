"""*Declare incident*: the open modal asked for from a message (*Declare incident from message*),
from Slack's lightning menu or from the App Home (docs/behaviour.md, Declaring an incident).

Each request is one transaction that records the modal to open right after the ack (a trigger
lasts 3 seconds): from a message, its words prefilled as the title (read as the timeline reads
them, names from the members table, no Slack call) and the message itself carried in the modal's
metadata, so that the incident's timeline starts with it once opened, whatever happens to the
message meanwhile. Whether the message's conversation is private is asked of Slack when the modal
is sent, not here: the ack waits for no Slack call (`OpenIncidentModal`). Someone who may not
declare, with nowhere else to be told (the lightning menu, the App Home), is told in a modal.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from bot.clock import TRIGGER_LIFETIME
from bot.domain import markup
from bot.domain.declared import SourceMessage, title_from
from bot.domain.incident import DEFAULT_SEVERITY
from bot.outbox import store
from bot.outbox.effect import Effect
from bot.outbox.kinds.open_incident_modal import OpenIncidentModal
from bot.outbox.kinds.open_notice import OpenNotice
from bot.render import open_metadata
from bot.render.open_metadata import OpenedFrom
from bot.storage import members
from bot.storage.db import Database


class DeclareService:
    def __init__(self, db: Database, *, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock

    def request_modal(
        self,
        *,
        team_id: str,
        trigger_id: str,
        channel_id: str | None = None,
        response_url: str | None = None,
        message: SourceMessage | None = None,
    ) -> None:
        """The open modal for `trigger_id`: asked for in `channel_id` (told there, or at
        `response_url`, where the new channel is), prefilled from `message` when declared from one."""
        opened = OpenedFrom(channel_id=channel_id, response_url=response_url, message=message)
        with self.db.write() as session:
            title = ""
            if message is not None:
                names = members.names(session=session, user_ids=markup.user_ids(message.text))
                title = title_from(message.text, names)
            modal = OpenIncidentModal(
                trigger_id=trigger_id,
                severity=DEFAULT_SEVERITY,
                private_metadata=open_metadata.write(opened),
                title=title,
                from_message=message is not None,
                message_channel=message.channel_id if message is not None else "",
            )
            self._open(session, team_id, modal)

    def tell_in_modal(self, *, team_id: str, trigger_id: str, text: str) -> None:
        """Why nothing opens, in a modal: the answer to someone with no response URL to tell them at."""
        with self.db.write() as session:
            self._open(session, team_id, OpenNotice(trigger_id=trigger_id, text=text))

    def _open(self, session: Session, team_id: str, effect: Effect) -> None:
        open_with_trigger(session, team_id, effect, self.clock())


def open_with_trigger(session: Session, team_id: str, effect: Effect, now: datetime) -> None:
    """Record work that opens a modal with a trigger: given up once the trigger has expired."""
    store.enqueue(
        session=session, incident_id=None, team_id=team_id, effect=effect, now=now, expires_at=now + TRIGGER_LIFETIME
    )
