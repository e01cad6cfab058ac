"""`/incident ...` text -> a typed command. Pure: no Slack calls, no clock, no storage.

`parse(text)` returns one of the typed commands of `bot.slack.commands` (the `Command` union) or raises
`UsageError(message, usage=...)` saying what is wrong and how to write it (`bot.slack.usage`). Reading rules:
- subcommands, statuses, `INC-n`, `sevN`, `short`/`long` and language codes are case-insensitive;
- `INC-n` right after the subcommand names the incident (`incident=None`: this channel's);
- `--at TIME` (also `—at`/`–at`, which autocorrect makes of `--at`) is the last option and takes the rest
  of the text; TIME is kept as typed (whitespace collapsed) and read later by `bot.domain.timeparse.parse_at`;
  `open` with no title before `--at` takes the words after the time as the title (`leading_time`);
- Slack escapes `&`, `<`, `>` as `&amp;`, `&lt;`, `&gt;`: free text is stored by `markup.stored_form` (a typed
  `<!channel>` stays characters, a mention picked stays one); `lead` and `role` mentions are read from the raw text;
- one-line texts (title, impact) have whitespace collapsed; multi-line texts (status message, note, close
  summary, reopen reason) keep their lines, trimmed, with at most one blank line in a row. Length limits are
  the domain's (`bot.domain.incident`); `page` is read by `bot.slack.parse_page`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.domain.affects import read_affected
from bot.domain.catalog import as_typed
from bot.domain.incident import DEFAULT_SEVERITY, SEVERITIES, Attack, Status, parse_name
from bot.domain.language import available_languages
from bot.domain.markup import collapse_spaces, stored_form
from bot.domain.retro import RetroState
from bot.domain.roles import Role
from bot.domain.timeparse import leading_time
from bot.errors import UsageError
from bot.slack import commands
from bot.slack.parse_page import read_oncall, read_page
from bot.slack.usage import HELP_TEXT, USAGE, unknown_subcommand

_TAKES_AT = frozenset({"open", "status", "note", "close", "affects"})
_AT = re.compile(r"(?:^|(?<=\s))(?:--|\u2014|\u2013)at(?:=|\s|$)", re.IGNORECASE)
_PRIVATE = re.compile(r"(?:--|\u2014|\u2013)private", re.IGNORECASE)
_SEV = re.compile(r"sev-?(\d{1,9})", re.IGNORECASE)
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_STATUSES = "investigating, identified, monitoring or resolved"
_ATTACKS = "no-evidence, suspected, confirmed or not-relevant"
_ROLES = "lead, comms or scribe"


def parse(text: str) -> commands.Command:
    """Read the text of `/incident ...` (everything after the command itself)."""
    body, at = _split_at(text)
    name, rest = _next_word(body)
    subcommand = name.lower()
    if subcommand in ("", "help"):
        return commands.Help()
    read = _READERS.get(subcommand)
    if read is None:
        raise UsageError(unknown_subcommand(_typed(name)), usage=HELP_TEXT)
    usage = USAGE[subcommand]
    if at is not None and subcommand not in _TAKES_AT:
        raise UsageError(
            f"`/incident {subcommand}` does not take --at: only open, status, note, close and affects take it.",
            usage=usage,
        )
    if at == "":
        raise UsageError("Give a time after --at, for example `--at 21:41` or `--at 10m ago`.", usage=usage)
    if subcommand != "open" and _PRIVATE.fullmatch(_next_word(_take_incident(rest)[1])[0]):
        raise UsageError(
            f"`--private` goes only with `open`: `/incident {subcommand}` does not take it. "
            "To make an incident private, use `/incident private [INC-n]`.",
            usage=usage,
        )
    try:
        return read(rest, at)
    except _Malformed as malformed:
        raise UsageError(malformed.message, usage=usage) from None


class _Malformed(Exception):
    """Raised by a reader; `parse` adds the usage line of the subcommand."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- one reader per subcommand: (text after the subcommand, --at TIME or None) -> commands.Command ---


