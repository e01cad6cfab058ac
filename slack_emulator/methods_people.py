"""Web API methods about who is calling and for whom: ``auth.test``, ``users.*``, ``views.*``."""

from __future__ import annotations

import secrets

from slack_emulator.arguments import ApiError, invalid_arguments
from slack_emulator.method_context import Handler, MethodCall
from slack_emulator.methods_conversations import decode_cursor, encode_cursor
from slack_emulator.records import JSON, View
from slack_emulator.validation import check_view, with_block_ids


def auth_test(call: MethodCall) -> JSON:
    """``auth.test``: the bot's identity."""
    return {
        "ok": True,
        "url": f"{call.base_url}/",
        "team": call.ws.team_name,
        "user": call.caller.name,
        "team_id": call.ws.team_id,
        "user_id": call.caller.id,
        "bot_id": call.ws.bot_id,
        "is_enterprise_install": False,
    }


MAX_USERS_PAGE = 1000


def users_info(call: MethodCall) -> JSON:
    """``users.info``."""
    user = call.user(call.args.text("user"))
    return {"ok": True, "user": user.to_slack(call.ws.clock(), include_locale=call.args.flag("include_locale"))}


def users_list(call: MethodCall) -> JSON:
    """``users.list``: everyone (deactivated accounts and bots too), sorted by id.

    As Slack does: without ``limit`` (or ``limit=0``) one page holds everyone; with it, pages of
    at most ``limit`` (capped at ``MAX_USERS_PAGE``) chained by ``response_metadata.next_cursor``
    (empty on the last page); a cursor Slack did not hand out is ``invalid_cursor``.
    """
    now = call.ws.clock()
    limit = max(call.args.integer("limit", 0), 0)
    cursor = call.args.opt_text("cursor")
    start = decode_cursor(cursor, "user:") if cursor else ""
    everyone = [user for user in sorted(call.ws.users.values(), key=lambda u: u.id) if user.id >= start]
    size = min(limit, MAX_USERS_PAGE) if limit else len(everyone)
    page, rest = everyone[:size], everyone[size:]
    return {
        "ok": True,
        "members": [user.to_slack(now, include_locale=call.args.flag("include_locale")) for user in page],
        "cache_ts": int(now),
        "response_metadata": {"next_cursor": encode_cursor(f"user:{rest[0].id}") if rest else ""},
    }


def new_hash(call: MethodCall) -> str:
    """A fresh view hash (``views.update`` compares it to detect races)."""
    return f"{call.ws.now()}.{secrets.token_hex(4)}"


def stored_view_body(view: JSON) -> JSON:
    """The view as Slack stores it (blocks get their block ids)."""
    return {**view, "blocks": with_block_ids(list(view.get("blocks", [])))}


def app_view(call: MethodCall, view_id: str, user: str, body: JSON) -> View:
    """A view of the app's as Slack stores it: a modal, or a Home (each its own root)."""
    return View(
        id=view_id,
        user=user,
        team_id=call.ws.team_id,
        app_id=call.ws.app_id,
        bot_id=call.ws.bot_id,
        body=stored_view_body(body),
        hash=new_hash(call),
        root_view_id=view_id,
    )


def views_open(call: MethodCall) -> JSON:
    """``views.open``: exchanges a trigger id (once, within its lifetime) for a modal."""
    trigger = call.ws.triggers.get(call.args.text("trigger_id"))
    if trigger is None:
        raise ApiError("invalid_trigger_id")
    if trigger.used:
        raise ApiError("exchanged_trigger_id")
    if call.ws.monotonic() - trigger.minted_at > call.ws.trigger_ttl:
        raise ApiError("expired_trigger_id")
    body = check_view(call.args.json_value("view"))
    trigger.used = True
    view = app_view(call, call.ws.mint_id("V"), trigger.user, body)
    call.ws.views[view.id] = view
    return {"ok": True, "view": view.to_slack()}


def views_update(call: MethodCall) -> JSON:
    """``views.update``: by ``view_id`` or ``external_id``; a stale ``hash`` is a conflict."""
    view_id = call.args.opt_text("view_id")
    external_id = call.args.opt_text("external_id")
    if view_id is None and external_id is None:
        raise invalid_arguments(["[ERROR] either view_id or external_id is required"])
    view = next(
        (
            v
            for v in call.ws.views.values()
            if v.is_open and (v.id == view_id or (external_id and v.body.get("external_id") == external_id))
        ),
        None,
    )
    if view is None:
        raise ApiError("not_found")
    expected = call.args.opt_text("hash")
    if expected is not None and expected != view.hash:
        raise ApiError("hash_conflict")
    view.body = stored_view_body(check_view(call.args.json_value("view")))
    view.hash = new_hash(call)
    return {"ok": True, "view": view.to_slack()}


HANDLERS: dict[str, Handler] = {
    "auth.test": auth_test,
    "users.info": users_info,
    "users.list": users_list,
    "views.open": views_open,
    "views.update": views_update,
}
