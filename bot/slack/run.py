"""A parsed command -> the service call -> the reply. Used by the slash command and the buttons.

No Bolt here: `CommandRunner.run` takes a typed command and where it came from, and returns the
reply to acknowledge with plus any follow-up messages (a long timeline) to send after the ack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.aftermath import AftermathService
from bot.changes import Changed
from bot.config import Settings
from bot.domain.affects import PHRASES, read_changes
from bot.domain.durations import short
from bot.domain.impacts import read_impact_entry
from bot.domain.incident import Attack, format_name
from bot.domain.language import load_language
from bot.domain.markup import escape, for_slack
from bot.domain.paging import Paged
from bot.domain.reminders import minutes
from bot.domain.roles import ROLE_TITLES, Role, read_entry
from bot.domain.timefmt import day_and_time
from bot.domain.visibility import has_public_channel
from bot.drafts import DraftService
from bot.errors import RuleRefused, UsageError
from bot.lookup import Where
from bot.paging import PagingService
from bot.reading import Malformed
from bot.reminders import ReminderService
from bot.render import actions, blocks, moves, page_picker, page_replies, paging, report, subscribers
from bot.render.lines import who
from bot.render.page_replies import ReplyWords, english
from bot.render.withdrawn import withdrawing
from bot.service import IncidentService
from bot.slack import commands, usage
from bot.slack.shapes import Invocation
from bot.subscribers import SubscriberService

Message = dict[str, Any]

ATTACK_REPLIES = {
    Attack.NO_EVIDENCE: "Public drafts will say there is no evidence of a security breach or attack.",
    Attack.SUSPECTED: (
        "Public drafts will make no claim about security, and security must review them before publishing."
    ),
    Attack.CONFIRMED: "Public drafts now use the security-incident wording; legal and security must approve them.",
    Attack.NOT_RELEVANT: "Public drafts will say nothing about security.",
}


SUGGEST_PRIVATE = (
    "Consider making it private: `/incident private {name}` takes it off the status page and feeds "
    "and out of `list` for people outside it (a suggestion: nothing changed)."
)
MADE_PRIVATE = (
    "now *private*: off the status page and feeds, no announcements, Publish refused, and `list` shows it only "
    "to its opener and role holders, or in its own channel."
)
MADE_PUBLIC = (
    "now *public*: it appears on the status page and feeds from the next update you publish; "
    "nothing published before that comes back."
)


@dataclass(frozen=True)
class Reply:
    message: Message
    followups: list[Message] = field(default_factory=list)
    refused: bool = False  # nothing was done: `message` says why (`bot.slack.answers.run_reply`)


class CommandRunner:
    def __init__(
        self,
        service: IncidentService,
        drafts: DraftService,
        settings: Settings,
        *,
        reminders: ReminderService,
        aftermath: AftermathService,
        ensure_can_change: Callable[[str], None],
        ensure_can_read: Callable[[str], None],
        subscribers: SubscriberService | None = None,
        paging: PagingService | None = None,
    ) -> None:
        self.service = service
        self.paging = paging or PagingService(
            service.db,
            zone=settings.zone,
            clock=service.clock,
            catalog=settings.catalog,
            language=settings.languages[0],
        )
        self.drafts = drafts
        self.reminders = reminders
        self.aftermath = aftermath
        self.settings = settings
        self.ensure_can_change = ensure_can_change
        self.ensure_can_read = ensure_can_read  # guests read nothing unless INCIDENT_GUESTS_READ
        self.subscribers = subscribers or SubscriberService.from_settings(service.db, settings, clock=service.clock)

    def run(self, command: commands.Command, asked: Invocation) -> Reply:
        if isinstance(command, commands.Help):
            return Reply(blocks.reply(escape(usage.HELP_TEXT)))
        if isinstance(command, commands.Reading):
            self.ensure_can_read(asked.user_id)
        if isinstance(command, commands.ListIncidents):
            return self._list(command, asked)
        if isinstance(command, commands.ShowTimeline):
            return self._timeline(command, asked)
        if isinstance(command, commands.ShowSubscribers):
            return Reply(blocks.reply(subscribers.counts_reply(self.subscribers.counts())))
        if isinstance(command, commands.ShowOncall):
            on_call = self.paging.on_call(command.component)
            return Reply(blocks.reply(paging.on_call_text(on_call, self.paging.names_on_call(on_call))))
        if isinstance(command, commands.Stats):
            found = self.aftermath.recent_insights(team_id=asked.team_id, window=command.window)
            return Reply(blocks.reply("\n".join(report.as_slack_lines(found, self.settings.zone))))
        self.ensure_can_change(asked.user_id)
        if isinstance(command, commands.Open):
            return self._open(command, asked)
        if isinstance(command, commands.FinishFollowUp):
            self.aftermath.finish_follow_up(
                team_id=asked.team_id, follow_up_id=command.follow_up, actor=asked.user_id, channel_id=asked.channel_id
            )
            return Reply(blocks.reply(f"Follow-up #{command.follow_up} is done."))
        where = Where(
            team_id=asked.team_id, channel_id=asked.channel_id, number=command.incident, user_id=asked.user_id
        )
        actor = asked.user_id
        service = self.service
        match command:
            case commands.SetStatus(status=status, message=message, at=at):
                changed = service.set_status(where, actor=actor, status=status, message=message, at=at)
                if changed.entry.status_from is changed.entry.status_to:
                    return _said(changed, f"update posted ({status.value}).")
                return _said(changed, f"now *{status.value}*.")
            case commands.Close(summary=summary, at=at):
                changed = service.close(where, actor=actor, summary=summary, at=at)
                return Reply(blocks.changed_reply(changed.incident, "resolved.", changed.durations))
            case commands.Note(text=text, at=at):
                return _said(service.note(where, actor=actor, text=text, at=at), "note added to the timeline.")
            case commands.Impact(text=text, language=language):
                changed = service.set_impact(where, actor=actor, text=text, language=language)
                code, said = read_impact_entry(changed.entry)
                return _said(changed, f"customer impact in {load_language(code or 'en').name} set: {for_slack(said)}")
            case commands.Affect(component=component, state=state, at=at):
                return self._affected(service.affect(where, actor=actor, component=component, state=state, at=at))
            case commands.PublicTitle(text=text):
                changed = service.set_public_title(where, actor=actor, text=text)
                title = escape(changed.incident.public_title)
                return _said(changed, f"the status page and feeds will call it “{title}”.")
            case commands.SetSeverity(severity=severity):
                return _said(service.set_severity(where, actor=actor, severity=severity), f"now sev{severity}.")
            case commands.SetLead(user_id=lead):
                return self._role_set(service.set_role(where, actor=actor, role=Role.LEAD, person=lead))
            case commands.SetRole(role=role, user_id=person):
                return self._role_set(service.set_role(where, actor=actor, role=role, person=person))
            case commands.SetAttack(attack=attack, first=first):
                changed = service.set_attack(where, actor=actor, attack=attack, first=first)
                said = f"security assessment *{attack.value}*. {ATTACK_REPLIES[attack]}"
                if attack is Attack.CONFIRMED and not changed.incident.private:
                    said += " " + SUGGEST_PRIVATE.format(name=changed.incident.name)
                return _said(changed, said)
            case commands.SetVisibility(private=True):
                return self._private(where, actor)
            case commands.SetVisibility(private=False):
                return _said(service.set_private(where, actor=actor, private=False), MADE_PUBLIC)
            case commands.Reopen(reason=reason):
                return _said(service.reopen(where, actor=actor, reason=reason), "reopened: back to investigating.")
            case commands.WriteDrafts(language=language, length=length):
                drafted = self.drafts.draft(where, actor=actor, language=language, length=length)
                return Reply(blocks.drafted_reply(drafted.incident, len(drafted.drafts), drafted.warnings))
            case commands.AddFollowUp(text=text, owner=owner, due=due):
                number, _ = self.aftermath.add_follow_up(where, actor=actor, text=text, owner=owner, due=due)
                return Reply(blocks.reply(f"Follow-up #{number} added: {for_slack(text)}"))
            case commands.Relate(other=other, linked=linked):
                self.aftermath.relate(where, actor=actor, other_number=other, linked=linked)
                return Reply(blocks.reply(f"{format_name(other)} is {'now' if linked else 'no longer'} related."))
            case commands.PageSomeone() as named:
                return self._paged(self._page(named, where, actor), ReplyWords(english(self.settings.zone)))
            case commands.Retro(decision=None):
                record = self.aftermath.request_retro(where, actor=actor)
                draft = " It is a draft: the incident is still open." if record.is_draft else ""
                return Reply(
                    blocks.reply(f"{record.incident.name}: the retrospective is on its way to the channel.{draft}")
                )
            case commands.Retro(decision=decision, reason=reason) if decision is not None:
                self.aftermath.decide_retro(where, actor=actor, state=decision, reason=reason)
                return Reply(blocks.reply(f"Retrospective marked {decision.value}."))
        raise AssertionError(f"unhandled command {command!r}")

    def _open(self, command: commands.Open, asked: Invocation) -> Reply:
        if not command.title:
            if asked.trigger_id is None:
                return Reply(blocks.reply("Give the incident a title: " + escape(usage.USAGE["open"])))
            self.service.request_open_modal(
                team_id=asked.team_id,
                trigger_id=asked.trigger_id,
                severity=command.severity,
                channel_id=asked.channel_id,
                private=command.private,
                at=command.at,
            )
            return Reply({})
        changed = self.service.open(
            team_id=asked.team_id,
            actor=asked.user_id,
            title=command.title,
            severity=command.severity,
            at=command.at,
            origin_channel=asked.channel_id,
            response_url=asked.response_url,
            private=command.private,
            message=command.message,
            components=dict(command.components),
        )
        return Reply(blocks.reply(self.opened_text(changed)))

    def opened_text(self, changed: Changed) -> str:
        incident = changed.incident
        private = ", private" if incident.private else ""
        text = (
            f"Opened *{incident.name}* (sev{incident.severity}{private}): {for_slack(incident.title)}. "
            f"I am creating its{private.replace(',', '')} channel and will tell you here when it is ready."
        )
        if incident.private:
            text += " It is not announced and never appears on the status page or feeds."
        lag = incident.opened_at - incident.impact_started_at
        if lag.total_seconds() >= 60:
            began = day_and_time(incident.impact_started_at, self.settings.zone, relative_to=incident.opened_at)
            text += f" Impact began {began}, {short(lag)} before it was reported."
        return text

    def _private(self, where: Where, actor: str) -> Reply:
        """Made private; while its channel is public (it was opened public), the reply says so and
        offers to move it to a new private channel, also when it is private already."""
        incident = self.service.get(where)
        if incident.private and has_public_channel(incident):
            return Reply(moves.move_offer(incident, f"{incident.name} is already *private*."))
        changed = self.service.set_private(where, actor=actor, private=True)
        said = f"{changed.incident.name}: {MADE_PRIVATE}" + withdrawing(changed.withdrawn, self.settings.status_channel)
        if has_public_channel(changed.incident):
            return Reply(moves.move_offer(changed.incident, said))
        if changed.incident.channel_id is None:
            said += f"\n{moves.NOT_MADE_YET}"
        return Reply(blocks.reply(said))

    def move_to_private_channel(self, number: int | None, asked: Invocation) -> Reply:
        """The offer's button: members only, once (a second click, or one after the move, is refused)."""
        self.ensure_can_change(asked.user_id)
        where = Where(team_id=asked.team_id, channel_id=asked.channel_id, number=number, user_id=asked.user_id)
        return Reply(moves.moving(self.service.move_to_private_channel(where, actor=asked.user_id).incident))

    def _affected(self, changed: Changed) -> Reply:
        """`INC-7: Home page: *major outage* since 21:41 IST.`, and why the public will not see it
        when it will not (a private incident, an internal component)."""
        [change] = read_changes(changed.entry)
        since = day_and_time(changed.entry.at, self.settings.zone, relative_to=changed.entry.recorded_at)
        said = f"{escape(change.name)}: *{PHRASES[change.now]}* since {since}."
        component = self.settings.catalog.get(change.component_id)
        if changed.incident.private:
            said += " The incident is private, so the status page never shows it."
        elif component is not None and not component.public:
            said += " It is an internal component: the status page never shows it."
        else:
            said += " The status page shows it from the incident's first published update on."
        return _said(changed, said)

    def _role_set(self, changed: Changed) -> Reply:
        """`*bob* is now the comms lead.`: by name, never a mention (nobody is pinged by a reply)."""
        role, person = read_entry(changed.entry)
        if person is None:
            return _said(changed, f"the {role.value} role is cleared.")
        names = self.service.names_for(changed.incident, [changed.entry])
        return _said(changed, f"{who(person, names)} is now the {ROLE_TITLES[role]}.")

    def answer_reminder(self, action_id: str, value: object, asked: Invocation) -> Reply:
        """A reminder's Snooze or "no update needed now" button (docs/behaviour.md, Update promises
        and reminders): members only, once per reminder."""
        self.ensure_can_change(asked.user_id)
        found = actions.read_reminder_value(value)
        if found is None:
            raise UsageError("That button carries no reminder I can read; use the latest reminder's buttons.")
        number, version = found
        where = Where(team_id=asked.team_id, channel_id=asked.channel_id, number=number, user_id=asked.user_id)
        if action_id == actions.NO_UPDATE:
            answered = self.reminders.no_update_needed(where, actor=asked.user_id, version=version)
            said = "no public update needed now."
        else:
            length = actions.snooze_length(action_id)
            if length is None:
                raise UsageError("That snooze length is not one the reminder offers (15 min, 30 min, 1 h).")
            answered = self.reminders.snooze(where, actor=asked.user_id, version=version, length=length)
            said = f"reminder snoozed for {minutes(length)}."
        return Reply(blocks.reply(f"{answered.incident.name}: {said} {self.reminders.describe(answered.schedule)}"))

    def _page(self, named: commands.PageSomeone, where: Where, actor: str) -> Paged:
        return self.paging.page(
            where,
            actor=actor,
            people=named.people,
            groups=named.groups,
            components=named.components,
            handles=named.handles,
        )

    def _paged(self, paged: Paged, said: ReplyWords) -> Reply:
        """Whom the page reached, who was not paged and why; a refusal when nobody was paged."""
        text = page_replies.paged_reply(paged, self.paging.names_in(paged), said, self.settings.catalog)
        return Reply(blocks.reply(text if paged.asked else f":warning: {text}"))

    def answer_page(self, action_id: str, value: object, asked: Invocation) -> Reply:
        """*Acknowledge* or *Can't take it* in a page's direct message (docs/behaviour.md, Paging)."""
        self.ensure_can_change(asked.user_id)
        page_id = _number(value)
        if page_id is None:
            raise UsageError(ReplyWords(self.paging.reader(asked.user_id))("unreadable_page"))
        if action_id == actions.ACKNOWLEDGE_PAGE:
            answered = self.paging.acknowledge(page_id=page_id, actor=asked.user_id)
            at, said = answered.page.answered_at, answered.said
            assert at is not None  # an acknowledged page was answered
            return Reply(
                blocks.reply(page_replies.acknowledged(answered.incident, at, made_lead=answered.made_lead, said=said))
            )
        answered = self.paging.decline(page_id=page_id, actor=asked.user_id)
        return Reply(blocks.reply(answered.said("declined", incident=answered.incident.name)))

    def answer_unanswered(self, action_id: str, value: object, asked: Invocation) -> Reply:
        """*Page again* or *Page someone else* under "nobody acknowledged the page"."""
        self.ensure_can_change(asked.user_id)
        said = ReplyWords(self.paging.reader(asked.user_id))
        request_id = _number(value)
        if request_id is None:
            raise UsageError(said("unreadable_request"))
        if action_id == actions.PAGE_AGAIN:
            paged = self.paging.page_again(request_id=request_id, actor=asked.user_id, channel_id=asked.channel_id)
            return self._paged(paged, said)
        if not asked.trigger_id:
            raise Malformed("trigger_id", "is missing: no modal can be opened")
        self.paging.request_picker(
            request_id=request_id, actor=asked.user_id, channel_id=asked.channel_id, trigger_id=asked.trigger_id
        )
        return Reply({})  # the picker opens; its submission says what was done

    def page_picked(self, picked: commands.PageSomeone, asked: Invocation) -> str:
        """*Page someone else*'s picker submitted: paged as `/incident page` pages (the same rules,
        the same reply, from the channel the button was pressed in). A refusal (nothing chosen,
        nobody who may be paged) is raised, to be shown in the picker: nothing is stored."""
        self.ensure_can_change(asked.user_id)
        if not (picked.people or picked.components):
            raise UsageError(page_picker.NOTHING_CHOSEN)
        where = Where(team_id=asked.team_id, channel_id=asked.channel_id, number=picked.incident, user_id=asked.user_id)
        paged = self._page(picked, where, asked.user_id)
        said = ReplyWords(self.paging.reader(asked.user_id))
        text = page_replies.paged_reply(paged, self.paging.names_in(paged), said, self.settings.catalog)
        if not paged.asked:
            raise RuleRefused(text)
        return text

    def _list(self, command: commands.ListIncidents, asked: Invocation) -> Reply:
        incidents = self.service.list_incidents(
            team_id=asked.team_id, everything=command.all, viewer=asked.user_id, channel_id=asked.channel_id
        )
        pages = blocks.incident_list(incidents, self.settings.zone, self.service.clock(), everything=command.all)
        if len(pages) == 1:
            return Reply(pages[0])
        # Several messages: all through the response URL, one after the other, so they arrive in
        # order (a follow-up could otherwise overtake the acknowledgement that carries page one).
        return Reply({}, followups=pages)

    def _timeline(self, command: commands.ShowTimeline, asked: Invocation) -> Reply:
        where = Where(team_id=asked.team_id, channel_id=asked.channel_id, number=command.incident)
        timeline = self.service.timeline(where, viewer=asked.user_id)
        names = self.service.names_for(timeline.incident, timeline.entries)
        pages = blocks.timeline_messages(
            timeline.incident, timeline.entries, timeline.durations, names, self.settings.zone
        )
        if len(pages) == 1:
            return Reply(pages[0])
        # Several messages: all through the response URL, one after the other, so they arrive in
        # order (a follow-up could otherwise overtake the acknowledgement that carries page one).
        return Reply({}, followups=pages)


def _number(value: object) -> int | None:
    """A button's value that is an id this bot wrote (`"12"`), None for anything else."""
    if isinstance(value, str) and 0 < len(value) <= 18 and value.isascii() and value.isdigit():
        return int(value)
    return None


def _said(changed: Changed, what: str) -> Reply:
    return Reply(blocks.reply(f"{changed.incident.name}: {what}"))
