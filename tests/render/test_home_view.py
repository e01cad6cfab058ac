"""The App Home as one person reads it (pure rendering): their incidents with the next public
update due, the others, the last resolved, their follow-ups; labels in their language, times in
their zone; Slack's 100-block limit kept, long lists ending with "and N more: `/incident list`"."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.views import View

from bot.domain.home import Home, OnHome, OpenFollowUp, Resolved, WaitingGroup, WaitingPage
from bot.domain.incident import Incident, Status, open_incident
from bot.domain.paging import OnCall, Skipped
from bot.domain.usergroups import KnownGroup
from bot.render import actions
from bot.render.home import MAX_BLOCKS, home_view

NOW = datetime(2022, 2, 17, 16, 30, tzinfo=UTC)  # 22:00 IST
IST, PARIS = ZoneInfo("Asia/Kolkata"), ZoneInfo("Europe/Paris")
NAMES = {"U0ALICE": "alice", "U0BOB": "bob"}


def incident(number: int, title: str = "Checkout fails", *, lead: str = "U0ALICE", ago: int = 42) -> Incident:
    opened, _ = open_incident(
        number=number,
        title=title,
        severity=1,
        actor=lead,
        started_at=NOW - timedelta(minutes=ago),
        now=NOW - timedelta(minutes=ago),
        zone=IST,
    )
    return replace(opened, channel_id=f"C0INC{number}")


def home(**parts: Any) -> Home:
    return Home(viewer="U0ALICE", language="en", zone=IST, now=NOW, names=NAMES, **parts)


def texts(view: dict[str, Any]) -> list[str]:
    """What a person reads, block by block."""
    found = []
    for block in view["blocks"]:
        if "text" in block:
            found.append(block["text"]["text"])
        for element in block.get("elements", []):
            found.append(element["text"]["text"] if element["type"] == "button" else element["text"])
    return found


def valid(view: dict[str, Any]) -> dict[str, Any]:
    """The view as slack_sdk's Block Kit models accept it (the emulator checks it the same way)."""
    View(**view).validate_json()
    assert view["type"] == "home" and len(view["blocks"]) <= MAX_BLOCKS
    return view


def test_a_lead_sees_their_incident_its_channel_and_when_the_next_public_update_is_due() -> None:
    mine = OnHome(incident(7), due=NOW + timedelta(minutes=12))
    shown = texts(valid(home_view(home(mine=[mine]))))
    assert shown[:2] == ["What needs you now", "Declare incident"]
    assert (
        ":mag: *INC-7* <#C0INC7> · Checkout fails\n"
        "sev1 · investigating · open 42 min · lead *alice* · _lead_\n"
        ":hourglass_flowing_sand: next public update due in 12 min (22:12 IST)"
    ) in shown


def test_an_overdue_update_says_by_how_much_and_stands_out() -> None:
    late = OnHome(incident(7), due=NOW - timedelta(minutes=5))
    shown = "\n".join(texts(home_view(home(mine=[late]))))
    assert ":warning: *next public update overdue by 5 min (due 21:55 IST)*" in shown


def test_the_declare_button_opens_the_same_modal_as_the_shortcut() -> None:
    [button] = home_view(home())["blocks"][1]["elements"]
    assert button["action_id"] == actions.HOME_DECLARE


def test_empty_sections_say_so_rather_than_vanish() -> None:
    shown = texts(valid(home_view(home())))
    assert "You lead, run comms for or scribe no open incident." in shown
    assert "No other incident is open." in shown and "You have no open follow-up." in shown


def test_sections_whose_data_does_not_exist_are_left_out() -> None:
    shown = texts(home_view(home()))
    assert "Alerts waiting for triage" not in shown and "On call" not in shown and "Pages waiting for you" not in shown


def test_alert_groups_and_on_call_show_when_they_exist() -> None:
    group = WaitingGroup(12, 3, "Checkout 5xx > 5%", 1, NOW - timedelta(minutes=3), 4, "C0ALERTS", None)
    web = KnownGroup("S0WEB", "oncall-web", "Web on call", members=("U0BOB", "U0NEW", "U0GINA", "U0BOT", "U0EVE"))
    never = {"U0GINA": Skipped.GUEST, "U0BOT": Skipped.APP, "U0EVE": Skipped.GUEST}
    oncall = OnCall("home", "Home page", "oncall-web", web, never=never)
    view = valid(home_view(home(alert_groups=[group], oncall=[oncall])))
    shown = texts(view)
    assert ":rotating_light: *Checkout 5xx &gt; 5%* · sev1 · <#C0ALERTS>\n4 firing, first seen 3 min ago" in shown
    assert "*Home page* · @oncall-web · *bob*, *someone* (never paged: 2 guests, 1 app)" in shown
    [buttons] = [block for block in view["blocks"] if block["type"] == "actions" and len(block["elements"]) == 2]
    pressed = [(button["action_id"], button["value"]) for button in buttons["elements"]]
    assert pressed == [(actions.DECLARE_ALERTS, "12:3"), (actions.DISMISS_ALERTS, "12:3")]  # the triage message's


