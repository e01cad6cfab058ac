"""`StatusHttp`: the `status` process's WSGI app: the public routes (`StatusSite`) and its own
`GET /healthz`, nothing else: no Slack, no `/metrics`, no token needed (Procfile's `status:` line).

`/healthz` is 200 `{"ok": true}` while the database answers, else 503 with `database unreachable`:
Slack's state is the web process's business, and a status page must stay up while Slack or the
token is failing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from bot.status_page.site import StatusSite
from bot.storage.db import Database

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment


class StatusHttp:
    def __init__(self, site: StatusSite, db: Database) -> None:
        self.site = site
        self.db = db

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            healthy = self.db.ping()
            body = json.dumps({"ok": True} if healthy else {"ok": False, "error": "database unreachable"}).encode()
            headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            start_response(
                "200 OK" if healthy else "503 Service Unavailable", [*headers, ("Cache-Control", "no-store")]
            )
            return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]
        return self.site(environ, start_response)
