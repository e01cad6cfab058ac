"""Public updates: draft, edit, discard and publish (docs/behaviour.md, Public drafts), one transaction each.

A draft is written from the incident as it stands (status, assessment, impact, durations)
and posted in the incident channel with Publish / Edit / Discard. Nothing reaches
`INCIDENT_STATUS_CHANNEL` unless a person presses Publish, and a draft is published at most
once: the draft row is locked and moved from `proposed` to `published` in one step. A draft
written for another status or another security assessment is stale and cannot be published.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import cast

from sqlmodel import Session

from bot import deadlines
from bot.clock import Clock
from bot.config import Settings
from bot.declare import open_with_trigger
from bot.domain import durations, markup
from bot.domain.corrections import check_correctable, check_correction
from bot.domain.drafts import (
    LENGTHS,
    DraftRecord,
    Length,
    check_edit,
    check_proposed,
    compose,
    stale_reason,
)
from bot.domain.impacts import fallback_warning, impact_for, impacts_of
from bot.domain.incident import EntryKind, Incident, Status, TimelineEntry
from bot.domain.language import checked_language, load_language
from bot.domain.reminders import deadline_after
from bot.domain.timefmt import clock_time
from bot.domain.visibility import refuse_publishing
from bot.errors import NotFound, RuleRefused, UserError
from bot.lookup import Where, locate
from bot.outbox import store
from bot.outbox.effect import Effect
from bot.outbox.kinds.correct_published import CorrectPublished
from bot.outbox.kinds.open_correction_editor import OpenCorrectionEditor
from bot.outbox.kinds.open_draft_editor import OpenDraftEditor
from bot.outbox.kinds.post_draft import PostDraft
from bot.outbox.kinds.post_timeline import PostTimeline
from bot.outbox.kinds.publish_draft import PublishDraft
from bot.outbox.kinds.update_draft import UpdateDraft
from bot.reminders import answer_reminders
from bot.storage import drafts, fan_outs, members, repository
from bot.storage.db import Database


@dataclass(frozen=True)
class Drafted:
    incident: Incident
    drafts: list[DraftRecord]
    warnings: list[str]


class DraftService:
    def __init__(
        self, db: Database, settings: Settings, *, clock: Clock, fanned_out: Callable[[], None] = lambda: None
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        # Called once a Publish or a correction has committed its fan-out to the subscribers: wakes
        # this process's subscriber threads (nothing else does; an ack that records no fan-out
        # leaves them asleep, polling every few seconds).
        self.fanned_out = fanned_out

    def draft(self, where: Where, *, actor: str, language: str | None, length: str | None) -> Drafted:
        codes = [checked_language(language)] if language else list(self.settings.languages)
        lengths = [cast(Length, length)] if length else list(LENGTHS)
        with self.db.write() as session:
            stored = locate(session, where)
            now = self.clock()
            incident = stored.incident
            duration = None
            if incident.status is Status.RESOLVED:
                entries = [item.entry for item in repository.timeline(session=session, incident_id=stored.id)]
                duration = durations.compute(incident, entries, until=now).total
            next_update = None  # the deadline publishing it will set (docs/behaviour.md, Update promises and reminders)
            if incident.status.is_open:
                next_update = deadline_after(now, self.settings.reminder_after(incident.severity))
            default = self.settings.languages[0]
            every = " ".join(text for _, text in impacts_of(incident, default))
            # Public words only: link labels, names without ids, no markup (docs/behaviour.md).
            names = members.names(session=session, user_ids=markup.user_ids(every))
            written = []
            for code in codes:
                said, quoted_from = impact_for(incident, code, default)  # the reader's language when it has one
                impact = markup.for_public(said, names)
                for size in lengths:
                    draft = compose(
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
                    if quoted_from is not None:  # "The Français draft quotes the English impact text"
                        draft = replace(draft, warnings=(*draft.warnings, fallback_warning(code, quoted_from)))
                    draft_id = drafts.insert(
                        session=session,
                        incident_id=stored.id,
                        draft=draft,
                        actor=actor,
                        now=now,
                        promises_by=next_update,
                    )
                    self._enqueue(session, stored.id, PostDraft(draft_id=draft_id), now)
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
            check_proposed(draft, self._decider(session, draft))
            incident = repository.get_by_id(session=session, incident_id=draft.incident_id).incident
            refuse_publishing(incident)  # a private incident's drafts never leave its channel
            now = self.clock()
            reason = stale_reason(draft.status, draft.attack, incident)
            if reason:
                drafts.mark_stale(session=session, draft_id=draft.id, reason=reason, now=now)
                self._enqueue(session, draft.incident_id, UpdateDraft(draft_id=draft.id), now)
                raise RuleRefused(f"This draft is stale: {reason} Draft again with `/incident draft`.")
            if draft.promises_by is not None and draft.promises_by <= now:
                promised = clock_time(draft.promises_by, self.settings.zone)
                raise RuleRefused(
                    f"This draft promises the next update by {promised}, which has passed: "
                    "draft again with `/incident draft` for a promise you can keep."
                )
            drafts.publish(session=session, draft_id=draft.id, actor=actor, now=now)
            # on the status page from now on (docs/behaviour.md, Status page)
            resolved = draft.status is Status.RESOLVED
            repository.mark_published(session=session, incident_id=draft.incident_id, at=now, resolved=resolved)
            self._enqueue(session, draft.incident_id, PublishDraft(draft_id=draft.id), now)
            self._enqueue(session, draft.incident_id, UpdateDraft(draft_id=draft.id), now)
            fan_outs.record(session=session, draft_id=draft.id, kind="update", now=now)  # to its subscribers
            what = f"{load_language(draft.language).name} {draft.length} update: {markup.from_words(draft.text)}"
            entry_id = self._post_entry(session, draft.incident_id, actor, EntryKind.PUBLISHED, what, now)
            answer_reminders(session, incident_id=draft.incident_id, entry_id=entry_id, now=now)
            answered = deadlines.on_publish(session, draft, incident, actor, now, self.settings.reminders)
            if answered is not None:  # "Update promised by 22:20 was kept late by 5 min (published 22:25)"
                self._post_entry(session, draft.incident_id, actor, answered.kind, answered.text, now)
            published = self._get(session, draft.id)
        self.fanned_out()
        return published

    def edit(self, draft_id: int, *, actor: str, text: str) -> DraftRecord:
        text = text.strip()
        with self.db.write() as session:
            draft = self._get(session, draft_id, lock=True)
            check_proposed(draft, self._decider(session, draft))
            check_edit(draft, text)
            now = self.clock()
            drafts.edit(session=session, draft_id=draft.id, text=text, actor=actor, now=now)
            self._enqueue(session, draft.incident_id, UpdateDraft(draft_id=draft.id), now)
            return self._get(session, draft.id)

    def correct(self, draft_id: int, *, actor: str, text: str) -> DraftRecord:
        """A published update's words corrected: its posts updated, the page and feeds showing
        them as updated, the timeline saying who and when (docs/behaviour.md, Status page)."""
        text = text.strip()
        with self.db.write() as session:
            draft = self._get(session, draft_id, lock=True)
            check_correction(draft, text)
            now = self.clock()
            drafts.correct(session=session, draft_id=draft.id, text=text, actor=actor, now=now)
            self._enqueue(session, draft.incident_id, CorrectPublished(draft_id=draft.id), now)
            self._enqueue(session, draft.incident_id, UpdateDraft(draft_id=draft.id), now)
            fan_outs.record(session=session, draft_id=draft.id, kind="correction", now=now)
            what = f"{load_language(draft.language).name} {draft.length} update: {markup.from_words(text)}"
            self._post_entry(session, draft.incident_id, actor, EntryKind.CORRECTED, what, now)
            corrected = self._get(session, draft.id)
        self.fanned_out()
        return corrected

    def discard(self, draft_id: int, *, actor: str) -> DraftRecord:
        with self.db.write() as session:
            draft = self._get(session, draft_id, lock=True)
            check_proposed(draft, self._decider(session, draft))
            now = self.clock()
            drafts.discard(session=session, draft_id=draft.id, actor=actor, now=now)
            self._enqueue(session, draft.incident_id, UpdateDraft(draft_id=draft.id), now)
            return self._get(session, draft.id)

    def request_edit_modal(self, draft_id: int, *, trigger_id: str, correcting: bool = False) -> None:
        """Open the edit modal (the correction modal once published, `correcting`) right after the
        ack (Slack's trigger lasts 3 seconds)."""
        with self.db.write() as session:
            draft = self._get(session, draft_id)
            effect: Effect
            if correcting:
                check_correctable(draft)
                effect = OpenCorrectionEditor(trigger_id=trigger_id, draft_id=draft_id)
            else:
                check_proposed(draft, self._decider(session, draft))
                effect = OpenDraftEditor(trigger_id=trigger_id, draft_id=draft_id)
            team_id = repository.get_by_id(session=session, incident_id=draft.incident_id).team_id
            open_with_trigger(session, team_id, effect, self.clock())  # not behind the incident's Slack work

    def get(self, draft_id: int) -> DraftRecord:
        with self.db.read() as session:
            return self._get(session, draft_id)

    # --- shared steps ------------------------------------------------------------------------

    def _get(self, session: Session, draft_id: int, *, lock: bool = False) -> DraftRecord:
        draft = drafts.get(session=session, draft_id=draft_id, for_update=lock)
        if draft is None:
            raise NotFound("That draft no longer exists.")
        return draft

    @staticmethod
    def _decider(session: Session, draft: DraftRecord) -> dict[str, str]:
        """The name of whoever published or discarded the draft, for a refusal to show."""
        return members.names(session=session, user_ids={draft.decided_by}) if draft.decided_by else {}

    @staticmethod
    def _enqueue(session: Session, incident_id: int, effect: Effect, now: datetime) -> None:
        store.enqueue(session=session, incident_id=incident_id, effect=effect, now=now)

    @staticmethod
    def _post_entry(session: Session, incident_id: int, actor: str, kind: EntryKind, text: str, now: datetime) -> int:
        """A timeline entry for what happened now, and its line in the incident channel: its id."""
        entry = TimelineEntry(at=now, recorded_at=now, actor=actor, kind=kind, text=text)
        entry_id = repository.add_entry(session=session, incident_id=incident_id, entry=entry)
        store.enqueue(session=session, incident_id=incident_id, effect=PostTimeline(entry_id=entry_id), now=now)
        return entry_id
