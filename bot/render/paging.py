"""What paging says (docs/behaviour.md, Paging): the direct message a page sends and what it
becomes once answered, the channel's notice when nobody answered, and the card's lines (the
replies to the person paging or answering are `bot.render.page_replies`'). Pure; people by name,
never pinged (the direct message itself is what notifies the person paged). The direct message is
the one thing here read by one person alone: it is worded in their language and zone
(`bot.domain.readers`), its words in the `paging.*` wording of each language
(`bot/domain/wording/<code>.toml`); the channel's texts are the team's, in English as the card,
the timeline and the reminders (no channel has a language of its own).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.domain.alerts import is_source
from bot.domain.catalog import Catalog
from bot.domain.durations import to_the_second
from bot.domain.incident import Incident
from bot.domain.language import Language, load_language, public_time
from bot.domain.markup import escape, for_slack
from bot.domain.paging import (
    Choice,
    OnCall,
    Page,
    PageRequest,
    PageState,
    RequestState,
    Skipped,
    Target,
    TargetKind,
    Via,
    reach,
    read_in,
)
from bot.domain.readers import Reader
from bot.domain.usergroups import KnownGroup
from bot.render import actions
from bot.render.lines import who
from bot.render.text import section

Block = dict[str, Any]


def target_words(target: Target, names: Mapping[str, str]) -> str:
    """`*bob*`, `*bob*, *carol*`, `@oncall-web`, `*Home page*`: what a request was for."""
    if target.kind is TargetKind.PERSON:
        return _people(target.people, names)
    if target.kind is TargetKind.GROUP:
        return escape(target.label)
    return f"*{escape(target.label)}*"


def _why(page: Page, names: Mapping[str, str], words: Language, catalog: Catalog) -> str:
    request = page.request
    group = escape(request.escalation if page.via is Via.ESCALATION else request.group)
    what = target_words(read_in(request.target, catalog, words.code), names)
    return words.text(f"paging.why_{page.via.value}").format(group=group, what=what)


def _heading(incident: Incident, page: Page, names: Mapping[str, str], words: Language) -> str:
    title, pager = for_slack(incident.title, names), who(page.request.paged_by, names)
    said = words.text("paging.heading")
    return said.format(who=pager, incident=incident.name, severity=incident.severity, title=title)


def page_message(
    incident: Incident, page: Page, names: Mapping[str, str], reader: Reader, catalog: Catalog
) -> tuple[str, list[Block]]:
    """The direct message asking someone to take it, in their language (a component by its name in
    that language, as `catalog` gives it now): fallback text and blocks."""
    words = load_language(reader.language)
    heading = _heading(incident, page, names, words)
    where = words.text("paging.where").format(channel=f"<#{incident.channel_id}>")
    if not incident.channel_id:  # a page goes before the channel: Slack may be failing to create it
        where = words.text("paging.where_later")
    buttons = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": words.text("paging.acknowledge")},
            "action_id": actions.ACKNOWLEDGE_PAGE,
            "value": str(page.id),
            "style": "primary",
        },
        {
            "type": "button",
            "text": {"type": "plain_text", "text": words.text("paging.decline")},
            "action_id": actions.DECLINE_PAGE,
            "value": str(page.id),
        },
    ]
    blocks = [
        section(f"{heading}\n{_why(page, names, words, catalog)} {where}"),
        {"type": "actions", "block_id": actions.PAGE_BLOCK, "elements": buttons},
    ]
    return _fallback(incident, page, names, words), blocks


def _fallback(incident: Incident, page: Page, names: Mapping[str, str], words: Language) -> str:
    paged_by = escape(names.get(page.request.paged_by) or words.text("paging.someone"))
    return words.text("paging.notification").format(who=paged_by, incident=incident.name, severity=incident.severity)


def answered_message(
    incident: Incident, page: Page, names: Mapping[str, str], reader: Reader
) -> tuple[str, list[Block]]:
    """The direct message once answered (by this person or another) or ended by the incident's
    resolution, without its buttons, in the person's language and zone."""
    words = load_language(reader.language)
    request = page.request

    def at(moment: datetime | None) -> str:
        return public_time(moment, reader.zone, words) if moment else ""

    when = at(page.answered_at)
    match page.state:
        case PageState.ACKNOWLEDGED if incident.channel_id:
            said = words.text("paging.acknowledged_where").format(time=when, channel=f"<#{incident.channel_id}>")
        case PageState.ACKNOWLEDGED:
            said = words.text("paging.acknowledged").format(time=when)
        case PageState.DECLINED:
            said = words.text("paging.declined").format(time=when)
        case PageState.TAKEN if request.acknowledged_by:
            taker = who(request.acknowledged_by, names)
            said = words.text("paging.taken").format(who=taker, time=at(request.acknowledged_at) or when)
        case PageState.REPLACED if page.asked_again:
            said = words.text("paging.replaced").format(time=when)
        case PageState.REPLACED if page.paged_since:  # paged again, and that newer page was answered
            said = words.text("paging.replaced_answered").format(time=when)
        case PageState.REPLACED:  # paged again to others (or they could not be paged again): not to answer
            said = words.text("paging.replaced_not_you").format(time=when)
        case PageState.ENDED:
            said = words.text("paging.ended").format(incident=incident.name, time=when)
        case _:
            said = ""
    blocks = [section(_heading(incident, page, names, words)), *([section(said)] if said else [])]
    return _fallback(incident, page, names, words), blocks


