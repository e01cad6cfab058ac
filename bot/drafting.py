"""Public updates: draft, edit, discard and publish (SPEC section 6), one transaction each.

A draft is written from the incident as it stands (status, assessment, impact, durations)
and posted in the incident channel with Publish / Edit / Discard. Nothing reaches
`INCIDENT_STATUS_CHANNEL` unless a person presses Publish, and a draft is published at most
once: the draft row is locked and moved from `proposed` to `published` in one step. A draft
written for another status or another security assessment is stale and cannot be published.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlmodel import Session

from bot.config import Settings
from bot.domain import drafts as wording
from bot.domain import durations as durations_of
from bot.domain import markup
from bot.domain.drafts import DraftRecord
from bot.domain.incident import EntryKind, Incident, Status, TimelineEntry
from bot.domain.language import UnknownLanguage, available_languages, load_language
from bot.errors import NotFound, RuleRefused, UsageError, UserError
from bot.outbox import payloads as work
from bot.outbox import store as outbox
from bot.service import TRIGGER_LIFETIME, IncidentService, Where
from bot.storage import drafts as stored_drafts
from bot.storage import repository as repo

LONG_LIMIT = 2900  # a long draft must fit one Slack section with its label
NEXT_UPDATE_STEP = timedelta(minutes=5)


@dataclass(frozen=True)
class Drafted:
    incident: Incident
    drafts: list[DraftRecord]
    warnings: list[str]


def next_update_by(now: datetime, cadence: timedelta | None) -> datetime | None:
    """When the next public update is promised: now + the severity's cadence, up to 5 minutes."""
    if cadence is None:
        return None
    due = now + cadence
    step = NEXT_UPDATE_STEP.total_seconds()
    return datetime.fromtimestamp(math.ceil(due.timestamp() / step) * step, due.tzinfo)


