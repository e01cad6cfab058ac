"""What the person who pressed one of paging's buttons reads (docs/behaviour.md, Paging): the
replies to *Acknowledge*, *Can't take it*, *Page again* and *Page someone else*'s picker, and
their refusals, in the language that person reads the bot in (their Slack locale among
INCIDENT_LANGUAGES, `bot.domain.readers`, as their App Home and pages), times in the incident's
zone; the words are the `page_replies.*` wording of `bot/domain/wording/<code>.toml`. The reply to
`/incident page` is the same text in English (`ENGLISH`), as every reply to a command. Pure;
people by name, never pinged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.catalog import Catalog
from bot.domain.incident import Incident
from bot.domain.language import REFERENCE, Language, load_language, public_time
from bot.domain.markup import escape
from bot.domain.paging import Paged, Skipped, Via, read_in
from bot.domain.readers import Reader
from bot.domain.usergroups import Unpageable
from bot.render.lines import who
from bot.render.paging import target_words

SKIPPED_KEYS = {
    Skipped.GUEST: "skipped_guest",
    Skipped.APP: "skipped_app",
    Skipped.DEACTIVATED: "skipped_deactivated",
    Skipped.UNKNOWN: "skipped_unknown",
    Skipped.MISSING: "skipped_missing",
    Skipped.PAGER: "skipped_pager",
}


def english(zone: ZoneInfo) -> Reader:
    """How a command's reply reads: the reference wording (English), in `zone`."""
    return Reader(REFERENCE, zone)


class ReplyWords:
    """The `page_replies.*` texts of one reader: `said(key, **values)`, times as they write them."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.words: Language = load_language(reader.language)

    def __call__(self, key: str, **values: object) -> str:
        return self.words.text(f"page_replies.{key}").format(**values)

    def time(self, moment: datetime) -> str:
        return public_time(moment, self.reader.zone, self.words)

    def listed(self, items: Sequence[str]) -> str:
        return self("list_separator").join(items)

    def taken(self, taker: str | None, at: datetime, *, then: str = "taken") -> str:
        """`alice acknowledged it at 21:45 IST: nothing more to do.` (`then`: the key that says it): a
        refusal, which the reply escapes."""
        return self(then, who=taker or self("someone"), time=self.time(at))


def acknowledged(incident: Incident, at: datetime, *, made_lead: bool, said: ReplyWords) -> str:
    """`INC-7: thank you, you acknowledged it at 21:45 IST. Its channel: #inc-7. You are its lead now.`"""
    parts = [said("acknowledged", incident=incident.name, time=said.time(at))]
    parts += [said("its_channel", channel=f"<#{incident.channel_id}>")] if incident.channel_id else []
    parts += [said("made_lead")] if made_lead else []
    return " ".join(parts)


def paged_reply(paged: Paged, names: Mapping[str, str], said: ReplyWords, catalog: Catalog) -> str:
    """To the person paging: whom each request reached (a component by its name in their language,
    as `catalog` gives it now), who was not paged and why, who was already waiting to answer an
    earlier page, and the user groups that could not be paged."""
    lines = []
    for asked in paged.asked:
        people = ", ".join(who(person, names) for person in asked.paged)
        group = escape(asked.group)
        match asked.via:
            case Via.ONCALL:
                what = target_words(read_in(asked.target, catalog, said.reader.language), names)
                lines.append(said("paged_oncall", people=people, what=what, group=group))
            case Via.GROUP:
                lines.append(said("paged_group", people=people, group=group))
            case Via.ESCALATION:  # *Page again* after an escalation
                lines.append(said("paged_escalation", people=people, group=group))
            case _:
                lines.append(said("paged_direct", people=people))
    if lines:
        several = sum(len(asked.paged) for asked in paged.asked) > 1
        text = said(
            "sent_each" if several else "sent_one",
            incident=paged.incident.name,
            list=said("paged_separator").join(lines),
        )
    else:
        text = said("nobody", incident=paged.incident.name)
    if paged.skipped:
        skipped = [said("not_paged_one", who=who(p, names), why=said(SKIPPED_KEYS[why])) for p, why in paged.skipped]
        text += "\n" + said("not_paged", list=said.listed(skipped))
    if paged.waiting:
        waiting = [said("waiting_one", who=who(person, names), time=said.time(at)) for person, at in paged.waiting]
        text += "\n" + said("waiting", list=said.listed(waiting))
    for group, why in paged.groups_left_out:
        shown = escape(group) if why is not Unpageable.UNKNOWN else f"`{escape(group)}`"
        text += "\n" + said("not_paged_group", group=shown, why=said(f"group_{why.value}"))
    return text
