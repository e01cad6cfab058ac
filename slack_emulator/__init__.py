"""An offline Slack for tests and ``incident-bot demo``: the Web API and Slack's signed requests.

``SlackEmulator`` serves Slack's Web API on loopback (checked against Slack's published spec,
see ``spec.py``) and sends the app what Slack sends when people act
(``emulator.as_user("alice").slash("open Checkout down")``): signed HTTP requests, or Socket
Mode envelopes over a WebSocket (``socket_mode.py``, ``websocket.py``).
"""

from slack_emulator.app_connection import AppResponse
from slack_emulator.emulator import SlackEmulator
from slack_emulator.faults import Call
from slack_emulator.socket_mode import APP_TOKEN, SocketModeHub
from slack_emulator.state import ANNOUNCE, BOT_TOKEN, BOT_USER_ID, GENERAL, STATUS, TEAM_ID
from slack_emulator.user_actions import UserActions

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
