"""What a timeline entry says, written once as data (`Said`: emoji, who, verb, object, detail).

The Slack line (`bot.render.lines`) and the retrospective's Markdown (`bot.render.retro`) render
this one description, each in its own markup, so the channel and the document tell the same story
in the same words: `*bob* :bulb: set the status to *identified*: Bad config push` in Slack,
`bob: set the status to identified: Bad config push` in the document.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.domain.affects import PHRASES, ComponentChange, read_changes
from bot.domain.aftermath import is_finding
from bot.domain.catalog import ComponentState
from bot.domain.durations import short, to_the_second
from bot.domain.impacts import read_impact_entry
from bot.domain.incident import EntryKind, Incident, Status, TimelineEntry
from bot.domain.language import load_language
from bot.domain.paging import PageNews, Target, TargetKind, Via, read_news
from bot.domain.reminders import promise_words, read_promise_entry, reminder_words
from bot.domain.roles import ROLE_TITLES, read_entry
from bot.domain.triage import AlertEvent, AlertNews, read_alert_news
from bot.domain.visibility import PRIVATE

STATUS_EMOJI = {
    Status.INVESTIGATING: ":mag:",
    Status.IDENTIFIED: ":bulb:",
    Status.MONITORING: ":eyes:",
    Status.RESOLVED: ":white_check_mark:",
}


STATE_EMOJI = {
    ComponentState.OPERATIONAL: ":large_green_circle:",
    ComponentState.DEGRADED: ":large_yellow_circle:",
    ComponentState.PARTIAL: ":large_orange_circle:",
    ComponentState.MAJOR: ":red_circle:",
}
"""A component's state at a glance, as Statuspage colours it."""


ORIGINAL = "original message"  # the label of a copied message's link to where it was posted


@dataclass(frozen=True)
class Typed:
    """What people typed, as stored (Slack markup): each medium renders its links and names and
    escapes the rest."""

    text: str


@dataclass(frozen=True)
class Person:
    """Someone named by the entry (a role's new holder), shown by name, never pinged."""

    user_id: str


@dataclass(frozen=True)
class Stressed:
    """A word the Slack line puts in bold (the status set); plain in the document."""

    word: str


@dataclass(frozen=True)
class Linked:
    """A sender's link (an alert's source, its dashboard): its label, clickable in each medium."""

    label: str
    url: str


Piece = str | Typed | Person | Stressed | Linked  # a plain `str`: the bot's own words


@dataclass(frozen=True)
class Said:
    """One entry, before any markup: `who emoji verb object: detail`, or `who emoji detail`
    when there is no verb."""

    who: str | None  # who did it; None for the bot's own record or finding
    verb: str = ""  # what was done, in the bot's words: "set the status to"
    object: tuple[Piece, ...] = ()  # what it was done to: a status, an incident, a person
    detail: tuple[Piece, ...] = ()  # after a colon: what people typed, or the bot's explanation
    emoji: str = ""  # a Slack emoji code (`:bulb:`); the document shows none


