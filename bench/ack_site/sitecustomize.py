"""Loaded by every Python process `bench/ack.py` starts as a server (it is on their PYTHONPATH).

It records each thread's kernel id and Python name in `$ACK_BENCH_THREADS/<pid>`, so the benchmark
can split a server process's CPU time between request threads (gunicorn's gthread pool and its
main thread) and the bot's background threads (outbox sender, member sync, responder). It changes
nothing else. Unused unless ACK_BENCH_THREADS is set.
"""

from __future__ import annotations

import os
import threading

_folder = os.environ.get("ACK_BENCH_THREADS")

if _folder:
    _original = threading.Thread._bootstrap_inner  # type: ignore[attr-defined]

    def _bootstrap_inner(self: threading.Thread) -> None:
        with open(os.path.join(_folder, str(os.getpid())), "a") as names:
            names.write(f"{threading.get_native_id()} {self.name}\n")
        _original(self)

    threading.Thread._bootstrap_inner = _bootstrap_inner  # type: ignore[attr-defined]
