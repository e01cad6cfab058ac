"""`incident-bot serve`: the same WSGI app as production, on a local threaded HTTP server."""

from __future__ import annotations

import logging
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.types import WSGIApplication

log = logging.getLogger(__name__)


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)


def make_http_server(app: WSGIApplication, *, host: str, port: int) -> ThreadingWSGIServer:
    server = make_server(host, port, app, server_class=ThreadingWSGIServer, handler_class=QuietHandler)
    assert isinstance(server, ThreadingWSGIServer)
    return server