def unanswered_text(
    request: PageRequest,
    waited: timedelta,
    names: Mapping[str, str],
    *,
    lead: str | None,
    declined: bool = False,
    group: KnownGroup | None = None,
    skipped: str = "",
) -> str:
    """In the incident channel: nobody acknowledged the page (`declined`: everyone paged said they
    can't take it). Someone is mentioned on purpose (someone must act): the lead; while no person
    leads (an alert source a rule declared the incident for stands in), the person who paged, else
    `group`, the user group paged last (its escalation group, else the group paged), and the notice
    says nobody leads. A page to one person names them ("*carol* can't take it. Page *carol*
    again, or someone else?"); `skipped`: why its escalation group could not be paged
    (`escalation_skipped`)."""
    target = target_words(request.target, names)
    escalated = f" nor its escalation group {escape(request.escalation)}" if request.escalation else ""
    led = bool(lead) and not is_source(lead)
    person = lead if led else (None if is_source(request.paged_by) else request.paged_by)
    if person:
        mention = f"<@{person}> "
    elif group is not None:
        mention = f"<!subteam^{group.id}|{escape(group.mention)}> "
    else:
        mention = ""
    one = len(request.target.people) == 1
    if declined and one:
        said = f"{target} can't take it."
    elif declined and request.target.people:
        said = f"None of {target} can take it."
    elif declined:
        said = f"Nobody paged {_to_or_for(request.target)} {target}{escalated} can take it."
    else:
        within = to_the_second(waited)
        said = f"Nobody acknowledged the page {_to_or_for(request.target)} {target}{escalated} within {within}."
    again = f"Page {target} again" if one else "Page them again"
    nobody_leads = "" if led else " Nobody leads this incident yet."
    return f":warning: {mention}{said}{skipped}{nobody_leads} {again}, or someone else?"


def escalation_skipped(named: str, group: KnownGroup | None, left_out: Choice | None, names: Mapping[str, str]) -> str:
    """` Its escalation group @sre-leads could not be paged: disabled in Slack.`: why nobody
    answering did not page the component's `escalation` group (`named` as the catalog names it)."""
    if group is None:
        why = "not a user group the bot knows in this workspace"
        return f" Its escalation group `{escape(named)}` could not be paged: {why}."
    if group.disabled:
        why = "disabled in Slack"
    elif not group.members:
        why = "it has no members"
    else:
        reasons = [(person, reason.value) for person, reason in left_out.skipped] if left_out else []
        reasons += [(person, "already paged, not answered yet") for person, _ in left_out.waiting] if left_out else []
        reasons.sort(key=lambda pair: group.members.index(pair[0]) if pair[0] in group.members else len(group.members))
        why = "nobody in it can be: " + ", ".join(f"{who(person, names)} ({reason})" for person, reason in reasons)
    return f" Its escalation group {escape(group.mention)} could not be paged: {why}."


