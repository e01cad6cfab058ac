"""Errors a person can act on.

Every error here carries a message that is safe to show in Slack as-is (it never holds
secrets and says what to do). Anything else that escapes is a bug: the app logs it with a
reference id and tells the user only that reference.

    UserError                 something the person asked for cannot be done
    ├── UsageError            the command is malformed; carries the usage line
    ├── NotFound              no such incident, or none implied by this channel
    │   └── NoIncidentHere    no INC-n given, and the channel is no incident's
    ├── RuleRefused           the incident's rules forbid it ("INC-7 is already monitoring")
    ├── BadTime               a `--at TIME` that cannot be read or is not allowed
    ├── Forbidden             the person may not change incidents (workspace guests)
    └── SlackUnavailable      a check that needs Slack could not be made right now
"""

from __future__ import annotations

# Exit statuses of every `incident-bot` command (bot.cli): what was asked for is not there, or not
# in a state that allows it; the command cannot run as written (arguments, settings, the database,
# the token).
NOT_THERE = 1
CANNOT_RUN = 2


class UserError(Exception):
    """A refusal whose message is shown to the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(UserError):
    """Malformed input: `message` says what is wrong, `usage` how to write it."""

    def __init__(self, message: str, usage: str = "") -> None:
        super().__init__(message)
        self.usage = usage


class NotFound(UserError):
    """The incident named (or implied) does not exist."""


class NoIncidentHere(NotFound):
    """No INC-n was given and the channel is no incident's: a slash command's refusal shows that
    command written with an INC-n (`bot.slack.usage.no_incident_here`)."""


class RuleRefused(UserError):
    """The change breaks a rule of the incident lifecycle."""


class BadTime(UserError):
    """A `--at TIME` value that is malformed, in the future or before the incident."""


class Forbidden(UserError):
    """The person is not allowed to change incidents."""


class SlackUnavailable(UserError):
    """Slack could not answer a check the bot must make before changing anything."""
