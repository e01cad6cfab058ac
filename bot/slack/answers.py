"""How a listener answers: the request boundary every listener goes through (`bot.slack.listeners`,
`bot.slack.declaring`, `bot.slack.home_listeners`).

`run_reply` runs an action and turns known refusals into the reply (anything else is logged with a
reference); `submit_modal` answers a modal's submission in the modal; `hand_over` wakes the
sender and queues follow-ups after the ack, never raising.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from slack_bolt import Ack

from bot import metrics
from bot.errors import NoIncidentHere, UsageError, UserError
from bot.reading import Malformed
from bot.render import blocks
from bot.slack import usage
from bot.slack.run import Reply

log = logging.getLogger(__name__)

UNEXPECTED = (
    "Slack sent something this bot did not expect, so nothing was changed. Try again; if it happens "
    "again, tell whoever runs the bot (the details are in its log)."
)


class AfterAck(Protocol):
    """What a listener hands over once it has acknowledged."""

    def notify(self) -> None: ...  # there is new outbox work

    def respond(self, response_url: str | None, messages: list[dict[str, Any]]) -> None: ...


def submit_modal(ack: Ack, after: AfterAck, field: str, action: Callable[[], object], *, shows: bool = False) -> None:
    """A modal submission: errors are shown in the modal under `field`, success closes it (`shows`:
    replaces it with a modal saying what `action` returned, the bot's own mrkdwn)."""
    with metrics.acknowledging("modal") as outcome:
        try:
            done = action()
        except UserError as error:
            outcome.value = "refused"
            ack(response_action="errors", errors={field: error.message})
            return
        except Malformed as malformed:  # what the bot wrote in the modal came back unreadable
            outcome.value = "refused"
            log.warning("Slack sent a modal submission this bot did not expect: %s", malformed)
            ack(response_action="errors", errors={field: UNEXPECTED})
            return
        except Exception:  # noqa: BLE001  (the request boundary: logged with a reference in log_unexpected)
            outcome.value = "error"
            reference = log_unexpected("modal submission")
            ack(response_action="errors", errors={field: f"Something went wrong on our side (ref {reference})."})
            return
        if shows and isinstance(done, str):
            ack(response_action="update", view=blocks.notice_modal(done))
        else:
            ack()
    hand_over(after)


def hand_over(after: AfterAck, response_url: str | None = None, messages: list[dict[str, Any]] | None = None) -> None:
    """After ack(): wake the sender and queue follow-ups (an empty one, a `Reply({})` whose modal is
    the answer, is no follow-up). Never raises: with process_before_response, an exception here
    would turn the acknowledged request into an error."""
    try:
        after.notify()
        said = [message for message in messages or () if message]
        if said:
            after.respond(response_url, said)
    except Exception:
        log.exception("handing over after the ack failed; the worker will send pending Slack work")


def number_in(text: object) -> int | None:
    """A number Slack hands back to us (button value, view metadata), None if it is not one."""
    if isinstance(text, str) and 0 < len(text) <= 18 and text.isascii() and text.isdigit():
        return int(text)
    return None


def run_reply(action: Callable[[], Reply], *, subcommand: str = "", label: str = "") -> Reply:
    """Run a request; known refusals become the reply, anything else is logged with a reference.

    Counted and timed in /metrics under `label` (a slash command's own subcommand by default)."""
    with metrics.acknowledging(label or _command_label(subcommand)) as outcome:
        try:
            return action()
        except Malformed as malformed:
            outcome.value = "refused"
            log.warning("Slack sent a %s this bot did not expect: %s", label or "command", malformed)
            return Reply(blocks.error_reply(UNEXPECTED), refused=True)
        except UsageError as error:
            outcome.value = "refused"
            how = error.usage or usage.USAGE.get(subcommand, "")
            return Reply(blocks.error_reply(error.message, how), refused=True)
        except NoIncidentHere as error:
            outcome.value = "refused"
            return Reply(blocks.error_reply(usage.no_incident_here(subcommand) or error.message), refused=True)
        except UserError as error:
            outcome.value = "refused"
            return Reply(blocks.error_reply(error.message), refused=True)
        except Exception:  # noqa: BLE001  (the request boundary: logged with a reference in log_unexpected)
            outcome.value = "error"
            reference = log_unexpected(subcommand or "request")
            failed = f"Something went wrong on our side and nothing was changed. Reference: {reference}."
            return Reply(blocks.error_reply(failed), refused=True)


def _command_label(subcommand: str) -> str:
    """A metric label from what was typed: known subcommands only, so the label set stays small."""
    if not subcommand:
        return "help"
    return subcommand if subcommand in usage.USAGE else "unknown"


def log_unexpected(what: str) -> str:
    reference = uuid.uuid4().hex[:8]
    log.exception("unexpected error in %s (ref %s at %s)", what, reference, datetime.now(UTC).isoformat())
    return reference
