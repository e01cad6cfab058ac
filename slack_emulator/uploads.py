"""Files uploaded to the workspace, and the body of a POST to an upload URL.

An ``UploadedFile`` is born when the app calls ``files.getUploadURLExternal`` (name, announced
length, a one-use upload ticket), gets its bytes when the app POSTs them to the upload URL, and is
finished (``completed``) by ``files.completeUploadExternal``, which gives it its title and shares it
in channels. ``to_slack()`` renders the file object of ``files.completeUploadExternal`` and of a
file share message's ``files``. Tests read them through ``emulator.files``
(``slack_emulator.uploaded_files``).

Slack's upload service takes the bytes raw or as a multipart form (docs.slack.dev,
files.getUploadURLExternal, usage info); ``upload_bytes`` reads either. The file's type comes from
its name, as Slack decides it from the extension for text files.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP

from slack_emulator.records import JSON

# Slack's ``filetype`` and ``pretty_type`` for the text files an app typically uploads.
FILE_TYPES: dict[str, tuple[str, str, str]] = {
    ".md": ("markdown", "text/markdown", "Markdown (raw)"),
    ".txt": ("text", "text/plain", "Plain Text"),
    ".json": ("json", "application/json", "JSON"),
    ".csv": ("csv", "text/csv", "CSV"),
    ".log": ("text", "text/plain", "Plain Text"),
}
SHARE_KINDS = ("channels", "groups", "ims")


@dataclass(frozen=True)
class FileShare:
    """Where a file was shared: the message's ts, and the conversation's kind as the file object
    lists it (``channels`` public, ``groups`` private, ``ims`` direct messages)."""

    ts: str
    kind: str


@dataclass
class UploadedFile:
    """One file: what the app announced, the bytes it sent, where it was shared (by conversation id)."""

    id: str
    name: str
    length: int
    user: str
    created: int
    ticket: str
    alt_txt: str | None = None
    snippet_type: str | None = None
    title: str = ""
    content: bytes | None = None
    completed: bool = False
    shares: dict[str, FileShare] = field(default_factory=dict)

    @property
    def channels(self) -> list[str]:
        """The ids of the conversations the file was shared in, in order."""
        return list(self.shares)

    def file_type(self) -> tuple[str, str, str]:
        """``(filetype, mimetype, pretty_type)`` from the file's extension."""
        suffix = "." + self.name.rsplit(".", 1)[-1].lower() if "." in self.name else ""
        if suffix in FILE_TYPES:
            return FILE_TYPES[suffix]
        mimetype = mimetypes.guess_type(self.name)[0] or "application/octet-stream"
        return (suffix.lstrip(".") or "binary", mimetype, suffix.lstrip(".").upper() or "Binary")

    def to_slack(self, *, team_id: str, base_url: str) -> JSON:
        """The file object Slack returns for this file."""
        filetype, mimetype, pretty_type = self.file_type()
        url = f"{base_url}/files-pri/{team_id}-{self.id}/{self.name}"
        data: JSON = {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.name,
            "title": self.title or self.name,
            "mimetype": mimetype,
            "filetype": filetype,
            "pretty_type": pretty_type,
            "user": self.user,
            "user_team": team_id,
            "editable": self.snippet_type is not None,
            "size": len(self.content) if self.content is not None else self.length,
            "mode": "snippet" if self.snippet_type is not None else "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": any(share.kind == "channels" for share in self.shares.values()),
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": url,
            "url_private_download": f"{url}?download=1",
            "permalink": f"{base_url}/files/{self.user}/{self.id}/{self.name}",
            **{kind: [c for c, share in self.shares.items() if share.kind == kind] for kind in SHARE_KINDS},
            "has_rich_preview": False,
            "file_access": "visible",
        }
        if self.alt_txt is not None:
            data["alt_txt"] = self.alt_txt
        return data


def upload_bytes(content_type: str, body: bytes) -> bytes:
    """The file's bytes in a POST to an upload URL: the body itself, or a multipart form's file part
    (the part with a file name, else the first part)."""
    if not content_type.lower().startswith("multipart/form-data"):
        return body
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    parts = [part for part in message.iter_parts()] if message.is_multipart() else []
    if not parts:
        return body
    part = next((p for p in parts if p.get_filename() is not None), parts[0])
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""