@pytest.mark.parametrize(
    ("language", "cut"),
    [("en", "…and 61 more waiting in <#C0ALERTS>."), ("fr", "…et 61 de plus, en attente dans <#C0ALERTS>.")],
)
def test_alert_groups_left_out_are_counted_where_they_wait_not_in_the_list_command(language: str, cut: str) -> None:
    """`/incident list` lists incidents only (tester F8): the rest wait in the alert channel."""
    groups = [WaitingGroup(n, 1, f"Disk {n} full", 2, NOW, 1, "C0ALERTS", None) for n in range(1, 11)]
    shown = texts(
        valid(
            home_view(
                replace(home(alert_groups=groups, alert_groups_more=61, alert_channel="C0ALERTS"), language=language)
            )
        )
    )
    assert shown[shown.index(cut) - 3].startswith(":rotating_light: *Disk 10 full*")  # then its two buttons
    assert not any("/incident list" in text for text in shown)


@pytest.mark.parametrize(
    ("language", "cut"),
    [
        ("en", "…and 4 more waiting for your answer, each in its direct message from this app (its *Messages* tab)."),
        (
            "fr",
            "…et 4 de plus qui attendent votre réponse, chacun dans son message direct de cette app "
            "(son onglet *Messages*).",
        ),
    ],
)
def test_pages_left_out_are_counted_in_their_direct_messages_not_in_the_list_command(language: str, cut: str) -> None:
    """`/incident list` lists incidents, not pages, and nothing lists one's pages: the rest wait in
    the direct messages that ask them."""
    pages = [WaitingPage(n, incident(n), "U0BOB", NOW - timedelta(minutes=n), "@oncall-web") for n in range(1, 11)]
    shown = texts(valid(home_view(replace(home(pages=pages, pages_more=4), language=language))))
    assert cut in shown
    assert not any("/incident list" in text for text in shown)


def test_alert_groups_cut_to_fit_the_view_are_counted_in_the_alert_channel_too() -> None:
    groups = [WaitingGroup(n, 1, f"Disk {n} full", 2, NOW, 1, "C0ALERTS", None) for n in range(1, 11)]
    others = [OnHome(incident(n)) for n in range(1, 41)]
    mine = [OnHome(incident(n), due=None) for n in range(2000, 2040)]
    view = valid(home_view(home(alert_groups=groups, alert_channel="C0ALERTS", mine=mine, others=others)))
    shown = texts(view)
    cut = [text for text in shown if "waiting in" in text]
    assert len(cut) <= 1 and all(re.fullmatch(r"…and \d+ more waiting in <#C0ALERTS>\.", text) for text in cut)
    shown_groups = len([text for text in shown if text.startswith(":rotating_light:")])
    assert cut == ([f"…and {10 - shown_groups} more waiting in <#C0ALERTS>."] if shown_groups < 10 else [])


def test_the_last_resolved_show_how_long_they_lasted_and_follow_ups_their_due_date() -> None:
    resolved = replace(incident(3, "Search down"), status=Status.RESOLVED)
    follow_up = OpenFollowUp(12, resolved, "Alert on <@U0BOB>'s queue", date(2022, 2, 24))
    shown = texts(
        home_view(home(resolved=[Resolved(resolved, timedelta(hours=1, minutes=58))], follow_ups=[follow_up]))
    )
    assert ":white_check_mark: *INC-3* <#C0INC3> · Search down · lasted 1h 58m" in shown
    assert "• #12 Alert on @bob's queue · *INC-3* · due 2022-02-24" in shown


def test_a_guest_where_guests_read_nothing_is_told_only_that() -> None:
    view = valid(home_view(home(guest=True, reads=False, others=[OnHome(incident(9))])))
    assert texts(view) == [
        "What needs you now",
        "Workspace guests cannot read incidents here. Ask a member of the team.",
    ]


