"""An offline Slack for tests and ``incident-bot demo``: the Web API and Slack's signed requests.

``SlackEmulator`` serves Slack's Web API on loopback (checked against Slack's published spec,
see ``spec.py``) and sends the app what Slack sends when people act
(``emulator.as_user("alice").slash("open Checkout down")``): signed HTTP requests, or Socket
Mode envelopes over a WebSocket (``socket_mode.py``, ``websocket.py``).
"""

from bot.emulator.app_connection import AppResponse
from bot.emulator.emulator import SlackEmulator
from bot.emulator.faults import Call
from bot.emulator.socket_mode import APP_TOKEN, SocketModeHub
from bot.emulator.state import ANNOUNCE, BOT_TOKEN, BOT_USER_ID, GENERAL, STATUS, TEAM_ID
from bot.emulator.user_actions import UserActions

__all__ = [
    "ANNOUNCE",
    "APP_TOKEN",
    "BOT_TOKEN",
    "BOT_USER_ID",
    "GENERAL",
    "STATUS",
    "TEAM_ID",
    "AppResponse",
    "Call",
    "SlackEmulator",
    "SocketModeHub",
    "UserActions",
]
