"""`incident-bot status export DIR`: the whole public site as files, links that work opened as files,
swapped in whole (a failed export leaves the previous site as it was), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import feedparser
import pytest
from site_world import IST, World

from bot.status_page.export import CannotExport, export_site
from bot.status_page.site import StatusSite
from bot.storage.db import Database

EVERY_FILE = [
    "api/v2/components.json", "api/v2/incidents.json", "api/v2/incidents/unresolved.json", "api/v2/status.json",
    "api/v2/summary.json",
    "history.atom", "history.fr.atom", "history.fr.rss", "history.rss", "index.fr.html", "index.html",
]  # fmt: skip


@pytest.fixture
def world(any_db: Database) -> World:
    world = World(any_db)
    where = world.open()
    world.clock.now = datetime(2022, 2, 17, 21, 47, tzinfo=IST)
    world.publish(where, text="Some of you cannot load the home page.")
    world.publish(where, language="fr", text="Certains d'entre vous ne peuvent pas charger la page d'accueil.")
    return world


def export(world: World, folder: Path, url: str | None = None) -> list[str]:
    return export_site(world.db, world.settings, folder, clock=world.clock, url=url).files


def test_every_language_feed_and_json_document_is_written_and_every_link_opens_as_a_file(
    world: World, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    assert export(world, site) == EVERY_FILE
    assert sorted(str(p.relative_to(site)) for p in site.rglob("*") if p.is_file()) == EVERY_FILE
    english, french = (site / "index.html").read_text(), (site / "index.fr.html").read_text()
    assert "Some of you cannot load the home page." in english
    assert '<html lang="fr">' in french and "Certains d&#39;entre vous" in french
    for name in ("index.html", "index.fr.html"):
        links = re.findall(r'href="([^"]*)"', (site / name).read_text())
        assert len(links) == 7
        for link in links:
            assert (site / link).is_file(), f"{name} links to {link}, which is not there"
    assert re.findall(r'href="([^"]*)"', french)[2:4] == ["index.html", "index.fr.html"], "the language menu"
    atom = feedparser.parse((site / "history.fr.atom").read_bytes())
    assert [link.href for link in atom.feed.links] == ["history.fr.atom", "index.fr.html"]
    assert atom.entries[0].link.startswith("index.fr.html#incident-")
    summary = json.loads((site / "api/v2/summary.json").read_text())
    assert summary["page"]["url"] == "../../index.html"
    assert (site / "api/v2" / summary["page"]["url"]).resolve() == (site / "index.html").resolve()
    assert summary["incidents"][0]["incident_updates"][0]["body"] == "Some of you cannot load the home page."
    assert json.loads((site / "api/v2/incidents/unresolved.json").read_text())["page"]["url"] == "../../../index.html"
    assert oct(site.resolve().stat().st_mode & 0o777) == "0o755", "a web server running as another user reads it"


def test_published_at_an_address_its_feeds_and_json_link_there(world: World, tmp_path: Path) -> None:
    export(world, tmp_path / "site", url="https://status.chirper.example/")
    atom = feedparser.parse((tmp_path / "site" / "history.atom").read_bytes())
    assert [link.href for link in atom.feed.links] == [
        "https://status.chirper.example/history.atom",
        "https://status.chirper.example/index.html",
    ]
    summary = json.loads((tmp_path / "site" / "api/v2/summary.json").read_text())
    assert summary["page"]["url"] == "https://status.chirper.example/"
    assert summary["incidents"][0]["shortlink"].startswith("https://status.chirper.example/#incident-")
    assert 'href="index.fr.html"' in (tmp_path / "site" / "index.html").read_text(), "the page stays relative"


def test_each_export_replaces_the_whole_site_at_once_and_the_previous_one_goes(world: World, tmp_path: Path) -> None:
    site = tmp_path / "site"
    export(world, site)
    first = site.resolve()
    world.clock.now = datetime(2022, 2, 17, 22, 30, tzinfo=IST)
    world.publish(world.open("another one", severity=3), text="Search is slow for some of you.")
    export(world, site)
    assert site.is_symlink() and site.resolve() != first
    assert not first.exists(), "the previous site is removed once nobody can reach it through DIR"
    assert "Search is slow" in (site / "index.html").read_text()
    assert "Search is slow" in (site / "api/v2/summary.json").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == [site.resolve().name, "site"]


def test_an_export_that_fails_half_way_leaves_the_previous_site_whole(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    export(world, site)
    before = {name: (site / name).read_bytes() for name in EVERY_FILE}
    rendered = StatusSite.rendered
    calls: list[str] = []

    def fails_on_the_fifth(self: StatusSite, path: str, language: object) -> object:
        calls.append(path)
        if len(calls) == 5:
            raise OSError("disk full")
        return rendered(self, path, language)  # type: ignore[arg-type]

    monkeypatch.setattr(StatusSite, "rendered", fails_on_the_fifth)
    world.publish(world.open("another one"), text="Search is slow for some of you.")
    with pytest.raises(OSError, match="disk full"):
        export(world, site)
    assert {name: (site / name).read_bytes() for name in EVERY_FILE} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [site.resolve().name, "site"], "the half-built one is gone"


@pytest.mark.parametrize(
    "make", [lambda p: p.mkdir() or (p / "keep.txt").write_text("mine"), lambda p: p.write_text("x")]
)
def test_a_folder_or_file_of_something_else_is_never_replaced(
    world: World, tmp_path: Path, make: Callable[[Path], object]
) -> None:
    target = tmp_path / "site"
    make(target)
    with pytest.raises(CannotExport, match="already: export makes it a link to the newest site"):
        export(world, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"] and not target.is_symlink()


def test_the_command_writes_the_site_of_the_configured_database_and_refuses_a_bad_address(
    run_cli: Callable[..., int], db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world = World(db)
    world.publish(world.open())
    assert run_cli("status", "export", "public") == 0
    out = capsys.readouterr().out
    assert f"{tmp_path / 'public'}: the status page (en), its feeds and JSON API, 8 files" in out
    assert os.path.isfile(tmp_path / "public" / "index.html")
    with pytest.raises(SystemExit) as refused:
        run_cli("status", "export", "public", "--url", "status.example.com")
    assert refused.value.code == 2
    assert "'status.example.com' is not an http(s) address" in capsys.readouterr().err
