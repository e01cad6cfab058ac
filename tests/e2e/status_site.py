"""Helpers for the status page tests: read the public routes over HTTP, act as people in Slack."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message as Headers

from e2e_stack import Stack, sections_of

from slack_emulator.records import Message


@dataclass(frozen=True)
class Fetched:
    status: int
    headers: Headers
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


def fetch(url: str, path: str, *, method: str = "GET", **headers: str) -> Fetched:
    request = urllib.request.Request(f"{url}{path}", method=method)  # noqa: S310 - loopback
    for name, value in headers.items():
        request.add_header(name.replace("_", "-"), value)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
            return Fetched(answer.status, answer.headers, answer.read())
    except urllib.error.HTTPError as error:
        return Fetched(error.code, error.headers, error.read())


def unfollowed(url: str, path: str, *, method: str = "GET") -> tuple[int, str | None]:
    """The status and `Location` of the answer itself, a redirect not followed (as `fetch` does)."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request(method, path)
        answer = connection.getresponse()
        answer.read()
        return answer.status, answer.getheader("Location")
    finally:
        connection.close()


def drafts_of(stack: Stack, channel: str) -> list[Message]:
    return [m for m in stack.emulator.messages(channel) if "Public update draft" in str(m.blocks)]


def publish(stack: Stack, channel: str, label: str, *, who: str = "alice", text: str | None = None) -> str:
    """Press Publish on the newest draft labelled `label` ("English · short"), after editing it to
    `text` if given; returns the published words."""
    matching = [m for m in drafts_of(stack, channel) if label in str(m.blocks)]
    assert matching, f"no {label} draft"
    draft = matching[-1]
    if text is not None:
        stack.user(who).click(channel, draft.ts, "draft.edit")
        stack.settle()
        (view,) = stack.emulator.views(stack.emulator.user(who).id, open_only=True)
        answer = stack.user(who).submit_view(view.id, {"text": text})
        assert answer.status == 200 and not answer.body, answer.body
        stack.settle()
    stack.user(who).click(channel, draft.ts, "draft.publish")
    stack.settle()
    newest = next(m for m in reversed(drafts_of(stack, channel)) if m.ts == draft.ts)
    return sections_of(newest.blocks)[1]
