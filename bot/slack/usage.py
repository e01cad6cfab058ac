"""How each `/incident` subcommand is written: the usage lines every refusal ends with, the
help text, and the subcommand a typo most likely meant."""

from __future__ import annotations

from bot.domain.similarity import edits
from bot.domain.timeparse import ACCEPTED_FORMS
from bot.lookup import NOT_AN_INCIDENT_CHANNEL

USAGE: dict[str, str] = {
    "open": "`/incident open [--private] [sev1..sev4] <title> [--at TIME]`",
    "status": ("`/incident status [INC-n] <investigating|identified|monitoring|resolved> [message] [--at TIME]`"),
    "note": "`/incident note [INC-n] <text> [--at TIME]`",
    "impact": "`/incident impact [INC-n] [en|fr|...] <what customers experience>`",
    "affects": "`/incident affects [INC-n] <component> <operational|degraded|partial|major> [--at TIME]`",
    "public-title": "`/incident public-title [INC-n] <the name the public reads on the status page>`",
    "sev": "`/incident sev [INC-n] <1-4>`",
    "lead": "`/incident lead [INC-n] <@person>`",
    "role": "`/incident role [INC-n] <lead|comms|scribe> <@person|none>`",
    "attack": "`/incident attack [INC-n] <no-evidence|suspected|confirmed|not-relevant>`",
    "private": "`/incident private [INC-n]`",
    "public": "`/incident public [INC-n]`",
    "draft": "`/incident draft [INC-n] [en|fr|...] [short|long]`",
    "timeline": "`/incident timeline [INC-n]`",
    "close": "`/incident close [INC-n] [summary] [--at TIME]`",
    "reopen": "`/incident reopen [INC-n] [reason]`",
    "list": "`/incident list [all]`",
    "page": "`/incident page [INC-n] <@person|@group|component> ...`",
    "oncall": "`/incident oncall [component]`",
    "followup": "`/incident followup [INC-n] <text> [@owner] [due YYYY-MM-DD]` · `/incident followup done <id>`",
    "related": "`/incident related [INC-n] INC-m`",
    "unrelated": "`/incident unrelated [INC-n] INC-m`",
    "retro": "`/incident retro [INC-n]` · `/incident retro [INC-n] done` · `/incident retro [INC-n] waived <reason>`",
    "stats": "`/incident stats [30d|90d]`",
    "subscribers": "`/incident subscribers`",
    "help": "`/incident help`",
}

HELP_TEXT = "\n".join(
    [
        *USAGE.values(),
        "",
        "`INC-n` names an incident; in the incident's own channel you can leave it out.",
        f"`--at TIME` backdates an event and comes last. TIME is {ACCEPTED_FORMS}",
    ]
)


def no_incident_here(subcommand: str) -> str | None:
    """The refusal of `subcommand` typed without INC-n outside an incident channel, its example
    that very subcommand's usage with INC-7 (`/incident page INC-7 <@person|@group|component> ...`);
    None for a subcommand whose usage names no incident."""
    forms = [form.strip() for form in USAGE.get(subcommand, "").split(" · ")]
    example = next((form for form in forms if "[INC-n]" in form), None)
    if example is None:
        return None
    return NOT_AN_INCIDENT_CHANNEL.format(example=example.replace("[INC-n]", "INC-7", 1))


def unknown_subcommand(name: str) -> str:
    close = suggestion(name.lower(), [*USAGE])
    hint = f" Did you mean `{close}`?" if close else ""
    return f"Unknown subcommand '{name}'.{hint} Here is what `/incident` understands:"


def suggestion(typed: str, known: list[str]) -> str | None:
    """The subcommand `typed` most likely meant: fewest edits (a swap of two letters is one edit,
    the typo people make most: `stauts` is `status`, not `stats`), then the same length, then
    the order of `known`; at most a third of the letters wrong."""
    ranked = sorted((edits(typed, word), abs(len(word) - len(typed)), index, word) for index, word in enumerate(known))
    best = ranked[0] if ranked else None
    if best is None or best[0] > max(1, len(typed) // 3):
        return None
    return best[3]