def _open(rest: str, at: str | None) -> commands.Command:
    private = False
    severity: int | None = None
    word, after = _next_word(rest)
    while word:  # `--private` and `sevN` come before the title, in either order, once each
        if _PRIVATE.fullmatch(word) and not private:
            private = True
        elif (match := _SEV.fullmatch(word)) and severity is None:
            severity = _severity(int(match[1]), word)
        else:
            break
        rest = after
        word, after = _next_word(rest)
    title = _one_line(rest)
    if at and not title:  # `open sev1 --at 10m ago Checkout errors`: the title follows the time
        at, after = leading_time(at)
        title = _one_line(after)
    return commands.Open(severity=severity or DEFAULT_SEVERITY, title=title, at=at, private=private)


def _status(rest: str, at: str | None) -> commands.Command:
    incident, rest = _take_incident(rest)
    word, message = _next_word(rest)
    if not word:
        raise _Malformed(f"Which status? Use {_STATUSES}.")
    try:
        status = Status(word.lower())
    except ValueError:
        raise _Malformed(f"'{_typed(word)}' is not a status. Use {_STATUSES}.") from None
    if status is Status.RESOLVED:
        return commands.Close(incident=incident, summary=_lines(message), at=at)
    return commands.SetStatus(incident=incident, status=status, message=_lines(message), at=at)


def _close(rest: str, at: str | None) -> commands.Command:
    incident, rest = _take_incident(rest)
    return commands.Close(incident=incident, summary=_lines(rest), at=at)


def _note(rest: str, at: str | None) -> commands.Command:
    incident, rest = _take_incident(rest)
    text = _lines(rest)
    if not text:
        raise _Malformed("What should the note say? Write it after `note`.")
    return commands.Note(incident=incident, text=text, at=at)


def _impact(rest: str, at: str | None) -> commands.Command:
    """`impact [INC-n] [en|fr|...] <text>`: a first word is a language when the bot has wording in
    it (`fr`), or when written as a code with a colon (`de:`, refused later if unknown); any other
    first word is text (`it fails at login`)."""
    incident, rest = _take_incident(rest)
    word, after = _next_word(rest)
    code = word.lower().removesuffix(":")
    language = None
    if _LANGUAGE.fullmatch(code) and (word.endswith(":") or code in available_languages()):
        language, rest = code, after
    text = _one_line(rest)
    if not text and language:
        raise _Malformed(f"What do customers experience? Write it in that language after `{language}`.")
    if not text:
        raise _Malformed("What do customers experience? Say it in their words, e.g. `they cannot log in`.")
    return commands.Impact(incident=incident, text=text, language=language)


def _affects(rest: str, at: str | None) -> commands.Command:
    """`affects [INC-n] <component> <state>`, read by bot.domain.affects.read_affected."""
    incident, rest = _take_incident(rest)
    try:
        component, state = read_affected(_one_line(rest))
    except UsageError as error:
        raise _Malformed(error.message) from None
    return commands.Affect(incident=incident, component=component, state=state, at=at)


def _public_title(rest: str, at: str | None) -> commands.Command:
    incident, rest = _take_incident(rest)
    text = _one_line(rest)
    if not text:
        raise _Malformed("What should the public read? Give the name for the status page, e.g. `Home page errors`.")
    return commands.PublicTitle(incident=incident, text=text)


def _sev(rest: str, at: str | None) -> commands.Command:
    incident, rest = _take_incident(rest)
    word, extra = _next_word(rest)
    if not word:
        raise _Malformed("Which severity? Use 1, 2, 3 or 4 (1 is the most severe).")
    match = re.fullmatch(r"(?:sev-?)?(\d{1,9})", word, re.IGNORECASE)
    if match is None:
        raise _Malformed(f"'{_typed(word)}' is not a severity. Use 1, 2, 3 or 4 (1 is the most severe).")
    severity = _severity(int(match[1]), word)
    if extra.strip():
        raise _Malformed(f"Unexpected '{_typed(extra)}' after the severity: give just 1, 2, 3 or 4.")
    return commands.SetSeverity(incident=incident, severity=severity)


def _lead(rest: str, at: str | None) -> commands.Command:
    incident, rest = _take_incident(rest)
    missing = "Who should lead? Mention the person: type @ and pick them, e.g. `/incident lead @alice`."
    return commands.SetLead(incident=incident, user_id=_one_person(rest, "the incident has one lead", missing))