def test_a_page_waiting_for_the_person_has_the_direct_messages_acknowledge() -> None:
    page = WaitingPage(41, incident(7), "U0BOB", NOW - timedelta(minutes=4), "@oncall-web")
    view = valid(home_view(home(pages=[page])))
    [block] = [block for block in view["blocks"] if "accessory" in block]
    assert block["text"]["text"] == (
        ":rotating_light: *INC-7* <#C0INC7> · Checkout fails\nsev1 · paged through @oncall-web by *bob* 4 min ago"
    )
    assert (block["accessory"]["action_id"], block["accessory"]["value"]) == (actions.ACKNOWLEDGE_PAGE, "41")
    assert "Nobody is paging you." in texts(valid(home_view(home(pages=[]))))


def test_a_guest_gets_no_declare_button_and_is_told_why() -> None:
    view = valid(home_view(home(guest=True)))
    assert all(block["type"] != "actions" for block in view["blocks"])
    assert "Workspace guests can read the open incidents here, but cannot declare or change them." in texts(view)


def test_a_french_reader_reads_french_labels_and_their_own_time() -> None:
    mine = OnHome(incident(7), due=NOW + timedelta(minutes=12))
    view = valid(home_view(replace(home(mine=[mine]), language="fr", zone=PARIS)))
    shown = texts(view)
    assert shown[:3] == ["Ce qui vous attend", "Déclarer un incident", "Vos incidents"]
    assert (
        "sev1 · en cours d'analyse · ouvert depuis 42 min · responsable *alice* · _responsable_\n"
        ":hourglass_flowing_sand: prochaine mise à jour publique dans 12 min, à 17\u00a0h\u00a042 (UTC+1)"
    ) in "\n".join(shown)
    assert shown[-1] == "Mis à jour à 17\u00a0h\u00a030 (UTC+1)"  # as French mails and drafts write times


def test_user_text_is_escaped_and_notifies_nobody() -> None:
    shown = "\n".join(texts(home_view(home(others=[OnHome(incident(9, "<!channel> down & <b>"))]))))
    assert "@channel down &amp; &lt;b&gt;" in shown and "<!channel>" not in shown


@pytest.mark.parametrize("others", [41, 98, 1000])
def test_a_long_list_is_cut_to_fit_slacks_100_blocks_and_points_to_the_list_command(others: int) -> None:
    listed = [OnHome(incident(n)) for n in range(1, min(others, 40) + 1)]  # the service reads 40 at most
    mine = [OnHome(incident(n), due=None) for n in range(2000, 2020)]
    view = valid(home_view(home(mine=mine, mine_more=5, others=listed, others_more=others - len(listed))))
    assert len(view["blocks"]) <= MAX_BLOCKS
    shown = texts(view)
    cut = [text for text in shown if text.startswith("…and")]
    assert cut[0] == "…and 5 more: `/incident list`"  # mine: what the service left out
    numbers = [int(found[1]) for text in shown if (found := re.match(r":mag: \*INC-(\d+)\*", text))]
    shown_others = len([number for number in numbers if number < 2000])
    assert len(numbers) - shown_others == 20  # mine first: the longest list is cut, not theirs
    assert cut[1] == f"…and {others - shown_others} more: `/incident list`"


def test_when_everything_would_not_fit_the_longest_list_gives_way_first() -> None:
    mine = [OnHome(incident(n)) for n in range(2000, 2060)]
    others = [OnHome(incident(n)) for n in range(1, 61)]
    view = valid(home_view(home(mine=mine, others=others)))
    assert len(view["blocks"]) == MAX_BLOCKS
    cut = [text for text in texts(view) if text.startswith("…and")]
    assert sum(int(text.split()[1]) for text in cut) == 120 - sum(
        1 for text in texts(view) if re.match(r":mag: \*INC-", text)
    )


def test_a_line_is_cut_as_read_never_inside_a_link_or_a_typed_character() -> None:
    """Home cut the stored text at 300 characters: a title whose link's address is long lost its
    link (`&lt;https://...` on the line), and a follow-up of 300 characters with a typed `<`
    (stored `&lt;`) lost its last word, or read `&l…`."""
    link = f"<https://runbooks.example/{'a' * 290}|runbook>"
    typed = "a &lt; b " + "x" * 288 + " end"  # 300 characters as read, 303 stored
    longer = "a &lt; b " + "y " * 200
    follow_ups = [OpenFollowUp(n, incident(3), text, None) for n, text in ((1, typed), (2, longer))]
    shown = "\n".join(
        texts(valid(home_view(home(others=[OnHome(incident(9, f"Checkout down: {link}"))], follow_ups=follow_ups))))
    )
    assert f"Checkout down: <https://runbooks.example/{'a' * 290}|runbook>" in shown
    assert "• #1 a &lt; b " + "x" * 288 + " end ·" in shown
    [second] = [line for line in shown.splitlines() if line.startswith("• #2")]
    assert second.startswith("• #2 a &lt; b y y") and "… ·" in second and "&l…" not in second
