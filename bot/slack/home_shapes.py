"""What the App Home sends the bot: `app_home_opened`, read into a typed value (`bot.slack.shapes`
routes the event here) for the App Home's listener (`bot.slack.home_listeners`)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.reading import JsonObject

HOME_TAB = "home"  # the tab `app_home_opened` says was opened (the other one: "messages")


@dataclass(frozen=True)
class HomeOpened:
    """Someone opened the app's Home (`tab` "home") or Messages tab, in workspace `team_id`."""

    team_id: str
    user_id: str
    tab: str


def read_home_opened(body: JsonObject, event: JsonObject) -> HomeOpened:
    return HomeOpened(team_id=body.text("team_id"), user_id=event.text("user"), tab=event.maybe_text("tab") or "")