def _role(rest: str, at: str | None) -> commands.Command:
    incident, rest = _take_incident(rest)
    word, rest = _next_word(rest)
    if not word:
        raise _Malformed(f"Which role? Use {_ROLES}.")
    try:
        role = Role(word.lower())
    except ValueError:
        raise _Malformed(f"'{_typed(word)}' is not a role. Use {_ROLES}.") from None
    if rest.strip().lower() == "none":
        return commands.SetRole(incident=incident, role=role, user_id=None)
    missing = (
        f"Who should take the {role.value} role? Mention the person (type @ and pick them), "
        f"or say `none` to clear it, e.g. `/incident role {role.value} @alice`."
    )
    return commands.SetRole(
        incident=incident, role=role, user_id=_one_person(rest, f"one person holds the {role}", missing)
    )


def _attack(rest: str, at: str | None) -> commands.Command:
    incident, rest = _take_incident(rest)
    words = rest.lower().replace("_", " ").replace("-", " ").split()
    if not words:
        raise _Malformed(f"Which assessment? Use {_ATTACKS}.")
    spoken = "-".join(words).replace("noevidence", "no-evidence")
    if spoken in ("no-evidence", "suspected", "confirmed", "not-relevant"):
        return commands.SetAttack(incident=incident, attack=Attack(spoken))
    if spoken == "none":
        raise _Malformed(
            "'none' is not an assessment: say no-evidence (drafts say there is no evidence of an attack) "
            f"or not-relevant (drafts say nothing about security). Use {_ATTACKS}."
        )
    if spoken == "not-assessed":
        raise _Malformed(f"Every incident starts not assessed; an assessment is never taken back. Use {_ATTACKS}.")
    raise _Malformed(f"'{_typed(rest)}' is not an assessment. Use {_ATTACKS}.")


def _draft(rest: str, at: str | None) -> commands.Command:
    incident, rest = _take_incident(rest)
    language: str | None = None
    length: str | None = None
    for word in rest.split():
        lowered = word.lower()
        if lowered in ("short", "long"):
            if length is not None:
                raise _Malformed("Give one length: short or long.")
            length = lowered
        elif _LANGUAGE.fullmatch(lowered):
            if language is not None:
                raise _Malformed("Give one language per draft, e.g. `fr`.")
            language = lowered
        else:
            raise _Malformed(f"'{_typed(word)}' is neither a language code (en, fr, ...) nor a length (short or long).")
    return commands.WriteDrafts(incident=incident, language=language, length=length)


def _reopen(rest: str, at: str | None) -> commands.Command:
    incident, rest = _take_incident(rest)
    return commands.Reopen(incident=incident, reason=_lines(rest))


def _list(rest: str, at: str | None) -> commands.Command:
    words = rest.lower().split()
    if words not in ([], ["all"]):
        raise _Malformed(f"Unexpected '{_typed(rest)}': `list` takes only `all`.")
    return commands.ListIncidents(all=bool(words))


def _followup(rest: str, at: str | None) -> commands.Command:
    word, after = _next_word(rest)
    if word.lower() == "done":
        number = re.fullmatch(r"#?(\d{1,9})", after.strip())
        if number is None:
            raise _Malformed("Which follow-up is done? Give its number, e.g. `/incident followup done 3`.")
        return commands.FinishFollowUp(follow_up=int(number[1]))
    incident, rest = _take_incident(rest)
    words = rest.split()
    due = None
    if len(words) >= 2 and words[-2].lower() == "due":
        due, words = words[-1], words[:-2]
    owner = None
    if words and (mention := _MENTION.fullmatch(words[-1])):
        owner, words = mention[1], words[:-1]
    text = _one_line(" ".join(words))
    if not text:
        raise _Malformed(
            "What should be done? Write it after `followup`, e.g. `/incident followup Alert on 5xx @dana`."
        )
    return commands.AddFollowUp(incident=incident, text=text, owner=owner, due=due)


def _related(rest: str, at: str | None, *, linked: bool) -> commands.Command:
    words = rest.split()
    numbers = [parse_name(word) for word in words]
    if not words or len(words) > 2 or None in numbers:
        verb = "related" if linked else "unrelated"
        raise _Malformed(f"Name the other incident, e.g. `/incident {verb} INC-3` (or `{verb} INC-7 INC-3` elsewhere).")
    if len(numbers) == 1:
        return commands.Relate(incident=None, other=numbers[0] or 0, linked=linked)
    return commands.Relate(incident=numbers[0], other=numbers[1] or 0, linked=linked)


