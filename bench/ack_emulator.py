"""The Slack emulator in its own process, for `bench/ack.py`: `python bench/ack_emulator.py`.

Prints its base URL and the bot token on one line, then serves until its stdin closes. The
benchmark sets Slack's latency over HTTP (`POST /_emulator/faults`), so the emulator's threads
never share a Python interpreter (and its lock) with the load generator or the server.
"""

from __future__ import annotations

import sys

from slack_emulator import ANNOUNCE, STATUS, SlackEmulator


def main() -> None:
    with SlackEmulator() as emulator:
        emulator.add_bot_to(ANNOUNCE)
        emulator.add_bot_to(STATUS)
        print(emulator.url, emulator.bot_token, flush=True)
        sys.stdin.read()  # until the benchmark closes the pipe


if __name__ == "__main__":
    main()
