"""What a person does in Slack that reaches the app: commands, clicks, modals, shortcuts, reactions.

``UserActions`` acts as one workspace user. Each action changes the state as Slack would
(mints a trigger id and a response URL, adds the reaction...), sends it to the app (a signed
HTTP request, or a Socket Mode envelope once the emulator is in Socket Mode), then applies
Slack's handling of the app's ack (a slash command's reply shown to the user, a modal closed or
kept open with errors...). Every action returns the app's ``AppResponse``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from slack_emulator import payloads
from slack_emulator.app_connection import SLACK_ACK_SECONDS, AppResponse, AppTransport
from slack_emulator.arguments import ApiError
from slack_emulator.methods_messages import add_reaction
from slack_emulator.records import JSON, Channel, Message, User, View
from slack_emulator.replies import show_reply
from slack_emulator.state import GENERAL, Workspace
from slack_emulator.typed import typed_text
from slack_emulator.validation import check_view


class UserActions:
    """One person's actions in the workspace (``emulator.as_user("alice")``)."""

    def __init__(self, *, ws: Workspace, user: User, connection: Callable[[], AppTransport], base_url: str) -> None:
        self.ws = ws
        self.user = user
        self._connection = connection
        self._base_url = base_url

    def _channel(self, channel: str) -> Channel:
        found = self.ws.channel(channel)
        if found is None:
            raise ValueError(f"no channel {channel!r}")
        return found

    def _response_url(self, channel_id: str | None, source: str, message_ts: str | None = None) -> str:
        url = self.ws.mint_response_url(self.user.id, channel_id, source=source, message_ts=message_ts)
        return f"{self._base_url}/response_url/{url.id}"

    def slash(self, text: str, *, channel: str = GENERAL, command: str = "/incident", raw: bool = False) -> AppResponse:
        """Type ``{command} {text}`` in ``channel``; ``raw=True`` sends ``text`` unescaped, as given.

        Slack shows the ack's text/blocks to the user only (or in the channel with
        ``response_type: in_channel``); an ack that is late (> 3 s) or not 200 shows Slack's error.
        """
        with self.ws.lock:
            target = self._channel(channel)
            fields = payloads.slash_form(
                self.ws,
                user=self.user,
                channel=target,
                command=command,
                text=text if raw else typed_text(self.ws, text),
                response_url=self._response_url(target.id, "command"),
                trigger_id=self.ws.mint_trigger(self.user.id),
            )
        response = self._connection().send_form(fields)
        self._show_command_ack(response, target.id, command)
        return response

    def _show_command_ack(self, response: AppResponse, channel_id: str, command: str) -> None:
        """Show what Slack shows after a slash command: the ack's message, or Slack's error."""
        error: str | None = None
        if not response.acked_in_time:
            error = "operation_timeout" if response.elapsed > SLACK_ACK_SECONDS else "dispatch_failed"
        elif response.body is not None:
            body = response.body if isinstance(response.body, dict) else {"text": str(response.body).strip()}
            try:
                show_reply(self.ws, user_id=self.user.id, channel_id=channel_id, body=body, source="command_ack")
            except ApiError as refused:
                error = refused.error
        if error is not None:
            notice = f'{command} failed with the error "{error}"'
            self.ws.post_ephemeral(channel_id, self.user.id, notice, None, source="slack")

    def click(self, channel: str, message_ts: str, action_id: str) -> AppResponse:
        """Click the button ``action_id`` of a message in the channel."""
        with self.ws.lock:
            target = self._channel(channel)
            message = self._message(target, message_ts, channel)
            payload = self._click_payload(
                target, message_ts, message.blocks, action_id, message=message.to_slack(self.ws.team_id)
            )
        return self._connection().send_payload(payload)

    def click_as_shown(self, channel: str, message_ts: str, blocks: list[JSON], action_id: str) -> AppResponse:
        """Click a button of a message as this user's Slack still shows it (``blocks``: as it was
        rendered before the app edited it, or as a forger wrote it)."""
        with self.ws.lock:
            target = self._channel(channel)
            message = self._message(target, message_ts, channel)
            shown = message.to_slack(self.ws.team_id) | {"blocks": blocks}
            payload = self._click_payload(target, message_ts, blocks, action_id, message=shown)
        return self._connection().send_payload(payload)

    def choose(self, channel: str, message_ts: str, action_id: str, value: str) -> AppResponse:
        """Choose the option valued ``value`` in the static select ``action_id`` of a message."""
        with self.ws.lock:
            target = self._channel(channel)
            message = self._message(target, message_ts, channel)
            block_id, element = payloads.find_action(message.blocks, action_id)
            container = {"type": "message", "message_ts": message_ts, "channel_id": target.id, "is_ephemeral": False}
            payload = payloads.block_actions(
                self.ws,
                user=self.user,
                container=container,
                action=payloads.select_action_json(block_id, element, value, self.ws.next_ts(target.id)),
                trigger_id=self.ws.mint_trigger(self.user.id),
                response_url=self._response_url(target.id, "message", message_ts),
                channel=target,
                message=message.to_slack(self.ws.team_id),
            )
        return self._connection().send_payload(payload)

    def click_ephemeral(self, channel: str, message_ts: str, action_id: str) -> AppResponse:
        """Click a button of an ephemeral message this user sees in the channel."""
        with self.ws.lock:
            target = self._channel(channel)
            ephemeral = next(
                (
                    e
                    for e in self.ws.ephemerals
                    if e.channel == target.id and e.ts == message_ts and e.user == self.user.id
                ),
                None,
            )
            if ephemeral is None:
                raise ValueError(f"{self.user.name} has no ephemeral message {message_ts} in {channel}")
            payload = self._click_payload(target, message_ts, ephemeral.blocks, action_id, message=None)
        return self._connection().send_payload(payload)

    def _message(self, target: Channel, message_ts: str, named: str) -> Message:
        """The stored message a person acts on (``named``: the channel as the caller wrote it)."""
        message = self.ws.message(target.id, message_ts)
        if message is None:
            raise ValueError(f"no message {message_ts} in {named}")
        return message

    def _click_payload(
        self, target: Channel, message_ts: str, blocks: list[JSON], action_id: str, *, message: JSON | None
    ) -> JSON:
        """The block_actions payload of a click on a message (``message=None``: an ephemeral one)."""
        block_id, element = payloads.find_action(blocks, action_id)
        ephemeral = message is None
        container = {"type": "message", "message_ts": message_ts, "channel_id": target.id, "is_ephemeral": ephemeral}
        return payloads.block_actions(
            self.ws,
            user=self.user,
            container=container,
            action=payloads.action_json(block_id, element, self.ws.next_ts(target.id)),
            trigger_id=self.ws.mint_trigger(self.user.id),
            response_url=self._response_url(target.id, "ephemeral" if ephemeral else "message", message_ts),
            channel=target,
            message=message,
        )

    def _open_view(self, view_id: str) -> View:
        view = self.ws.views.get(view_id)
        if view is None or not view.is_open or view.user != self.user.id:
            raise ValueError(f"view {view_id} is not open for {self.user.name}")
        return view

    def click_in_view(self, view_id: str, action_id: str) -> AppResponse:
        """Click a button inside a modal this user has open."""
        with self.ws.lock:
            view = self._open_view(view_id)
            block_id, element = payloads.find_action(view.body.get("blocks", []), action_id)
            payload = payloads.block_actions(
                self.ws,
                user=self.user,
                container={"type": "view", "view_id": view.id},
                action=payloads.action_json(block_id, element, f"{self.ws.clock():.6f}"),
                trigger_id=self.ws.mint_trigger(self.user.id),
                response_url=None,
                view=view.to_slack(),
            )
        return self._connection().send_payload(payload)

    def click_in_home(self, action_id: str) -> AppResponse:
        """Click a button of the App Home published for this user."""
        return self._act_in_home(action_id, None)

    def choose_in_home(self, action_id: str, value: str) -> AppResponse:
        """Choose the option valued ``value`` in the static select ``action_id`` of this user's App Home."""
        return self._act_in_home(action_id, value)

    def _act_in_home(self, action_id: str, value: str | None) -> AppResponse:
        """A click (``value`` None) or an option chosen in the App Home published for this user:
        no channel, no response URL, the Home's view and a trigger."""
        with self.ws.lock:
            home = self.ws.homes.get(self.user.id)
            if home is None:
                raise ValueError(f"no App Home was published for {self.user.name}")
            block_id, element = payloads.find_action(home.body.get("blocks", []), action_id)
            action_ts = f"{self.ws.clock():.6f}"
            action = (
                payloads.action_json(block_id, element, action_ts)
                if value is None
                else payloads.select_action_json(block_id, element, value, action_ts)
            )
            payload = payloads.block_actions(
                self.ws,
                user=self.user,
                container={"type": "view", "view_id": home.id},
                action=action,
                trigger_id=self.ws.mint_trigger(self.user.id),
                response_url=None,
                view=home.to_slack(),
            )
        return self._connection().send_payload(payload)

    def type_in_menu(self, view_id: str, block_id: str, typed: str = "") -> AppResponse:
        """Type ``typed`` in a modal's menu of external options (``""``: open it), as Slack sends it:
        a ``block_suggestion`` to the options load URL, nothing before ``min_query_length``
        characters (ValueError). The app's answer must come within 3 seconds and be valid options
        (ValueError otherwise); what it offers can then be chosen in ``submit_view``."""
        with self.ws.lock:
            view = self._open_view(view_id)
            block = next((b for b in view.body.get("blocks", []) if b.get("block_id") == block_id), None)
            element = (block or {}).get("element") or (block or {}).get("accessory") or {}
            if element.get("type") not in payloads.EXTERNAL_SELECTS:
                raise ValueError(f"block {block_id!r} of view {view_id} has no menu of external options")
            least = int(element.get("min_query_length", payloads.DEFAULT_MIN_QUERY_LENGTH))
            if len(typed) < least:
                raise ValueError(f"Slack asks the app nothing before {least} characters are typed")
            payload = payloads.block_suggestion(
                self.ws, user=self.user, view=view, block_id=block_id, element=element, typed=typed
            )
        response = self._connection().send_payload(payload)
        if not response.acked_in_time:
            raise ValueError(f"the app did not answer block_suggestion within 3 s: {response.status}")
        offered = payloads.offered_options(response.body)
        with self.ws.lock:
            view.offered.setdefault(block_id, {}).update({str(option["value"]): option for option in offered})
        return response

    def submit_view(self, view_id: str, values: Mapping[str, Any] | None = None) -> AppResponse:
        """Submit a modal with ``values`` keyed by block id or action id (see ``state_values``); a
        menu of external options holds only options the app offered (``type_in_menu``).

        An empty ack closes the view; ``response_action`` ``errors`` keeps it open, ``update``
        replaces it, ``push`` stacks a new one, ``clear`` closes all of the user's views.
        """
        with self.ws.lock:
            view = self._open_view(view_id)
            state = payloads.state_values(view.body.get("blocks", []), values or {}, view.offered)
            payload = payloads.view_submission(
                self.ws, user=self.user, view=view, values=state, trigger_id=self.ws.mint_trigger(self.user.id)
            )
        response = self._connection().send_payload(payload)
        if response.acked_in_time:
            self._apply_submission_ack(view, response.json)
        return response

    def _apply_submission_ack(self, view: View, ack: Mapping[str, Any]) -> None:
        try:
            self._apply_response_action(view, ack)
        except ApiError as error:
            raise ValueError(f"the app answered view_submission with an invalid view: {error.body()}") from None

    def _apply_response_action(self, view: View, ack: Mapping[str, Any]) -> None:
        with self.ws.lock:
            action = ack.get("response_action")
            if action == "errors":
                return
            if action == "update":
                view.body = check_view(ack.get("view"))
                return
            if action == "push":
                pushed_id = self.ws.mint_id("V")
                self.ws.views[pushed_id] = View(
                    id=pushed_id,
                    user=view.user,
                    team_id=view.team_id,
                    app_id=view.app_id,
                    bot_id=view.bot_id,
                    body=check_view(ack.get("view")),
                    hash=view.hash,
                    root_view_id=view.root_view_id,
                    previous_view_id=view.id,
                )
                return
            closing = [v for v in self.ws.views.values() if v.user == self.user.id] if action == "clear" else [view]
            for item in closing:
                item.is_open = False

    def message_shortcut(self, channel: str, message_ts: str, callback_id: str) -> AppResponse:
        """Run the message shortcut ``callback_id`` on a message (e.g. "Add to timeline")."""
        with self.ws.lock:
            target = self._channel(channel)
            message = self._message(target, message_ts, channel)
            payload = payloads.message_action(
                self.ws,
                user=self.user,
                channel=target,
                message=message.to_slack(self.ws.team_id),
                callback_id=callback_id,
                trigger_id=self.ws.mint_trigger(self.user.id),
                response_url=self._response_url(target.id, "shortcut"),
                action_ts=f"{self.ws.clock():.6f}",
            )
        return self._connection().send_payload(payload)

    def global_shortcut(self, callback_id: str) -> AppResponse:
        """Run the global shortcut ``callback_id`` from the lightning menu (e.g. "Declare incident")."""
        with self.ws.lock:
            payload = payloads.global_shortcut(
                self.ws,
                user=self.user,
                callback_id=callback_id,
                trigger_id=self.ws.mint_trigger(self.user.id),
                action_ts=f"{self.ws.clock():.6f}",
            )
        return self._connection().send_payload(payload)

    def open_home(self, tab: str = "home") -> AppResponse:
        """Open the app's Home tab (or its Messages tab): the app gets ``app_home_opened``, with the
        Home last published for this person, if any."""
        connection = self._connection()
        with self.ws.lock:
            event: JSON = {
                "type": "app_home_opened",
                "user": self.user.id,
                "channel": self.ws.direct_channel(self.user.id).id,
                "tab": tab,
                "event_ts": f"{self.ws.clock():.6f}",
            }
            published = self.ws.homes.get(self.user.id)
            if tab == "home" and published is not None:
                event["view"] = published.to_slack()
            envelope = payloads.event_callback(
                self.ws, event=event, event_id=self.ws.mint_id("Ev"), event_time=self.ws.now()
            )
        return connection.send_event(envelope)

    def react(self, channel: str, message_ts: str, name: str = "pushpin") -> AppResponse | None:
        """Add a reaction; the app gets a ``reaction_added`` event if the bot is in the channel.

        Returns the app's response, or None when Slack would not deliver the event (bot absent).
        """
        connection = self._connection()
        with self.ws.lock:
            target = self._channel(channel)
            message = self._message(target, message_ts, channel)
            if not add_reaction(message.reactions, name, self.user.id):
                raise ValueError(f"{self.user.name} already reacted :{name}: to {message_ts}")
            if self.ws.bot.id not in target.members:
                return None
            event = {
                "type": "reaction_added",
                "user": self.user.id,
                "reaction": name,
                "item_user": message.user,
                "item": {"type": "message", "channel": target.id, "ts": message_ts},
                "event_ts": f"{self.ws.clock():.6f}",
            }
            envelope = payloads.event_callback(
                self.ws, event=event, event_id=self.ws.mint_id("Ev"), event_time=self.ws.now()
            )
        return connection.send_event(envelope)

    def post_message(self, channel: str, text: str, *, raw: bool = False, thread_ts: str | None = None) -> str:
        """Post a message as this person (state only, no event); returns its ts."""
        with self.ws.lock:
            target = self._channel(channel)
            if self.user.id not in target.members:
                raise ValueError(f"{self.user.name} is not a member of {channel}")
            content = text if raw else typed_text(self.ws, text)
            return self.ws.post(target.id, self.user.id, content, thread_ts=thread_ts).ts

    def pin(self, channel: str, message_ts: str) -> None:
        """Pin a message of the channel as this person (state only, no event): Slack posts a
        ``pinned_item`` line, as for ``pins.add``."""
        with self.ws.lock:
            target = self._channel(channel)
            message = self._message(target, message_ts, channel)
            if message.pinned:
                raise ValueError(f"{message_ts} is pinned already")
            message.pinned = True
            self.ws.post(
                target.id, self.user.id, f"<@{self.user.id}> pinned a message to this channel.", subtype="pinned_item"
            )