def said(entry: TimelineEntry, incident: Incident, zone: ZoneInfo) -> Said:
    """What `entry` of `incident` says; times in it (a snooze's end, a promise's) in `zone`."""
    if entry.kind is EntryKind.PROMISE:  # the bot's own record of a promise kept or missed
        emoji = ":white_check_mark:" if read_promise_entry(entry).kept else ":hourglass:"
        return Said(None, detail=(promise_words(entry, zone),), emoji=emoji)
    if is_finding(entry):  # "2nd similar incident in 7 days: ...", the recurrence check's, nobody's act
        return Said(None, detail=(Typed(entry.text),), emoji=":repeat:")
    who, typed, to = entry.actor, (Typed(entry.text),), entry.status_to
    match entry.kind:
        case EntryKind.OPENED:
            return Said(who, "opened", (incident.name,), (Typed(incident.title),))
        case EntryKind.STATUS if to is Status.RESOLVED:
            return Said(who, "resolved", (incident.name,), typed, emoji=STATUS_EMOJI[to])
        case EntryKind.STATUS if to is not None and to is entry.status_from:
            return Said(who, "posted an update", (f"({to.value})",), typed)
        case EntryKind.STATUS if to is not None:
            return Said(who, "set the status to", (Stressed(to.value),), typed, emoji=STATUS_EMOJI[to])
        case EntryKind.REOPENED:
            return Said(who, "reopened", (incident.name,), typed, emoji=":leftwards_arrow_with_hook:")
        case EntryKind.NOTE:
            return Said(who, detail=typed, emoji=":memo:")
        case EntryKind.IMPACT:
            code, text = read_impact_entry(entry)
            language = (f"({load_language(code).name})",) if code else ()
            return Said(who, "set the customer impact", language, (Typed(text),))
        case EntryKind.VISIBILITY if entry.text == PRIVATE:
            why = "off the status page and feeds, not announced"
            return Said(who, "made the incident private", detail=(why,), emoji=":lock:")
        case EntryKind.VISIBILITY:
            why = "the next published update puts it on the status page"
            return Said(who, "made the incident public", detail=(why,), emoji=":unlock:")
        case EntryKind.CHANNEL:
            former = (f"from #{entry.text}",) if entry.text else ()
            return Said(who, "moved the incident to a new private channel", detail=former, emoji=":lock:")
        case EntryKind.PUBLIC_TITLE:
            return Said(who, "set the public title (status page and feeds)", detail=typed)
        case EntryKind.SEVERITY:
            return Said(who, "changed the severity", detail=typed)
        case EntryKind.LEAD | EntryKind.ROLE:
            role, person = read_entry(entry)
            if person is None:
                return Said(who, f"cleared the {role.value} role")
            return Said(who, "made", (Person(person), f" the {ROLE_TITLES[role]}"))
        case EntryKind.ATTACK:
            return Said(who, "changed the security assessment", detail=typed, emoji=":shield:")
        case EntryKind.MESSAGE if entry.link:  # copied from another channel: where to read it there
            return Said(who, detail=(*typed, " · ", Typed(f"<{entry.link}|{ORIGINAL}>")), emoji=":pushpin:")
        case EntryKind.MESSAGE:
            return Said(who, detail=typed, emoji=":pushpin:")
        case EntryKind.DRAFT:
            return Said(who, "drafted public updates", detail=typed, emoji=":memo:")
        case EntryKind.PUBLISHED:
            return Said(who, "published the", typed, emoji=":mega:")
        case EntryKind.CORRECTED:
            return Said(who, "corrected the published", typed, emoji=":pencil2:")
        case EntryKind.SNOOZED:
            return Said(who, detail=(reminder_words(entry, zone),), emoji=":zzz:")
        case EntryKind.NO_UPDATE:
            return Said(who, detail=(reminder_words(entry, zone),))
        case EntryKind.PAGED | EntryKind.PAGE_ESCALATED:
            return _paged(entry, who)
        case EntryKind.PAGE_ACKNOWLEDGED:
            news = read_news(entry)
            after = f"{short(news.waited)} after the page" if news.waited is not None else ""
            target = _page_for(news.target, answered_by=who)
            return Said(who, "acknowledged the page", target, (after,), emoji=":raising_hand:")
        case EntryKind.PAGE_DECLINED:
            target = _page_for(read_news(entry).target, answered_by=who)
            return Said(who, "can't take the page", target, emoji=":no_entry_sign:")
        case EntryKind.PAGE_UNANSWERED:
            news = read_news(entry)
            return Said(None, detail=_nobody(news), emoji=":warning:")
        case EntryKind.ALERTS:
            return _alert_news(who, read_alert_news(entry))
        case EntryKind.COMPONENTS:
            changes = read_changes(entry)
            emoji = STATE_EMOJI[ComponentState.worst(change.now for change in changes)]
            return Said(who, "set", _component_changes(changes), emoji=emoji)
        case _:  # related incidents, follow-ups, the retrospective: their stored text says it all
            return Said(who, detail=typed)