class DraftService:
    def __init__(self, incidents: IncidentService, settings: Settings) -> None:
        self.incidents = incidents
        self.db = incidents.db
        self.settings = settings

    def draft(self, where: Where, *, actor: str, language: str | None, length: str | None) -> Drafted:
        codes = [self._language(language)] if language else list(self.settings.languages)
        lengths = [cast(wording.Length, length)] if length else list(wording.LENGTHS)
        with self.db.write() as session:
            stored = self.incidents.locate(session, where)
            now = self.incidents.clock()
            incident = stored.incident
            duration = None
            if incident.status is Status.RESOLVED:
                entries = [item.entry for item in repo.timeline(session=session, incident_id=stored.id)]
                duration = durations_of.compute(incident, entries, until=now).total
            next_update = None
            if incident.status.is_open:
                next_update = next_update_by(now, self.settings.reminder_after(incident.severity))
            # Public words only: link labels, names without ids, no markup (docs/behaviour.md).
            names = repo.names(session=session, user_ids=markup.user_ids(incident.impact))
            impact = markup.for_public(incident.impact, names)
            written = []
            for code in codes:
                for size in lengths:
                    draft = wording.compose(
                        status=incident.status,
                        attack=incident.attack,
                        language=code,
                        length=size,
                        public_name=self.settings.public_name,
                        impact=impact,
                        next_update=next_update,
                        zone=self.settings.zone,
                        duration=duration,
                    )
                    draft_id = stored_drafts.insert(
                        session=session, incident_id=stored.id, draft=draft, actor=actor, now=now
                    )
                    self._enqueue(session, stored.id, work.PostDraft(draft_id=draft_id), now)
                    written.append(draft_id)
            described = ", ".join(f"{load_language(c).name} {s}" for c in codes for s in lengths)
            what = f"{described} ({incident.status.value})"
            self._post_entry(session, stored.id, actor, EntryKind.DRAFT, what, now)
            result = [self._get(session, draft_id) for draft_id in written]
        warnings = list(dict.fromkeys(w for draft in result for w in draft.warnings))
        return Drafted(incident=incident, drafts=result, warnings=warnings)

    def publish(self, draft_id: int, *, actor: str) -> DraftRecord:
        target = self.settings.status_channel
        if target is None:
            raise UserError(
                "Publishing is switched off: INCIDENT_STATUS_CHANNEL is not set. "
                "Ask whoever runs the bot to set it to the ID of your status channel."
            )
        with self.db.write() as session:
            draft = self._get(session, draft_id, lock=True)
            self._check_open(draft)
            incident = repo.get_by_id(session=session, incident_id=draft.incident_id).incident
            now = self.incidents.clock()
            reason = wording.stale_reason(draft.status, draft.attack, incident)
            if reason:
                self._set_state(session, draft, "stale", reason, None, now)
                raise RuleRefused(f"This draft is stale: {reason} Draft again with `/incident draft`.")
            stored_drafts.change(
                session=session, draft_id=draft.id, state="published", decided_by=actor, decided_at=now
            )
            self._enqueue(session, draft.incident_id, work.PublishDraft(draft_id=draft.id), now)
            self._enqueue(session, draft.incident_id, work.UpdateDraft(draft_id=draft.id), now)
            what = f"{load_language(draft.language).name} {draft.length} update: {draft.text}"
            self._post_entry(session, draft.incident_id, actor, EntryKind.PUBLISHED, what, now)
            return self._get(session, draft.id)

    def edit(self, draft_id: int, *, actor: str, text: str) -> DraftRecord:
        text = text.strip()
        with self.db.write() as session:
            draft = self._get(session, draft_id, lock=True)
            self._check_open(draft)
            limit = wording.SHORT_LIMIT if draft.length == "short" else LONG_LIMIT
            if not text:
                raise UsageError("The draft is empty; write the update or discard the draft.")
            if len(text) > limit:
                raise UsageError(f"A {draft.length} update is at most {limit} characters; this one is {len(text)}.")
            now = self.incidents.clock()
            stored_drafts.change(session=session, draft_id=draft.id, text=text, edited_by=actor, edited_at=now)
            self._enqueue(session, draft.incident_id, work.UpdateDraft(draft_id=draft.id), now)
            return self._get(session, draft.id)

    def discard(self, draft_id: int, *, actor: str) -> DraftRecord:
        with self.db.write() as session:
            draft = self._get(session, draft_id, lock=True)
            self._check_open(draft)
            now = self.incidents.clock()
            self._set_state(session, draft, "discarded", "", actor, now)
            return self._get(session, draft.id)

    def request_edit_modal(self, draft_id: int, *, trigger_id: str) -> None:
        """Open the edit modal right after the ack (Slack's trigger lasts 3 seconds)."""
        with self.db.write() as session:
            self._check_open(self._get(session, draft_id))
            now = self.incidents.clock()
            outbox.enqueue(
                session=session,
                incident_id=None,  # not queued behind the incident's other Slack work
                payload=work.OpenDraftEditor(trigger_id=trigger_id, draft_id=draft_id),
                now=now,
                expires_at=now + TRIGGER_LIFETIME,
            )

    def get(self, draft_id: int) -> DraftRecord:
        with self.db.read() as session:
            return self._get(session, draft_id)

    # --- shared steps ------------------------------------------------------------------------

    def _language(self, code: str) -> str:
        try:
            return load_language(code).code
        except UnknownLanguage:
            known = ", ".join(available_languages())
            raise UsageError(f"There is no wording in '{code}' yet; available: {known}.") from None

    def _get(self, session: Session, draft_id: int, *, lock: bool = False) -> DraftRecord:
        draft = stored_drafts.get(session=session, draft_id=draft_id, for_update=lock)
        if draft is None:
            raise NotFound("That draft no longer exists.")
        return draft

    @staticmethod
    def _check_open(draft: DraftRecord) -> None:
        if draft.state == "published":
            raise RuleRefused(f"This draft was already published by <@{draft.decided_by}>; it is published once.")
        if draft.state == "discarded":
            raise RuleRefused(f"This draft was discarded by <@{draft.decided_by}>.")
        if draft.state == "stale":
            raise RuleRefused(f"This draft is stale: {draft.state_reason} Draft again with `/incident draft`.")

    def _set_state(
        self, session: Session, draft: DraftRecord, state: str, reason: str, actor: str | None, now: datetime
    ) -> None:
        stored_drafts.change(
            session=session, draft_id=draft.id, state=state, state_reason=reason, decided_by=actor, decided_at=now
        )
        self._enqueue(session, draft.incident_id, work.UpdateDraft(draft_id=draft.id), now)

    @staticmethod
    def _enqueue(session: Session, incident_id: int, payload: work.Payload, now: datetime) -> None:
        outbox.enqueue(session=session, incident_id=incident_id, payload=payload, now=now)

    @staticmethod
    def _post_entry(session: Session, incident_id: int, actor: str, kind: EntryKind, text: str, now: datetime) -> None:
        """A timeline entry for what happened now, and its line in the incident channel."""
        entry = TimelineEntry(at=now, recorded_at=now, actor=actor, kind=kind, text=text)
        entry_id = repo.add_entry(session=session, incident_id=incident_id, entry=entry)
        outbox.enqueue(session=session, incident_id=incident_id, payload=work.PostTimeline(entry_id=entry_id), now=now)
