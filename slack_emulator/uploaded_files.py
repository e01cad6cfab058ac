"""The files the app uploaded, as a test reads them (``emulator.files``): copies taken under the
workspace's lock, ``content`` holding the bytes the app sent (``slack_emulator.uploads``)."""

from __future__ import annotations

import copy

from slack_emulator.state import Workspace
from slack_emulator.uploads import UploadedFile


class UploadedFiles:
    """The files the app uploaded (``emulator.files``), as copies; ``content`` holds the bytes."""

    def __init__(self, *, ws: Workspace) -> None:
        self.ws = ws

    def get(self, file_id: str) -> UploadedFile:
        """The file with this id (``F...``, as ``files.getUploadURLExternal`` answered); KeyError if none."""
        with self.ws.lock:
            return copy.deepcopy(self.ws.files[file_id])

    def all(self) -> list[UploadedFile]:
        """Every file, oldest first, finished or not."""
        with self.ws.lock:
            return [copy.deepcopy(file) for file in self.ws.files.values()]

    def shared_in(self, channel: str) -> list[UploadedFile]:
        """The files shared in ``channel`` (id or name), oldest first; KeyError when there is no such channel."""
        with self.ws.lock:
            found = self.ws.channel(channel)
            if found is None:
                raise KeyError(channel)
            return [copy.deepcopy(file) for file in self.ws.files.values() if found.id in file.shares]