def _page_for(target: Target, *, answered_by: str | None = None) -> tuple[Piece, ...]:
    """`to *bob*`, `to *bob*, *carol*`, `to @oncall-web`, `for Home page`: what a page was for
    (nothing more when one of the people paged answers it)."""
    if target.kind is TargetKind.PERSON:
        if answered_by in target.people:
            return ()
        people: list[Piece] = ["to "]
        for position, person in enumerate(target.people):
            people += [", ", Person(person)] if position else [Person(person)]
        return tuple(people)
    if target.kind is TargetKind.GROUP:
        return (f"to {target.label}",)
    return (f"for {target.label}",)


def _nobody(news: PageNews) -> tuple[Piece, ...]:
    """`nobody acknowledged the page for Home page within 5m`, or, when everyone paged said Can't
    take it before that time, `nobody paged for Home page can take it`."""
    if news.declined:
        return ("nobody paged ", *_page_for(news.target), " can take it")
    within = f" within {to_the_second(news.waited)}" if news.waited is not None else ""
    return ("nobody acknowledged the page ", *_page_for(news.target), within)


def _paged(entry: TimelineEntry, who: str) -> Said:
    """`bob paged alice, carol: on call for Home page (@oncall-web)`; an escalation is the bot's act:
    `paged dave: nobody acknowledged the page for Home page within 5m (@sre-leads, its escalation group)`."""
    news = read_news(entry)
    people: list[Piece] = []
    for position, person in enumerate(news.people):
        people += [", "] if position else []
        people.append(Person(person))
    if news.via is Via.ESCALATION:
        why = (*_nobody(news), f" ({news.group}, its escalation group)")
        return Said(None, "paged", tuple(people), why, emoji=":rotating_light:")
    if news.via is Via.ONCALL:
        return Said(who, "paged", tuple(people), (f"on call for {news.target.label} ({news.group})",), emoji=":pager:")
    if news.via is Via.GROUP:
        return Said(who, "paged", tuple(people), (f"in {news.group}",), emoji=":pager:")
    return Said(who, "paged", tuple(people), emoji=":pager:")


ALERT_EMOJI = {
    AlertEvent.ATTACHED: ":rotating_light:",
    AlertEvent.FIRED: ":fire:",
    AlertEvent.FIRED_AGAIN: ":fire:",
    AlertEvent.RESOLVED: ":white_check_mark:",
    AlertEvent.ACKNOWLEDGED: ":eyes:",
}


def _alert_news(who: str, news: AlertNews) -> Said:
    """`alice attached the alerts *5xx rate on web*: 3 firing, 0 resolved · prod-alertmanager`, or
    (said by the source) `HighErrorRate resolved (3 of 3 resolved) · Source`."""
    emoji = ALERT_EMOJI[news.event]
    if news.event is AlertEvent.ATTACHED:
        counted = f"{news.firing} firing, {news.resolved} resolved"
        source: tuple[Piece, ...] = (" · ", Linked(news.source, news.link)) if news.link else (f" · {news.source}",)
        return Said(who, "attached the alerts", (Stressed(news.what),), (counted, *source), emoji=emoji)
    if news.event is AlertEvent.RESOLVED:
        counted = f"{news.resolved} of {news.total} resolved"
    else:
        counted = f"{news.firing} of {news.total} firing"
    link: tuple[Piece, ...] = (" · ", Linked("Source", news.link)) if news.link else ()
    return Said(who, detail=(f"{news.what} {news.event.value} ({counted})", *link), emoji=emoji)


def _component_changes(changes: list[ComponentChange]) -> tuple[Piece, ...]:
    """`*Home page* to major outage, *API* to operational (was partial outage)`."""
    pieces: list[Piece] = []
    for position, change in enumerate(changes):
        was = f" (was {PHRASES[change.was]})" if change.was is not ComponentState.OPERATIONAL else ""
        pieces += [", "] if position else []
        pieces += [Stressed(change.name), f" to {PHRASES[change.now]}{was}"]
    return tuple(pieces)


def words(description: Said, piece: Callable[[Piece], str]) -> str:
    """The verb, its object and the detail, each piece rendered by `piece` (one medium's markup):
    `verb object: detail`, or the detail alone; no colon when the detail is empty."""
    head = " ".join(part for part in (description.verb, "".join(map(piece, description.object))) if part)
    detail = "".join(map(piece, description.detail))
    if head and detail:
        return f"{head}: {detail}"
    return head or detail
