"""`StatusSite` in-process, on SQLite and PostgreSQL: headers a CDN relies on, links that never
come from the request, when impact began, and the date of an empty feed (docs/behaviour.md,
Status page)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import feedparser
import pytest
from site_world import IST, World, call

from bot.domain.incident import Status
from bot.render.public_links import ROUTES
from bot.status_page.app import StatusHttp
from bot.storage.db import Database

CDN = "public, max-age=30, stale-while-revalidate=60, stale-if-error=86400"
PUBLIC_URL = "https://status.chirper.example/status"


@pytest.fixture
def world(any_db: Database) -> World:
    return World(any_db)


def published(world: World) -> World:
    """INC-1 opened at 21:41 IST, its English long update published at 21:47 IST (16:17 UTC)."""
    where = world.open()
    world.clock.now = datetime(2022, 2, 17, 21, 47, tzinfo=IST)
    world.publish(where)
    return world


def test_every_public_answer_tells_a_cache_in_front_how_long_to_keep_it_and_answers_304(world: World) -> None:
    site = published(world).site()
    for path in ROUTES:
        first = call(site, path)
        assert first.status == "200 OK", path
        assert first.headers["Cache-Control"] == CDN
        assert first.headers["Vary"] == "Accept-Language"
        assert first.headers["Last-Modified"] == "Thu, 17 Feb 2022 16:17:00 GMT"
        etag = first.headers["ETag"]
        again = call(site, path, if_none_match=etag)
        assert (again.status, again.body, again.headers["ETag"]) == ("304 Not Modified", b"", etag)
        assert again.headers["Cache-Control"] == CDN
        assert call(site, path, if_modified_since="Thu, 17 Feb 2022 16:17:00 GMT").status == "304 Not Modified"
        older = call(site, path, if_modified_since="Thu, 17 Feb 2022 16:16:59 GMT")
        assert older.status == "200 OK" and older.body == first.body
        head = call(site, path, method="HEAD")
        assert (head.status, head.body, head.headers["ETag"]) == ("200 OK", b"", etag)
        assert int(head.headers["Content-Length"]) == len(first.body)


def test_the_french_page_writes_its_times_as_french_does_and_the_english_one_as_english_does(world: World) -> None:
    site = published(world).site()
    english = call(site, "/status", query="lang=en").text
    french = call(site, "/status", query="lang=fr").text
    assert '<time datetime="2022-02-17T16:17:00Z">2022-02-17 21:47 IST</time>' in english
    assert '<time datetime="2022-02-17T16:17:00Z">2022-02-17 à 21\u00a0h\u00a047 (UTC+5:30)</time>' in french
    assert "21:47 IST" not in french  # (the English update it falls back to keeps its own words)


def test_a_database_that_does_not_answer_is_a_503_no_cache_keeps() -> None:
    """A CDN then serves its stale copy (stale-if-error) instead of keeping the error."""
    site = World(Database("postgresql+psycopg://postgres@127.0.0.1:9/nowhere?connect_timeout=2")).site()
    for path in ("/status", "/api/v2/summary.json"):
        answer = call(site, path)
        assert answer.status == "503 Service Unavailable"
        assert answer.headers["Cache-Control"] == "no-store"
        assert answer.text == "the status page is unavailable, try again\n"


def test_the_status_processs_health_check_says_whether_the_database_answers(world: World) -> None:
    """The status process's own /healthz: nothing about Slack, which it never calls."""
    healthy = call(StatusHttp(world.site(), world.db), "/healthz")
    assert (healthy.status, json.loads(healthy.body)) == ("200 OK", {"ok": True})
    down = Database("postgresql+psycopg://postgres@127.0.0.1:9/nowhere?connect_timeout=2")
    sick = call(StatusHttp(World(down).site(), down), "/healthz")
    assert (sick.status, json.loads(sick.body)) == (
        "503 Service Unavailable",
        {"ok": False, "error": "database unreachable"},
    )
    assert sick.headers["Cache-Control"] == "no-store"
    assert call(StatusHttp(world.site(), world.db), "/status").status == "200 OK"


def test_other_paths_and_methods_are_404_and_never_kept(world: World) -> None:
    site = world.site()
    for path, method in (("/status/secret", "GET"), ("/", "GET"), ("/api/v2/components", "GET"),
                         ("/status", "POST"), ("/status/secret/", "GET"), ("/status/", "POST")):  # fmt: skip
        answer = call(site, path, method=method)
        assert (answer.status, answer.headers["Cache-Control"]) == ("404 Not Found", "no-store"), (path, method)
    moved = call(site, "/status/")  # a route written with a trailing slash: where it is
    assert (moved.status, moved.headers["Location"]) == ("301 Moved Permanently", "/status")


