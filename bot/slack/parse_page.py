"""`/incident page [INC-n] <@person | @group | component> ...` -> `commands.PageSomeone`, and
`/incident oncall [component]` -> `commands.ShowOncall`. Pure.

Mentions arrive as Slack writes them (`<@U0BOB|bob>`, `<!subteam^S0ONCALL|@oncall-web>`); the
words between them, and between commas, are components as typed (`home`, `Home page`, or several
ids in a row: `home api`), kept in the stored form of people's text (`markup.stored_form`, as
`affects` keeps its component: a typed `<@U123>` stays characters) and matched against the
catalog by the service; an `@word` Slack left as
text (it knows no such person or group: a typo, or a group not picked from the list) is a user
group's handle, found or refused with a suggestion by the service. `@here`, `@channel` and
channels cannot be paged.
"""

from __future__ import annotations

import re

from bot.domain import markup
from bot.domain.catalog import as_typed
from bot.domain.incident import parse_name
from bot.errors import UsageError
from bot.slack import commands
from bot.slack.usage import USAGE

MAX_TARGETS = 20
_HANDLE = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}", re.IGNORECASE)
_HOW = "Mention people (@alice) or user groups (@oncall-web), or name catalog components (home)."


def read_page(rest: str, at: str | None) -> commands.PageSomeone:
    """The reader of `page` for `bot.slack.parse` (it takes no `--at`: `parse` refuses one)."""
    words = rest.split(maxsplit=1)
    incident = parse_name(words[0]) if words else None
    if incident is not None:
        rest = words[1] if len(words) > 1 else ""
    people: list[str] = []
    groups: dict[str, str] = {}  # id -> handle, in the order written
    typed = ""  # the words, with a comma where a mention was
    handles: list[str] = []  # `@word`s Slack left as text: user groups by handle, to be found
    for piece in [*markup.parse(markup.stored_form(rest)), markup.Plain(",")]:
        match piece:
            case markup.User(id=user_id):
                people += [] if user_id in people else [user_id]
                typed += ","
            case markup.UserGroup(id=group_id, label=label):
                groups.setdefault(group_id, label or group_id)
                typed += ","
            case markup.Special(name=name):
                raise _refused(f"@{name} cannot be paged: {_HOW}")
            case markup.Channel(label=label):
                raise _refused(f"A channel ({f'#{label}' if label else 'that one'}) cannot be paged: {_HOW}")
            case markup.Plain(text=text):
                for word in text.split():  # Slack turns only the people and groups it knows into mentions
                    if word.startswith("@"):
                        handle = word.removeprefix("@").rstrip(",.;")
                        if not _HANDLE.fullmatch(handle):
                            raise _refused(f"I cannot tell who {word} is: type @ and pick them from Slack's list.")
                        handles += [] if handle in handles else [handle]
                    else:  # kept as stored (`markup.from_words`): the catalog reads it as typed, never as markup
                        typed += f" {markup.from_words(word)}"
                typed += " "
            case _:
                raise _refused(f"'{markup.source([piece])}' is not someone to page. {_HOW}")
    components = [" ".join(part.split()) for part in typed.split(",") if part.strip()]
    if not (people or groups or components or handles):
        raise _refused(f"Whom should I page? {_HOW}")
    if len(people) + len(groups) + len(components) + len(handles) > MAX_TARGETS:
        raise _refused(f"Page at most {MAX_TARGETS} people, groups or components at once.")
    return commands.PageSomeone(
        incident=incident,
        people=tuple(people),
        groups=tuple(groups.items()),
        components=tuple(components),
        handles=tuple(handles),
    )


def read_oncall(rest: str, at: str | None) -> commands.ShowOncall:
    """`oncall`: every component; `oncall home` (an id or a name, matched by the service): one."""
    component = markup.collapse_spaces(markup.stored_form(rest))  # as `affects` gives it: the catalog reads it
    if len(as_typed(component)) > 100:
        raise UsageError("Name one component of the catalog, by its id or its name.", usage=USAGE["oncall"])
    return commands.ShowOncall(component=component or None)


def _refused(message: str) -> UsageError:
    return UsageError(message, usage=USAGE["page"])
