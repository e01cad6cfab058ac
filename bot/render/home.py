"""The App Home as one person sees it (docs/behaviour.md, The App Home): a `home` view of Block Kit,
from a `bot.domain.home.Home`, labelled in the person's language (the `home.*` wording), times in
their zone. Pure: nothing here reads storage or calls Slack.

A Home view holds at most 100 blocks (Slack's limit). Each incident, alert group and the like is a
block of its own; when everything would not fit, the longest list is cut first and ends with
"…and 12 more: `/incident list`" (`fit`); alert groups point to the alert channel instead, and
pages to the direct messages that ask them (the app's Messages tab).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.domain.alerts import is_source
from bot.domain.home import Home, OnHome, OpenFollowUp, Resolved, WaitingGroup, WaitingPage, overdue_by
from bot.domain.language import Language, load_language, public_time
from bot.domain.markup import SOMEONE, as_read, escape, for_slack, shorten, visible_length
from bot.domain.paging import OnCall, Skipped, reach
from bot.domain.reminders import minutes
from bot.render import actions
from bot.render.text import HEADER_LIMIT, SECTION_LIMIT, pack_lines
from bot.render.timeline import STATUS_EMOJI
from bot.render.triage import add_select

Block = dict[str, Any]
MAX_BLOCKS = 100  # in a Home view (Slack's limit)
UPDATED = "home_updated"  # the block saying when the Home was read, left out of its `digest`
LINE_LIMIT = 300  # characters of a follow-up or an incident's title shown in one line
_NONE = timedelta(0)
Say = Callable[..., str]  # a `home.*` label of the person's language, its placeholders filled


@dataclass
class Part:
    """One section of the Home: its heading, a block per item, how many more there are, and what
    it says when it has none."""

    heading: str
    items: list[list[Block]] = field(default_factory=list)  # each item's blocks (an alert group: and its buttons)
    more: int = 0
    none: str = ""
    more_text: str = ""

    def blocks(self) -> list[Block]:
        shown = [_header(self.heading), *(block for item in self.items for block in item)]
        if not self.items and not self.more:
            shown.append(_context(self.none))
        if self.more:
            shown.append(_context(self.more_text.format(count=self.more)))
        return shown


def home_view(home: Home) -> dict[str, Any]:
    """The `home` view `views.publish` publishes for `home.viewer`."""
    words = load_language(home.language)

    def say(key: str, **values: object) -> str:
        return words.text(f"home.{key}").format(**values)

    top: list[Block] = [_header(say("title"))]
    if not home.reads:  # a guest where guests read nothing: the Home says only that
        return {"type": "home", "blocks": [*top, _section(say("guest_refused"))]}
    if home.guest:
        top.append(_context(say("guest")))
    else:
        button = {"type": "button", "text": _plain(say("declare")), "action_id": actions.HOME_DECLARE}
        top.append({"type": "actions", "elements": [{**button, "style": "primary", "value": "declare"}]})
    more = say("more", count="{count}")
    parts = [
        Part(
            say("mine"),
            [[_incident(item, home, words, mine=True)] for item in home.mine],
            home.mine_more,
            say("mine_none"),
            more,
        )
    ]
    if home.pages is not None:
        items = [[_page(page, home, say)] for page in home.pages]
        # The rest wait in their direct messages (nothing else lists one's pages; `/incident list` lists incidents).
        more_pages = say("more_pages", count="{count}")
        parts.append(Part(say("pages"), items, home.pages_more, say("pages_none"), more_pages))
    if home.alert_groups is not None:
        items = [_group(group, home, say) for group in home.alert_groups]
        # The rest wait in the alert channel, not in `/incident list` (which lists incidents only).
        more_alerts = say("more_alerts", count="{count}", channel=home.alert_channel) if home.alert_channel else more
        parts.append(Part(say("alerts"), items, home.alert_groups_more, say("alerts_none"), more_alerts))
    if home.oncall is not None:
        parts.append(Part(say("oncall"), [[block] for block in _oncall(home.oncall, home.names, say)]))
    parts.append(
        Part(
            say("others"),
            [[_incident(item, home, words)] for item in home.others],
            home.others_more,
            say("others_none"),
            more,
        )
    )
    parts.append(
        Part(
            say("resolved"),
            [[block] for block in _lines([_resolved(item, home.names, say) for item in home.resolved])],
            0,
            say("resolved_none"),
        )
    )
    follow_ups = [[block] for block in _lines([_follow_up(item, home.names, say) for item in home.follow_ups])]
    more_follow_ups = say("more_follow_ups", count="{count}")
    parts.append(Part(say("follow_ups"), follow_ups, home.follow_ups_more, say("follow_ups_none"), more_follow_ups))
    bottom = [{**_context(say("updated", time=public_time(home.now, home.zone, words))), "block_id": UPDATED}]
    return {"type": "home", "blocks": fit(top, parts, bottom)}


def digest(view: Mapping[str, Any]) -> str:
    """What `view` shows, as a SHA-256 (hex): two views of the same digest show the same, but for
    the time they say they were updated at (a publish that would change only that is not sent)."""
    shown = {**view, "blocks": [block for block in view["blocks"] if block.get("block_id") != UPDATED]}
    return hashlib.sha256(json.dumps(shown, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def fit(top: list[Block], parts: list[Part], bottom: list[Block], limit: int = MAX_BLOCKS) -> list[Block]:
    """Every part's blocks between `top` and `bottom`, within `limit` blocks: while they do not
    fit, the part with the most blocks loses its last item, counted in its "and N more"."""

    def total() -> int:
        return len(top) + len(bottom) + sum(len(part.blocks()) + 1 for part in parts) - 1

    while total() > limit:
        longest = max(parts, key=lambda part: sum(map(len, part.items)))
        if not longest.items:
            raise ValueError("the Home's headings alone do not fit in a view")
        longest.items.pop()
        longest.more += 1
    blocks = list(top)
    for position, part in enumerate(parts):
        blocks += ([{"type": "divider"}] if position else []) + part.blocks()
    return blocks + bottom


def _incident(item: OnHome, home: Home, words: Language, *, mine: bool = False) -> Block:
    """`:mag: *INC-7* #inc-7-checkout · Checkout fails` / `sev1 · investigating · open 42 min · lead alice`
    and, for one of mine, when the next public update is due."""
    incident, say = item.incident, words.text
    where = f" <#{incident.channel_id}>" if incident.channel_id else ""
    title = _line(incident.title, home.names)
    lines = [f"{STATUS_EMOJI[incident.status]} *{incident.name}*{where} · {title}"]
    facts = [
        f"sev{incident.severity}",
        say(f"home.status.{incident.status.value}"),
        say("home.open_for").format(span=minutes(max(home.now - incident.impact_started_at, _NONE))),
        _lead(incident.lead, home, say),
    ]
    lines.append(" · ".join(facts))
    if mine:
        roles = [
            say(f"home.role.{role}") for role in ("lead", "comms", "scribe") if getattr(incident, role) == home.viewer
        ]
        lines[-1] += f" · _{', '.join(roles)}_"
        lines.append(_due(item.due, home, words))
    return _section("\n".join(lines))


def _due(due: datetime | None, home: Home, words: Language) -> str:
    """`next public update due in 12 min (14:05 IST)` / `… overdue by 5 min (due 13:48 IST)`."""
    if due is None:
        return words.text("home.no_due")
    late = overdue_by(due, home.now)
    when = public_time(due, home.zone, words)  # as the language writes it: `22 h 20 (UTC+5:30)`
    if late is None:
        return ":hourglass_flowing_sand: " + words.text("home.due_in").format(span=minutes(due - home.now), time=when)
    return ":warning: *" + words.text("home.overdue").format(span=minutes(late), time=when) + "*"


def _page(page: WaitingPage, home: Home, say: Say) -> Block:
    """`:rotating_light: *INC-7* #inc-7 · Checkout fails` / `paged by alice 4 min ago` (or, escalated,
    `nobody on call for *Home page* took it: escalated to you through @sre-leads 1 min ago`), with the
    page's own *Acknowledge* (the direct message's button: the same listener answers it)."""
    incident, ago = page.incident, minutes(max(home.now - page.paged_at, _NONE))
    who = _name(page.paged_by, home.names)
    if page.escalated_for:  # the bot's own act: nobody on call took it
        paged = say("escalated", what=f"*{escape(page.escalated_for.label)}*", group=escape(page.group), span=ago)
    elif page.group:
        paged = say("paged_through", group=escape(page.group), who=who, span=ago)
    else:
        paged = say("paged", who=who, span=ago)
    where = f" <#{incident.channel_id}>" if incident.channel_id else ""
    title = _line(incident.title, home.names)
    block = _section(f":rotating_light: *{incident.name}*{where} · {title}\nsev{incident.severity} · {paged}")
    button = {"type": "button", "text": _plain(say("acknowledge")), "action_id": actions.ACKNOWLEDGE_PAGE}
    return {**block, "accessory": {**button, "style": "primary", "value": str(page.page_id)}}


def _group(group: WaitingGroup, home: Home, say: Say) -> list[Block]:
    """The group, and the buttons of its message in the alert channel (the same listener answers
    them): *Declare incident*, *Add to incident* (when an incident is open), *Dismiss*."""
    seen = minutes(max(home.now - group.first_seen_at, _NONE))
    line = f":rotating_light: *{escape(shorten(group.title, LINE_LIMIT))}* · sev{group.severity}"
    where = f" · <#{group.channel_id}>" if group.channel_id else ""
    value = actions.triage_value(group.group_id, group.version)
    declare = {"type": "button", "text": _plain(say("declare")), "action_id": actions.DECLARE_ALERTS, "value": value}
    dismiss = {"type": "button", "text": _plain(say("dismiss")), "action_id": actions.DISMISS_ALERTS, "value": value}
    add = [add_select(group.group_id, group.version, home.add_to, say("add_to_incident"))] if home.add_to else []
    buttons = {"type": "actions", "elements": [{**declare, "style": "primary"}, *add, dismiss]}
    return [_section(f"{line}{where}\n{say('alert_line', count=group.alerts, span=seen)}"), buttons]


def _oncall(oncall: Sequence[OnCall], names: Mapping[str, str], say: Say) -> list[Block]:
    """`*Home page* · @oncall-web · *bob*, *carol* (never paged: 1 guest, 1 app)`: whom a page
    reaches, and how many of the group it leaves out and why."""
    lines = []
    for each in oncall:
        paged, left_out = reach(each.oncall_group, each.never)
        people = ", ".join(_name(person, names) for person in paged) or say("oncall_nobody")
        group = each.oncall_group.mention if each.oncall_group is not None else f"@{each.oncall}"
        lines.append(f"*{escape(each.name)}* · {escape(group)} · {people}{_never_paged(left_out, say)}")
    return _lines(lines)


NEVER_PAGED = {
    Skipped.GUEST: "never_guest",
    Skipped.APP: "never_app",
    Skipped.DEACTIVATED: "never_deactivated",
    Skipped.UNKNOWN: "never_unknown",
}


def _never_paged(left_out: Sequence[Skipped], say: Say) -> str:
    counted = [(key, left_out.count(reason)) for reason, key in NEVER_PAGED.items() if reason in left_out]
    if not counted:
        return ""
    listed = ", ".join(say(f"{key}_{'one' if count == 1 else 'many'}", count=count) for key, count in counted)
    return " " + say("oncall_never", list=listed)


def _resolved(item: Resolved, names: Mapping[str, str], say: Say) -> str:
    incident = item.incident
    lasted = f" · {say('lasted', span=minutes(item.lasted))}" if item.lasted is not None else ""
    where = f" <#{incident.channel_id}>" if incident.channel_id else ""
    title = _line(incident.title, names)
    return f"{STATUS_EMOJI[incident.status]} *{incident.name}*{where} · {title}{lasted}"


def _line(text: str, names: Mapping[str, str]) -> str:
    """People's text on one line: as Slack shows it, or past LINE_LIMIT characters as read (or
    longer as mrkdwn than LINE_LIMIT escaped characters can be) its words read and cut, never
    inside a link, a mention or a typed `<` (stored `&lt;`)."""
    shown = for_slack(text, names)
    if visible_length(text) <= LINE_LIMIT and len(shown) <= len(escape("&" * LINE_LIMIT)):
        return shown
    return escape(shorten(as_read(text, names), LINE_LIMIT))


def _follow_up(item: OpenFollowUp, names: Mapping[str, str], say: Say) -> str:
    due = say("due_on", date=item.due.isoformat()) if item.due else say("no_due_date")
    text = _line(item.text, names)
    private = " :lock:" if item.incident.private else ""  # its owner sees its name, never its title
    return f"• #{item.number} {text} · *{item.incident.name}*{private} · {due}"


def _lines(lines: list[str]) -> list[Block]:
    """Lines packed into as few sections as fit (3,000 characters each)."""
    return [_section(text) for text in pack_lines(lines, SECTION_LIMIT)] if lines else []


def _lead(lead: str, home: Home, say: Say) -> str:
    """`lead *alice*`; an alert source a rule declared the incident for leads nobody, as the card
    says: `lead nobody yet (opened by *prod-alertmanager*)`."""
    if is_source(lead):
        return say("home.lead_nobody").format(who=_name(lead, home.names))
    return say("home.lead").format(who=_name(lead, home.names))


def _name(user_id: str | None, names: Mapping[str, str]) -> str:
    return f"*{escape(names.get(user_id or '') or SOMEONE)}*"


def _header(text: str) -> Block:
    return {"type": "header", "text": _plain(shorten(text, HEADER_LIMIT))}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}
