"""A port for a server a test starts and must name before it listens (a process given `$PORT`, an
SMTP server, Alertmanager).

A port found by binding port 0 and closing the probe comes from the kernel's ephemeral range:
until the server binds it (a second or more later for a process starting), the kernel may give
it to any outgoing connection on the machine (the tests make thousands, to the emulator and to
PostgreSQL) or to another test's probe, and the server then fails to start, once in a while and
mostly under load. So the ports here come from below the ephemeral range (Linux's
`ip_local_port_range`), which the kernel hands out to nobody by itself, and each one is claimed
with a lock file for as long as the test process lives: two test processes on the machine
(xdist's workers, or another checkout's run) never pick the same one, and one process never
picks a port twice (the server it started may not have let go of it yet). A port something is
listening on anyway is skipped.
"""

from __future__ import annotations

import fcntl
import os
import random
import socket
import tempfile
from pathlib import Path

FIRST = 20000
LOCKS = Path(tempfile.gettempdir()) / "incident-bot-test-ports"
_claimed: list[int] = []  # the lock files' descriptors: held until the process ends


def _below_ephemeral() -> range:
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768  # Linux's default; macOS and the BSDs start theirs at 49152
    return range(FIRST, max(low, FIRST + 1000))


def free_port() -> int:
    """A port on 127.0.0.1 nobody listens on, that no other caller of this function (in any
    process) is given while this process lives."""
    ports = _below_ephemeral()
    LOCKS.mkdir(exist_ok=True)
    start = random.randrange(len(ports))
    for offset in range(len(ports)):
        port = ports[(start + offset) % len(ports)]
        try:
            descriptor = os.open(LOCKS / str(port), os.O_CREAT | os.O_RDWR, 0o666)
        except OSError:  # another user's lock file
            continue
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # another process has it
            os.close(descriptor)
            continue
        _claimed.append(descriptor)  # claimed, even if bound below: it is never tried again here
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")
