"""Listeners of paging's buttons (docs/behaviour.md, Paging): *Acknowledge* and *Can't take it* in
a page's direct message, *Page again* and *Page someone else* under "nobody acknowledged the page",
and the picker *Page someone else* opens.

Each button acknowledges at once, then runs (`CommandRunner.answer_page`, `answer_unanswered`: one
transaction) and answers through the response URL, only to the person who pressed (pressed on the
App Home, which has none: `answer_pressed`). The picker's submission pages as `/incident page`
does (`CommandRunner.page_picked`): a refusal is shown in the picker, under its people; what was
done replaces it.
"""

from __future__ import annotations

from dataclasses import replace

from slack_bolt import Ack, App, BoltContext

from bot.domain.catalog import Catalog
from bot.home import HomeService
from bot.reading import Malformed
from bot.render import actions, page_picker
from bot.slack import commands, shapes
from bot.slack.answers import AfterAck, hand_over, run_reply, submit_modal
from bot.slack.home_listeners import answer_pressed
from bot.slack.run import CommandRunner


def register_paging(app: App, runner: CommandRunner, homes: HomeService, after: AfterAck) -> None:
    @app.action({"type": "block_actions", "action_id": actions.PAGE_ACTIONS})
    def page_button(ack: Ack, context: BoltContext) -> None:
        ack()
        pressed = shapes.incoming(context, shapes.ButtonPress)
        reply = run_reply(lambda: runner.answer_page(pressed.action_id, pressed.value, pressed.asked), label="page")
        answer_pressed(after, homes, pressed, reply)  # *Acknowledge* is on the App Home too

    @app.action({"type": "block_actions", "action_id": actions.UNANSWERED_ACTIONS})
    def unanswered_button(ack: Ack, context: BoltContext) -> None:
        ack()
        pressed = shapes.incoming(context, shapes.ButtonPress)
        reply = run_reply(
            lambda: runner.answer_unanswered(pressed.action_id, pressed.value, pressed.asked), label="page"
        )
        hand_over(after, pressed.asked.response_url, [reply.message])

    @app.view(actions.PAGE_MODAL)
    def picker_submitted(ack: Ack, context: BoltContext) -> None:
        submitted = shapes.incoming(context, shapes.ModalSubmission)

        def page() -> str:
            try:
                number, channel_id = page_picker.read_metadata(submitted.metadata)
            except ValueError as garbled:
                raise Malformed("view.private_metadata", str(garbled)) from None
            components = submitted.input(actions.PAGE_COMPONENTS_INPUT).ticked
            picked = commands.PageSomeone(
                incident=number,
                people=submitted.input(actions.PAGE_PEOPLE_INPUT).users,
                groups=(),
                components=in_catalog_order(runner.settings.catalog, components),
            )
            return runner.page_picked(picked, replace(submitted.asked, channel_id=channel_id))

        submit_modal(ack, after, actions.PAGE_PEOPLE_INPUT, page, shows=True)


def in_catalog_order(catalog: Catalog, chosen: frozenset[str]) -> tuple[str, ...]:
    """The components chosen, as the catalog orders them; any it no longer has last (refused by name)."""
    known = [component.id for component in catalog.components if component.id in chosen]
    return (*known, *sorted(chosen - set(known)))
