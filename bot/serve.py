"""`incident-bot serve`: the same WSGI app as production, on a local threaded HTTP server,
started and stopped the standard way (`bot.lifecycle`: SIGTERM or Ctrl-C stops it, status 0).

gunicorn decodes chunked request bodies for the app; wsgiref does not, so `dechunked` does it
here (the app reads at most its size cap of them, see `bot.slack.inbound`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from socketserver import ThreadingMixIn
from typing import IO, TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from bot.background import InHand
from bot.lifecycle import Starting, Stop, listen, run_until_stopped, serving, token_accepted

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

    from bot.config import Settings

log = logging.getLogger(__name__)

_MAX_CHUNK_LINE = 1024


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """A thread a request. A stop answers the requests in hand (`finish_requests`, until the stop's
    deadline: `bot.lifecycle`) as gunicorn's graceful stop does; one still in hand then is left to
    the process's exit (its thread a daemon)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.requests = InHand()  # accepted and not yet answered
        super().__init__(*args, **kwargs)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.requests.take():  # counted before its thread starts: a stop right after waits for it
            self.shutdown_request(request)  # the stop began: no new request
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.requests.done()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.requests.done()

    def finish_requests(self, timeout: float) -> bool:
        """Wait until the requests in hand are answered, at most `timeout` seconds (after `shutdown`:
        no new one comes); whether they were."""
        self.requests.close()
        return self.requests.wait(timeout)


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)


class ChunkedBody:
    """A `Transfer-Encoding: chunked` request body read as plain bytes, chunk by chunk."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.left = 0  # bytes left in the current chunk
        self.done = False

    def read(self, size: int = -1) -> bytes:
        out = bytearray()
        while not self.done and (size < 0 or len(out) < size):
            if self.left == 0 and not self._next_chunk():
                break
            want = self.left if size < 0 else min(self.left, size - len(out))
            piece = self.raw.read(want)
            if not piece:  # the client went away mid-chunk
                self.done = True
                break
            out += piece
            self.left -= len(piece)
            if self.left == 0:
                self.raw.readline(_MAX_CHUNK_LINE)  # the CRLF after the chunk
        return bytes(out)

    def _next_chunk(self) -> bool:
        line = self.raw.readline(_MAX_CHUNK_LINE).split(b";")[0].strip()
        try:
            self.left = int(line, 16)
        except ValueError:
            self.left = 0
        if self.left <= 0:
            self.done = True
        return not self.done


def dechunked(app: WSGIApplication) -> WSGIApplication:
    def decode(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower():
            environ["wsgi.input"] = ChunkedBody(environ["wsgi.input"])
        return app(environ, start_response)

    return decode


def make_http_server(app: WSGIApplication, *, host: str, port: int) -> ThreadingWSGIServer:
    """A threaded server; `port=0` picks any free port (see `server.server_port`)."""
    server = make_server(host, port, dechunked(app), server_class=ThreadingWSGIServer, handler_class=QuietHandler)
    assert isinstance(server, ThreadingWSGIServer)
    return server


def run_serve(settings: Settings, stop: Stop, *, host: str, port: int) -> int:
    """Serve POST /slack/events, /healthz and the rest until `stop` is set: the server closed
    first, then the background threads (`bot.lifecycle`)."""

    def start(starting: Starting) -> None:
        from bot.runtime import build

        runtime = starting.runtime = build(settings)
        if not token_accepted(starting, runtime) or not starting.step(runtime.start_threads):
            return
        runtime.member_sync.first_round.wait(runtime.member_sync.first_wait)
        application = runtime.wsgi()
        runtime.warm_up()
        server = listen(starting, lambda: make_http_server(application, host=host, port=port), f"{host}:{port}")
        if server is not None and serving(starting, server, "http"):
            log.info("listening on http://%s:%s/slack/events", host, server.server_port)

    return run_until_stopped(stop, start)
