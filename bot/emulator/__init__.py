"""An offline Slack for tests and ``incident-bot demo``: the Web API and Slack's signed requests.

``SlackEmulator`` serves Slack's Web API on loopback (checked against Slack's published spec,
see ``spec.py``) and sends the app the signed requests Slack sends when people act
(``emulator.as_user("alice").slash("open Checkout down")``).
"""

from bot.emulator.app_connection import AppResponse
from bot.emulator.emulator import SlackEmulator
from bot.emulator.faults import Call
from bot.emulator.state import ANNOUNCE, BOT_TOKEN, BOT_USER_ID, GENERAL, STATUS, TEAM_ID
from bot.emulator.user_actions import UserActions

__all__ = [
    "ANNOUNCE",
    "BOT_TOKEN",
    "BOT_USER_ID",
    "GENERAL",
    "STATUS",
    "TEAM_ID",
    "AppResponse",
    "Call",
    "SlackEmulator",
    "UserActions",
]