def _retro(rest: str, at: str | None) -> commands.Command:
    incident, rest = _take_incident(rest)
    word, reason = _next_word(rest)
    match word.lower():
        case "":
            return commands.Retro(incident=incident, decision=None, reason="")
        case "done":
            if reason.strip():
                raise _Malformed("`retro done` takes no text.")
            return commands.Retro(incident=incident, decision=RetroState.DONE, reason="")
        case "waived" | "waive":
            return commands.Retro(incident=incident, decision=RetroState.WAIVED, reason=_one_line(reason))
    raise _Malformed(f"Unexpected '{_typed(rest)}': `retro` takes `done` or `waived <reason>`, or nothing.")


def _stats(rest: str, at: str | None) -> commands.Command:
    window = rest.strip().lower() or "30d"
    if window not in ("30d", "90d"):
        raise _Malformed(f"'{_typed(rest)}' is not a window: use 30d or 90d.")
    return commands.Stats(window=window)


_READERS: dict[str, Callable[[str, str | None], commands.Command]] = {
    "open": _open,
    "status": _status,
    "note": _note,
    "impact": _impact,
    "affects": _affects,
    "public-title": _public_title,
    "sev": _sev,
    "lead": _lead,
    "role": _role,
    "attack": _attack,
    "private": lambda rest, at: commands.SetVisibility(incident=_incident_only(rest, "private"), private=True),
    "public": lambda rest, at: commands.SetVisibility(incident=_incident_only(rest, "public"), private=False),
    "draft": _draft,
    "timeline": lambda rest, at: commands.ShowTimeline(incident=_incident_only(rest, "timeline")),
    "close": _close,
    "reopen": _reopen,
    "list": _list,
    "page": read_page,
    "oncall": read_oncall,
    "followup": _followup,
    "related": lambda rest, at: _related(rest, at, linked=True),
    "unrelated": lambda rest, at: _related(rest, at, linked=False),
    "retro": _retro,
    "stats": _stats,
    "subscribers": lambda rest, at: commands.ShowSubscribers(),  # like help, it reads nothing after it
}


# --- pieces ----------------------------------------------------------------------------------


def _split_at(text: str) -> tuple[str, str | None]:
    """`... --at TIME` -> (`...`, `TIME` with whitespace collapsed); no `--at` -> (text, None)."""
    marks = list(_AT.finditer(text))
    if not marks:
        return text, None
    last = marks[-1]
    return text[: last.start()], " ".join(text[last.end() :].split())


def _next_word(text: str) -> tuple[str, str]:
    """The first word and the rest (its leading whitespace dropped, its line breaks kept)."""
    parts = [*text.split(maxsplit=1), "", ""]
    return parts[0], parts[1]


def _take_incident(rest: str) -> tuple[int | None, str]:
    word, after = _next_word(rest)
    return (None, rest) if (number := parse_name(word)) is None else (number, after)


def _incident_only(rest: str, verb: str) -> int | None:
    """The incident named by `rest`, which must hold nothing else (`private`, `public`, `timeline`)."""
    incident, rest = _take_incident(rest)
    if rest.strip():
        raise _Malformed(f"Unexpected '{_typed(rest)}': `{verb}` takes only an incident name.")
    return incident


def _one_person(text: str, why_one: str, missing: str) -> str:
    """The user id of the one mention that is all of `text` (`<@U123>` or `<@U123|name>`)."""
    if (match := _MENTION.fullmatch(text.strip())) is not None:
        return match[1]
    if _MENTION.search(text):
        raise _Malformed(f"Mention exactly one person: {why_one}.")
    raise _Malformed(missing)


def _severity(number: int, written: str) -> int:
    if number not in SEVERITIES:
        raise _Malformed(f"'{written}' is not a severity: severities go from sev1 (the most severe) to sev4.")
    return number


def _one_line(text: str) -> str:
    return collapse_spaces(stored_form(text))


def _typed(text: str) -> str:  # what was typed, as its characters read, to be quoted in a refusal
    return as_typed(stored_form(text))


def _lines(text: str) -> str:
    kept = "\n".join(line.rstrip() for line in stored_form(text).strip().splitlines())
    return re.sub(r"\n{3,}", "\n\n", kept)
