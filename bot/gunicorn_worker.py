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
either. A connection that cannot be peeked at (TLS terminated by gunicorn itself) goes to the
request threads, as plain gthread would send it.

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

from gunicorn.workers.gthread import ThreadWorker

PUBLIC_THREADS = 2  # threads for GET/HEAD (status page, feeds, /healthz, /metrics): cached answers


class SlackFirstWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn is untyped
    def init_process(self) -> None:
        self.public_pool = futures.ThreadPoolExecutor(max_workers=PUBLIC_THREADS, thread_name_prefix="public-reads")
        super().init_process()

    def enqueue_req(self, conn: Any) -> None:
        """Called on the worker's main thread for every request: choose its pool by its first bytes."""
        first = _peek(conn.sock)
        if first is NOT_YET:
            self._wait_for_data(conn)  # nothing arrived yet: decide once it has
        elif first is None or first.startswith(b"POST"):  # None: cannot tell, as gthread would
            super().enqueue_req(conn)
        else:
            done = self.public_pool.submit(self.handle, conn)
            done.add_done_callback(lambda fut: self.method_queue.defer(self.finish_request, conn, fut))

    def _wait_for_data(self, conn: Any) -> None:
        """gthread's own deferral: on the poller, closed after the keep-alive timeout if nothing comes."""
        conn.sock.setblocking(False)
        conn.timeout = time.monotonic() + self.cfg.keepalive
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
