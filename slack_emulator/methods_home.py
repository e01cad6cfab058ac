"""Web API method of the App Home: ``views.publish``, one ``home`` view per person.

Checked as Slack checks it: ``user_id`` a member of the workspace (``user_not_found`` else),
``view`` a ``home`` view whose blocks pass slack_sdk's Block Kit models and Slack's 100-block limit
(``invalid_arguments`` / ``invalid_blocks``), and a ``hash`` given must be the published view's
(``hash_conflict``: someone published in between). Each publish replaces the person's view.
"""

from __future__ import annotations

from slack_emulator.arguments import ApiError
from slack_emulator.method_context import Handler, MethodCall
from slack_emulator.methods_people import app_view
from slack_emulator.records import JSON
from slack_emulator.validation import check_view


def views_publish(call: MethodCall) -> JSON:
    """``views.publish``."""
    user = call.user(call.args.text("user_id"))
    body = check_view(call.args.json_value("view"))
    if body.get("type") != "home":
        message = "[ERROR] views.publish publishes views of type home [json-pointer:/view/type]"
        raise ApiError("invalid_arguments", {"response_metadata": {"messages": [message]}})
    published = call.ws.homes.get(user.id)
    expected = call.args.opt_text("hash")
    if expected is not None and published is not None and expected != published.hash:
        raise ApiError("hash_conflict")
    view_id = published.id if published is not None else call.ws.mint_id("V")
    view = app_view(call, view_id, user.id, body)
    call.ws.homes[user.id] = view
    return {"ok": True, "view": view.to_slack()}


HANDLERS: dict[str, Handler] = {"views.publish": views_publish}
