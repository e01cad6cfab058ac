"""What people read when a private incident leaves its public channel for a new private one
(docs/behaviour.md, Private incidents): the offer under `/incident private`, the reply to its
button, the timeline copied into the new channel, and the note left in the old one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from bot.domain.durations import Durations
from bot.domain.incident import Incident, TimelineEntry
from bot.render import actions
from bot.render.blocks import Block, Message, button, name_of, plain, reply, timeline_messages
from bot.render.text import MESSAGE_BLOCK_LIMIT, section

MOVE = "Move to a new private channel"
MOVED_WORD = "moved"  # the public channel left behind is renamed `inc-7-moved`: its name no longer says the title
WHAT_A_MOVE_DOES = (  # a confirm dialog's text: at most 300 characters
    "I create a private channel with everyone in {channel}, the card and the timeline so far. Here, the card and "
    "topic become a notice that it moved (not where), the name loses the title, and the channel is archived if "
    "Slack lets me."
)


# The reply to `/incident private` while the channel is not made yet: it is made private unless Slack
# was already making it public, and then the incident moves at once (bot.channel_moves.move_out).
NOT_MADE_YET = (
    ":lock: Its channel is not made yet: it will be private. Should Slack be making it public at this "
    "moment, I move the incident to a new private channel as soon as it is made, and the public one loses "
    "its name, topic and card and is archived."
)


def move_offer(incident: Incident, said: str) -> Message:
    """`said` (the reply to `/incident private`), that the channel is still public, and the button."""
    channel = f"<#{incident.channel_id}>"
    text = (
        f"{said}\n:warning: Its channel {channel} is *public*: anyone in the workspace can still find it, "
        "join it and read everything in it. Only a workspace admin can make a public channel private, "
        "but I can move the incident to a new private channel."
    )
    move = button(MOVE, actions.MOVE_PRIVATE, str(incident.number), style="primary")
    move["confirm"] = {
        "title": plain("Move to a private channel?"),
        "text": {"type": "mrkdwn", "text": WHAT_A_MOVE_DOES.format(channel=channel)},
        "confirm": plain("Move it"),
        "deny": plain("Not now"),
    }
    blocks: list[Block] = [section(text), {"type": "actions", "block_id": actions.MOVE_PRIVATE, "elements": [move]}]
    return {"response_type": "ephemeral", "text": text, "blocks": blocks}


def moving(incident: Incident) -> Message:
    """The reply to the button: the move is recorded and on its way."""
    return reply(
        f"{incident.name}: moving to a new private channel. "
        + WHAT_A_MOVE_DOES.format(channel=f"<#{incident.channel_id}>")
    )


def timeline_so_far(
    incident: Incident,
    entries: Sequence[TimelineEntry],
    durations: Durations,
    names: Mapping[str, str],
    zone: ZoneInfo,
) -> list[Message]:
    """The timeline up to the move, for the new channel: a heading, then the lines as `timeline` shows them."""
    pages = timeline_messages(incident, entries, durations, names, zone)
    heading = section(":lock: *The timeline so far*, from the public channel this incident left:")
    first = pages[0]
    if len(first["blocks"]) < MESSAGE_BLOCK_LIMIT:
        pages[0] = {**first, "blocks": [heading, *first["blocks"]]}
    else:
        pages.insert(0, {"text": "The timeline so far", "blocks": [heading]})
    return [{"text": f"The timeline of {incident.name} so far", "blocks": page["blocks"]} for page in pages]


def pointer(incident: Incident, names: Mapping[str, str], *, archive_refused: str | None = None) -> str:
    """The note left in the public channel; `archive_refused`: Slack's answer when it would not archive it."""
    text = (
        f":lock: *{incident.name}* is private now and has moved to a new private channel; the members of this "
        f"channel were invited to it. Ask its lead, *{name_of(incident.lead, names)}*, if you need to be added."
    )
    if archive_refused is None:
        return text + " This channel is archived."
    return (
        text + f" I could not archive this channel (Slack said `{archive_refused}`): a workspace admin can; "
        "meanwhile, please keep talk of the incident out of it."
    )


def former_card(incident: Incident) -> str:
    """What the card left in the public channel says once the incident has moved: its number only
    (the channel's name had it), never its title, state or people, nor where it went."""
    return (
        f":lock: *{incident.name}* is private now and has moved to a private channel. This card no longer "
        "follows it, and this channel is no longer its channel."
    )


def former_topic(incident: Incident) -> str:
    """The public channel's topic once the incident has moved (plain words: a topic shows no markup)."""
    return f":lock: {incident.name} is private now and has moved to a private channel. This is no longer its channel."


def not_moved(incident: Incident) -> str:
    """The note left in the public channel when the new one could not be made."""
    return (
        f":warning: *{incident.name}* could not be moved to a new private channel (Slack would not create it), "
        "so this public channel is still its channel. Whoever runs the bot can see why with `incident-bot outbox`."
    )
