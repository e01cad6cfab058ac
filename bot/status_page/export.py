"""`incident-bot status export DIR`: the whole public site as static files, swapped in at once.

Every document of the site (links.Files: the page and both feeds in each configured language, the
JSON API in the first) is rendered by `StatusSite` exactly as served, from one version of the
public data (written again if something public changed meanwhile), into a new sibling folder
(`.DIR.<time>-<random>`, same file system). Then `DIR`, a symbolic link, is pointed at it in one
`rename`, and the folder it pointed to before is removed: whoever reads `DIR` (a web server, a
sync to an object store, a person) sees the whole previous site or the whole new one, never half
of each. Links are relative (see bot.render.public_links), so the folder works opened as files and on any
static host; feeds and JSON link to INCIDENT_STATUS_URL (or `--url`) when given.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Settings
from bot.domain.language import load_language
from bot.render.public_links import Files
from bot.status_page.site import StatusSite
from bot.storage import public
from bot.storage.db import Database

ATTEMPTS = 3  # renders of the whole site while the public data keeps changing under it


class CannotExport(Exception):
    """`DIR` cannot be replaced as a whole (a folder of something else, or a file)."""


@dataclass(frozen=True)
class Exported:
    folder: Path  # DIR, the link readers use
    files: list[str]  # paths from DIR
    home: str  # the page in the first language, from DIR


def export_site(
    db: Database, settings: Settings, folder: Path, *, clock: Callable[[], datetime], url: str | None = None
) -> Exported:
    """Write the site to `folder` (see the module's docstring); `url`: where it will be published,
    instead of INCIDENT_STATUS_URL."""
    layout = Files(first=settings.languages[0])
    site = StatusSite(db, replace(settings, status_url=url or settings.status_url), clock=clock, layout=layout)
    link = folder.absolute()
    _check_replaceable(link)
    built = Path(tempfile.mkdtemp(prefix=f".{link.name}.{datetime.now(UTC):%Y%m%dT%H%M%SZ}-", dir=link.parent))
    try:
        built.chmod(0o755)  # mkdtemp makes it private; a web server reads it as another user
        files = _write(site, layout, settings.languages, built)
        _point(link, built)
    except BaseException:
        shutil.rmtree(built, ignore_errors=True)
        raise
    return Exported(folder=folder, files=files, home=layout.home)


def _write(site: StatusSite, layout: Files, languages: tuple[str, ...], into: Path) -> list[str]:
    """Every document from one version of the public data (again when it moved meanwhile)."""
    for _ in range(ATTEMPTS):
        before = _version(site.db)
        documents = {
            layout.location(route, code): site.rendered(route, load_language(code)).body
            for route, code in layout.documents(languages)
        }
        if _version(site.db) == before:
            break
    for name, body in documents.items():
        path = into / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    return sorted(documents)


def _version(db: Database) -> int | None:
    with db.glance() as connection:
        return public.version(session=connection)


def _check_replaceable(link: Path) -> None:
    if link.is_symlink() or not link.exists():
        return
    if link.is_dir() and not any(link.iterdir()):
        link.rmdir()  # an empty folder made to receive it: nothing to see meanwhile
        return
    raise CannotExport(
        f"{link} is a {'folder' if link.is_dir() else 'file'} already: export makes it a link to the newest "
        "site, replaced at once; give a path that does not exist yet (or that an earlier export wrote)"
    )


def _point(link: Path, built: Path) -> None:
    """`link` -> `built` in one rename (a reader never finds it missing), then the old site goes."""
    previous = link.parent / os.readlink(link) if link.is_symlink() else None
    staged = link.parent / f"{built.name}.link"
    staged.symlink_to(built.name)  # relative: the pair can be moved together
    os.replace(staged, link)
    if previous is not None and previous.resolve() != built.resolve() and previous.name.startswith(f".{link.name}."):
        shutil.rmtree(previous, ignore_errors=True)