def _to_or_for(target: Target) -> str:
    return "for" if target.kind is TargetKind.COMPONENT else "to"


def unanswered_blocks(text: str, request_id: int) -> list[Block]:
    """The notice with *Page again* and *Page someone else*, each valued with the request's id."""
    value = str(request_id)
    buttons = [
        {"type": "button", "text": {"type": "plain_text", "text": "Page again"}, "action_id": actions.PAGE_AGAIN},
        {
            "type": "button",
            "text": {"type": "plain_text", "text": "Page someone else"},
            "action_id": actions.PAGE_SOMEONE_ELSE,
        },
    ]
    for button in buttons:
        button["value"] = value
    return [section(text), {"type": "actions", "block_id": actions.UNANSWERED_BLOCK, "elements": buttons}]


def _people(user_ids: Sequence[str], names: Mapping[str, str]) -> str:
    return ", ".join(who(person, names) for person in user_ids)


def card_lines(requests: Sequence[PageRequest], names: Mapping[str, str], at: Callable[[datetime], str]) -> list[str]:
    """`*Paged*` on the card: each request and where it stands, its times worded by `at` (the card's)."""
    lines = []
    for request in requests:
        if request.state is RequestState.REPLACED:
            continue
        target = target_words(request.target, names)
        if request.acknowledged_by and request.acknowledged_at:
            acknowledged = at(request.acknowledged_at)
            themselves = request.target.people == (request.acknowledged_by,)
            by = "" if themselves else f" by {who(request.acknowledged_by, names)}"  # not "*bob*: ... by *bob*"
            lines.append(f":white_check_mark: {target}: acknowledged{by} at {acknowledged}")
        elif request.state is RequestState.UNANSWERED:
            lines.append(f":warning: {target}: nobody answered")
        elif request.state is RequestState.ENDED:
            lines.append(f":heavy_minus_sign: {target}: ended when the incident was resolved")
        elif request.state is RequestState.ESCALATED:
            lines.append(f":rotating_light: {target}: escalated to {escape(request.escalation)}, waiting")
        else:
            since = at(request.created_at)
            lines.append(f":pager: {target}: waiting since {since}")
    return lines


def on_call_text(on_call: Sequence[OnCall], names: Mapping[str, str]) -> str:
    """`/incident oncall`: each component, its on-call group's members and its escalation group's,
    by name (never pinged)."""
    lines = ["*On call now*"]
    for each in on_call:
        groups = [
            _group_words("on call", each.oncall, each.oncall_group, each, names),
            _group_words("escalation", each.escalation, each.escalation_group, each, names),
        ]
        shown = " · ".join(words for words in groups if words) or "no on-call group in the catalog"
        lines.append(f"*{escape(each.name)}* (`{escape(each.component_id)}`): {shown}")
    return "\n".join(lines)


def _group_words(
    role: str, named: str | None, group: KnownGroup | None, on_call: OnCall, names: Mapping[str, str]
) -> str:
    if named is None:
        return ""
    if group is None:
        return f"{role} `{escape(named)}`: not a user group the bot knows in this workspace"
    if group.disabled:
        return f"{role} {escape(group.mention)}: disabled in Slack"
    paged, left_out = reach(group, on_call.never)
    people = ", ".join(who(person, names) for person in paged) or "nobody"
    return f"{role} {escape(group.mention)}: {people}{never_paged_words(left_out)}"


NEVER_PAGED = {
    Skipped.GUEST: ("guest", "guests"),
    Skipped.APP: ("app", "apps"),
    Skipped.DEACTIVATED: ("deactivated account", "deactivated accounts"),
    Skipped.UNKNOWN: ("person the bot does not know yet", "people the bot does not know yet"),
}


def never_paged_words(left_out: Sequence[Skipped]) -> str:
    """` (never paged: 1 guest, 1 app)`: how many of a group's members a page leaves out, and why
    (as the App Home says it); "" when none is."""
    counted = [(words, left_out.count(reason)) for reason, words in NEVER_PAGED.items() if reason in left_out]
    if not counted:
        return ""
    return " (never paged: " + ", ".join(f"{count} {words[count > 1]}" for words, count in counted) + ")"
