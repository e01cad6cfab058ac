"""The web process's gunicorn worker: gthread, with Slack's requests never queued behind readers.

gthread hands every request to one pool of threads in arrival order. With the status page on
the same port (bot.status_page), 200 readers fetching `/status` as fast as they can kept ~200
requests ahead of each slash command in that queue: a `note` ack waited 150-300 ms for nothing
but its turn (BENCHMARKS.md, 200 readers). Slack only ever POSTs and readers only GET or HEAD,
so this worker looks at a request's first bytes before choosing a pool (`MSG_PEEK`, nothing is
consumed): POSTs go to the pool of `--threads` threads as before; every other method goes to a
small pool of its own (`PUBLIC_THREADS`). However many readers come, they wait for each other,
and Slack's requests find the request threads free.

A new connection whose first bytes have not arrived yet waits on the poller (as gthread does for
a connection that sent nothing), so a reader that connects and stalls holds no request thread
either. A request already read into the parser's buffer (pipelined, or read ahead) is chosen by
the buffered bytes. TLS terminated by gunicorn itself (unwrapped in the thread: the bytes here
are a handshake) and HTTP/2 (one connection for every request) go to the request threads, as
plain gthread would send them; behind a router that terminates TLS, as on Heroku, neither applies.

It subclasses gunicorn's `ThreadWorker` and uses its connection bookkeeping (`enqueue_req`,
`pending_conns`, `method_queue`, `finish_request`): pinned to gunicorn 27 in pyproject.toml.
"""

from __future__ import annotations

import selectors
import socket
import time
from concurrent import futures
from functools import partial
from typing import Any

from gunicorn.workers.gthread import DEFAULT_WORKER_DATA_TIMEOUT, ThreadWorker

PUBLIC_THREADS = 2  # threads for GET/HEAD (status page, feeds, /healthz, /metrics): cached answers


class SlackFirstWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn is untyped
    def init_process(self) -> None:
        self.public_pool = futures.ThreadPoolExecutor(max_workers=PUBLIC_THREADS, thread_name_prefix="public-reads")
        super().init_process()

    def enqueue_req(self, conn: Any) -> None:
        """Called on the worker's main thread for every request: choose its pool by its first bytes."""
        if self.cfg.is_ssl or conn.is_http2:  # TLS is unwrapped in the thread; HTTP/2 multiplexes
            super().enqueue_req(conn)
            return
        first = _buffered(conn) or _peek(conn.sock)
        if first is NOT_YET:
            self._wait_for_data(conn)  # nothing arrived yet: decide once it has
        elif first is None or len(first) < 4 or first.startswith((b"POST", b"PRI ")):
            super().enqueue_req(conn)  # a POST, or cannot tell (closed, or too few bytes yet): as gthread would
        else:
            done = self.public_pool.submit(self.handle, conn)
            done.add_done_callback(lambda fut: self.method_queue.defer(self.finish_request, conn, fut))

    def _wait_for_data(self, conn: Any) -> None:
        """gthread's own deferral, on the poller: a new connection gets as long as gthread gives it
        (DEFAULT_WORKER_DATA_TIMEOUT in a thread, then the keep-alive timeout on the poller)."""
        conn.sock.setblocking(False)
        conn.timeout = time.monotonic() + DEFAULT_WORKER_DATA_TIMEOUT + self.cfg.keepalive
        self.pending_conns.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn))

    def handle_quit(self, sig: Any, frame: Any) -> None:
        self.public_pool.shutdown(wait=False)
        super().handle_quit(sig, frame)

    def run(self) -> None:
        try:
            super().run()
        finally:
            self.public_pool.shutdown(wait=False)


NOT_YET = b"(nothing yet)"


def _buffered(conn: Any) -> bytes | None:
    """The next request's first bytes when the parser already read them off the socket (a
    pipelined request, or one read ahead while draining a body): the socket has nothing to show."""
    parser = getattr(conn, "parser", None)
    buffered = parser.unreader.buf.getvalue() if parser is not None else b""
    return buffered[:8] or None


def _peek(sock: socket.socket) -> bytes | None:
    """The first bytes waiting on `sock`, without consuming them: NOT_YET when none has arrived,
    None when there is nothing to tell (the client closed, the socket is TLS: gthread sees to it)."""
    try:
        first = sock.recv(8, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except (BlockingIOError, InterruptedError):
        return NOT_YET
    except (ValueError, OSError):  # an SSLSocket refuses flags; a reset connection
        return None
    return first or None
