"""Web API methods on user groups: ``usergroups.list`` and ``usergroups.users.list``.

As Slack's method pages describe them: ``usergroups.list`` returns every enabled group (disabled
ones too with ``include_disabled``), each without its members unless ``include_users``, counted
with ``include_count``; ``usergroups.users.list`` returns the ids of one group's members, and
``no_such_subteam`` for a group it does not know (a disabled one without ``include_disabled``
included: its results "involve a disabled user group").
"""

from __future__ import annotations

from slack_emulator.arguments import ApiError
from slack_emulator.method_context import Handler, MethodCall
from slack_emulator.records import JSON


def usergroups_list(call: MethodCall) -> JSON:
    """``usergroups.list``: the workspace's user groups, in no particular order (here: by id)."""
    include_disabled = call.args.flag("include_disabled")
    groups = [
        group.to_slack(include_users=call.args.flag("include_users"), include_count=call.args.flag("include_count"))
        for group in sorted(call.ws.usergroups.values(), key=lambda group: group.id)
        if include_disabled or not group.deleted
    ]
    return {"ok": True, "usergroups": groups}


def usergroups_users_list(call: MethodCall) -> JSON:
    """``usergroups.users.list``: the ids of one group's members."""
    group = call.ws.usergroups.get(call.args.text("usergroup"))
    if group is None or (group.deleted and not call.args.flag("include_disabled")):
        raise ApiError("no_such_subteam")
    return {"ok": True, "users": list(group.users)}


HANDLERS: dict[str, Handler] = {
    "usergroups.list": usergroups_list,
    "usergroups.users.list": usergroups_users_list,
}
