"""A page's direct message in the paged person's language, end to end over HTTP against the
emulator, on SQLite and PostgreSQL (docs/behaviour.md, Paging): the language their App Home shows
(their Slack locale among INCIDENT_LANGUAGES, learned by the member sync), for the message, its
buttons, the escalation's message and every edit (acknowledged, taken, ended by the resolution).
Before, every page was in English, even to someone whose Home reads French; then, in French, it
still named the catalog's component in English ("*Home page*", the catalog giving "Page d'accueil")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from e2e_stack import Stack, shown
from paging_world import CATALOG, dm, press_page_again, replies
from test_e2e_home import opened_home

from bot.sandbox import ManualClock
from slack_emulator import SlackEmulator

START = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)  # 21:41 IST
NBSP = "\u00a0"


def french_world(make_stack: Callable[..., Stack], tmp_path: Path) -> tuple[Stack, ManualClock, str]:
    """INC-1 (sev1, opened by alice); @oncall-web is bob (English) and claire (fr-FR); @sre-leads is
    dave (English) and francois (fr-CA)."""
    (tmp_path / "catalog.toml").write_text(CATALOG, encoding="utf-8")
    clock = ManualClock(START)
    emulator = SlackEmulator(clock=clock.timestamp)
    emulator.add_user("claire", real_name="Claire Dubois", locale="fr-FR")
    emulator.add_user("dave", real_name="Dave Kim")
    emulator.add_user("francois", real_name="François Roy", locale="fr-CA")
    emulator.add_usergroup("oncall-web", members=["bob", "claire"], name="Web on call")
    emulator.add_usergroup("sre-leads", members=["dave", "francois"], name="SRE leads")
    settings = {"INCIDENT_CATALOG": str(tmp_path / "catalog.toml"), "INCIDENT_LANGUAGES": "en,fr"}
    stack = make_stack(clock=clock, emulator=emulator, settings=settings)
    stack.user("alice").slash("open sev1 Checkout fails for <everyone>")
    stack.settle()
    return stack, clock, stack.channel_of(1)


def buttons(message: Any) -> list[str]:
    return [
        element["text"]["text"]
        for block in message.blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def test_each_person_paged_reads_the_page_its_escalation_and_its_edits_in_their_own_language(
    make_stack: Callable[..., Stack], tmp_path: Path
) -> None:
    stack, clock, channel = french_world(make_stack, tmp_path)
    stack.user("alice").slash("page home", channel=channel)
    stack.settle()
    [claires] = dm(stack, "claire")
    assert shown(claires) == (
        f":pager: *alice* vous a appelé pour *INC-1* (sev1){NBSP}: Checkout fails for &lt;everyone&gt;\n"
        f"Vous êtes d'astreinte pour *Page d'accueil* (@oncall-web). Vous êtes invité dans son canal, <#{channel}>."
    )
    assert buttons(claires) == ["Je prends", "Je ne peux pas"]
    assert claires.text == "alice vous a appelé pour INC-1 (sev1)"  # the notification
    [bobs] = dm(stack, "bob")
    assert shown(bobs).startswith(":pager: *alice* paged you for *INC-1* (sev1)")
    assert "You are on call for *Home page* (@oncall-web)." in shown(bobs)
    assert buttons(bobs) == ["Acknowledge", "Can't take it"]
    clock.advance(minutes=5)  # nobody answered: @sre-leads is paged
    stack.settle()
    stack.settle()
    [francois] = dm(stack, "francois")
    assert (
        shown(francois)
        .splitlines()[1]
        .startswith(
            f"Personne d'astreinte pour *Page d'accueil* ne l'a pris{NBSP}: "
            "vous faites partie de son groupe d'escalade, @sre-leads."
        )
    )
    assert buttons(francois) == ["Je prends", "Je ne peux pas"]
    assert shown(dm(stack, "dave")[0]).splitlines()[1].startswith("Nobody on call for *Home page* took it")
    stack.user("claire").click(claires.channel, claires.ts, "page.acknowledge")
    stack.settle()
    at = f"21{NBSP}h{NBSP}46 (UTC+5:30)"
    assert shown(dm(stack, "claire")[0]).endswith(
        f":white_check_mark: Vous l'avez pris à {at}. Le canal{NBSP}: <#{channel}>."
    )
    assert shown(dm(stack, "francois")[0]).endswith(f":ok_hand: *claire* l'a pris à {at}{NBSP}: plus rien à faire.")
    assert shown(dm(stack, "bob")[0]).endswith(":ok_hand: *claire* acknowledged at 21:46 IST: nothing more to do.")
    assert not any(buttons(dm(stack, person)[0]) for person in ("claire", "francois", "bob", "dave"))
    assert "Ce qui vous attend" in opened_home(stack, "claire")  # her Home, decided the same way


def test_an_escalated_page_on_the_app_home_names_the_component_as_the_page_does(
    make_stack: Callable[..., Stack], tmp_path: Path
) -> None:
    """The Home's waiting page said "personne d'astreinte pour *Home page*" while its *On call*
    section, a few lines below, said "*Page d'accueil*"."""
    stack, clock, channel = french_world(make_stack, tmp_path)
    stack.user("alice").slash("page home", channel=channel)
    stack.settle()
    clock.advance(minutes=5)  # nobody answered: @sre-leads is paged
    stack.settle()
    stack.settle()
    home = opened_home(stack, "francois")
    assert f"personne d'astreinte pour *Page d'accueil* ne l'a pris{NBSP}: transmis à vous via @sre-leads" in home
    assert "*Page d'accueil* · @oncall-web" in home and "Home page" not in home
    assert "nobody on call for *Home page* took it: escalated to you through @sre-leads" in opened_home(stack, "dave")


def test_a_page_the_resolution_ended_says_so_in_the_person_s_language(
    make_stack: Callable[..., Stack], tmp_path: Path
) -> None:
    stack, _, channel = french_world(make_stack, tmp_path)
    stack.user("alice").slash("page @claire @bob", channel=channel)
    stack.settle()
    stack.user("alice").slash("close", channel=channel)
    stack.settle()
    assert shown(dm(stack, "claire")[0]).endswith(
        f":heavy_minus_sign: Plus besoin de répondre{NBSP}: INC-1 a été résolu à 21{NBSP}h{NBSP}41 (UTC+5:30)."
    )
    assert shown(dm(stack, "bob")[0]).endswith(":heavy_minus_sign: No answer needed: INC-1 was resolved at 21:41 IST.")


def test_the_replies_to_each_persons_clicks_are_in_their_own_language(
    make_stack: Callable[..., Stack], tmp_path: Path
) -> None:
    """Acknowledge, Can't take it, Page again and their refusals answer the person who pressed in
    the language their pages are in (before, always in English)."""
    stack, _, channel = french_world(make_stack, tmp_path)
    stack.user("alice").slash("page @claire @bob", channel=channel)
    stack.settle()
    [claires], [bobs] = dm(stack, "claire"), dm(stack, "bob")
    stack.user("bob").click(bobs.channel, bobs.ts, "page.acknowledge")
    stack.settle()
    assert replies(stack)[-1] == f"INC-1: thank you, you acknowledged it at 21:41 IST. Its channel: <#{channel}>."
    stack.user("claire").click_as_shown(claires.channel, claires.ts, claires.blocks, "page.acknowledge")
    stack.settle()
    at = f"21{NBSP}h{NBSP}41 (UTC+5:30)"
    assert replies(stack)[-1] == f":warning: bob l'a pris à {at}{NBSP}: plus rien à faire."
    stack.user("alice").slash("page home", channel=channel)  # bob and claire, on call
    stack.settle()
    for person in ("claire", "bob"):
        latest = dm(stack, person)[-1]
        stack.user(person).click(latest.channel, latest.ts, "page.decline")
        stack.settle()
    assert replies(stack)[-2] == f"INC-1{NBSP}: c'est noté, vous ne pouvez pas le prendre."
    assert replies(stack)[-1] == "INC-1: noted, you can't take it."
    for person in ("dave", "francois"):  # escalated at once to @sre-leads, who can't either
        latest = dm(stack, person)[-1]
        stack.user(person).click(latest.channel, latest.ts, "page.decline")
        stack.settle()
    press_page_again(stack, channel, "claire")
    assert replies(stack)[-1] == (
        f"INC-1{NBSP}: appel envoyé à *bob* (d'astreinte pour *Page d'accueil*, @oncall-web){NBSP}; appel envoyé à "
        "*dave*, *francois* (@sre-leads, son groupe d'escalade). Chacun a reçu un message direct pour le prendre, "
        f"et une invitation dans le canal.\nPersonnes non appelées{NBSP}: *claire* (la personne qui appelle)."
    )
    latest = dm(stack, "francois")[-1]
    stack.user("francois").click(latest.channel, latest.ts, "page.acknowledge")
    stack.settle()
    assert replies(stack)[-1] == f"INC-1{NBSP}: merci, vous l'avez pris à {at}. Son canal{NBSP}: <#{channel}>."