def links_in(text: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', text)


def test_without_a_public_address_every_link_is_relative_never_the_host_the_request_named(world: World) -> None:
    """Behind a proxy that terminates TLS the request says http:// and an internal host: links built
    from it (as before) sent readers to http://web-1.internal:8080."""
    site = published(world).site()
    page = call(site, "/status").text
    assert links_in(page) == [
        "status/history.atom?lang=en", "status/history.rss?lang=en",  # <link rel="alternate">
        "status?lang=en", "status?lang=fr",  # languages
        "status/history.atom?lang=en", "status/history.rss?lang=en", "api/v2/summary.json?lang=en",
    ]  # fmt: skip
    atom = feedparser.parse(call(site, "/status/history.atom").body)
    assert [link.href for link in atom.feed.links] == ["../status/history.atom?lang=en", "../status?lang=en"]
    assert re.fullmatch(r"\.\./status\?lang=en#incident-[0-9a-f]{12}", atom.entries[0].link)
    rss = call(site, "/status/history.rss", query="lang=fr").text
    assert "<link>../status?lang=fr</link>" in rss
    summary = json.loads(call(site, "/api/v2/summary.json").body)
    assert summary["page"]["url"] == "../../status"
    assert re.fullmatch(r"\.\./\.\./status#incident-[0-9a-f]{12}", summary["incidents"][0]["shortlink"])
    unresolved = json.loads(call(site, "/api/v2/incidents/unresolved.json").body)
    assert unresolved["page"]["url"] == "../../../status"
    for path in ROUTES:
        body = call(site, path).text
        assert (
            "internal" not in body
            and "10.0.0.7" not in body
            and "http://" not in body.replace("http://www.w3.org/2005/Atom", "")
        ), path


def test_with_INCIDENT_STATUS_URL_feeds_and_json_link_there_and_the_page_stays_relative(world: World) -> None:
    world.status_url = PUBLIC_URL
    site = published(world).site()
    atom = feedparser.parse(call(site, "/status/history.atom", query="lang=fr").body)
    assert [link.href for link in atom.feed.links] == [
        "https://status.chirper.example/status/history.atom?lang=fr",
        "https://status.chirper.example/status?lang=fr",
    ]
    assert atom.entries[0].link.startswith("https://status.chirper.example/status?lang=fr#incident-")
    rss = feedparser.parse(call(site, "/status/history.rss").body)
    assert rss.feed.link == "https://status.chirper.example/status?lang=en"
    for path in ("/api/v2/summary.json", "/api/v2/incidents.json", "/api/v2/incidents/unresolved.json"):
        document = json.loads(call(site, path).body)
        assert document["page"]["url"] == PUBLIC_URL
        assert document["incidents"][0]["shortlink"].startswith(f"{PUBLIC_URL}#incident-")
    assert links_in(call(site, "/status").text)[2:4] == ["status?lang=en", "status?lang=fr"], "relative: works anywhere"


def test_started_at_is_when_impact_began_as_the_first_update_was_published_not_its_publication(
    world: World,
) -> None:
    """Opened at 21:41 IST backdated to 21:35 (16:05 UTC), first published at 21:47 (16:17 UTC): the
    JSON said 16:17, so the window read 1h 54m against a public "almost two hours"."""
    where = world.open(at="21:35")
    world.clock.now = datetime(2022, 2, 17, 21, 47, tzinfo=IST)
    world.publish(where)
    world.clock.now += timedelta(minutes=30)
    world.incidents.set_status(where, actor="U0ALICE", status=Status.IDENTIFIED, message="bad config push")
    world.publish(where)
    (incident,) = json.loads(call(world.site(), "/api/v2/incidents.json").body)["incidents"]
    assert incident["started_at"] == "2022-02-17T16:05:00.000Z"
    assert incident["created_at"] == "2022-02-17T16:17:00.000Z", "listed from its first published update"


def test_an_empty_feed_is_dated_when_a_page_was_first_served_in_every_process_and_after_a_restart(
    world: World,
) -> None:
    """Before: `<updated>1970-01-01T00:00:00Z</updated>`."""
    first_process = world.site()
    atom = feedparser.parse(call(first_process, "/status/history.atom").body)
    assert atom.entries == [] and atom.feed.updated == "2022-02-17T16:11:00Z"
    world.clock.now += timedelta(days=3)
    for site in (first_process, world.site()):  # the same process, another one (or a restart)
        for kind in ("atom", "rss"):
            feed = feedparser.parse(call(site, f"/status/history.{kind}", query="lang=fr").body)
            assert feed.feed.updated_parsed[:5] == (2022, 2, 17, 16, 11), kind
        summary = json.loads(call(site, "/api/v2/summary.json").body)
        assert summary["page"]["updated_at"] == "2022-02-17T16:11:00.000Z"
        assert call(site, "/status").headers["Last-Modified"] == "Thu, 17 Feb 2022 16:11:00 GMT"
    world.publish(world.open())
    atom = feedparser.parse(call(world.site(), "/status/history.atom").body)
    assert atom.feed.updated == "2022-02-20T16:11:00Z", "dated by what was published, once there is something"
