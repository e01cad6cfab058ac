"""Mail subscriptions end to end, in-process: the form on the status page, the confirmation mail
received by a real SMTP server, the link, the button, the updates published afterwards, and
unsubscribing; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from subscriber_world import Mailbox, SmtpServer, SubscriberWorld, html_of, link_in, plain_smtp, secure_smtp, text_of

from bot.domain.incident import Status
from bot.storage.db import Database

ADDRESS = "jane.doe@example.com"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    yield from plain_smtp()


@pytest.fixture
def world(any_db: Database, smtp: SmtpServer) -> SubscriberWorld:
    return SubscriberWorld(any_db, smtp=smtp)


def test_the_page_offers_the_form_only_when_subscriptions_are_enabled(any_db: Database, smtp: SmtpServer) -> None:
    enabled = SubscriberWorld(any_db, smtp=smtp).site()
    disabled = SubscriberWorld(any_db, smtp=None)
    from site_world import call

    page = call(enabled, "/status").text
    assert '<form method="post" action="status/subscribe?lang=en">' in page
    assert 'name="email" type="email"' in page and "<script" not in page
    assert "<form" not in call(disabled.site(), "/status").text
    assert call(disabled.site(), "/status/subscribe", method="POST").status == "404 Not Found"


def test_double_opt_in_then_every_published_update_arrives_once(world: SubscriberWorld, smtp: SmtpServer) -> None:
    mailbox = smtp.mailbox
    answer = world.subscribe(ADDRESS)
    assert answer.status == "200 OK" and "Check your inbox" in answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    world.deliver()
    [confirmation] = mailbox.to(ADDRESS)
    assert confirmation["Subject"] == "Confirm your Chirper status updates"
    assert confirmation["List-Unsubscribe"] is None  # not subscribed yet: nothing to unsubscribe from

    incident = world.open("db-7 primary is down")
    world.publish(incident, text="Some of you cannot load the home page. We are on it.")
    world.deliver()
    assert len(mailbox.to(ADDRESS)) == 1, "an unconfirmed address gets nothing but its confirmation"

    link = link_in(confirmation, "/status/confirm")
    opened = world.open_link(link)  # what a mail scanner does: it must not confirm
    assert opened.status == "200 OK" and "Confirm my subscription" in opened.text
    assert 'action="../status/confirm?lang=en&amp;t=' in opened.text
    world.publish(incident, text="Still on it.")
    world.deliver()
    assert len(mailbox.to(ADDRESS)) == 1, "opening the link confirmed nothing"

    confirmed = world.open_link(link, method="POST")
    assert confirmed.status == "200 OK" and "You are subscribed" in confirmed.text
    world.publish(incident, text="The home page loads again for everyone.")
    world.deliver()
    world.deliver()  # a second round sends nothing again
    [_, update] = mailbox.to(ADDRESS)
    assert update.get_content_type() == "multipart/alternative"
    assert "The home page loads again for everyone." in text_of(update)
    assert "The home page loads again for everyone." in html_of(update)
    assert update["Subject"].startswith("[Chirper] ")
    assert update["List-Id"] == "Chirper <updates.status.chirper.example>"
    assert update["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = link_in(update, "/status/unsubscribe")
    assert (
        f"<{unsubscribe}>" in update["List-Unsubscribe"]
        and "<mailto:status@chirper.example?subject=" in update["List-Unsubscribe"]
    )
    assert update["Message-ID"].endswith("@chirper.example>") and update["References"]

    # RFC 8058: the mail reader POSTs List-Unsubscribe=One-Click to the link; 200, no redirect.
    gone = world.open_link(unsubscribe, method="POST", body=b"List-Unsubscribe=One-Click")
    assert gone.status == "200 OK" and "You are unsubscribed" in gone.text
    world.publish(incident, text="Resolved.")
    world.deliver()
    assert len(mailbox.to(ADDRESS)) == 2, "nothing after unsubscribing"


def test_a_used_or_expired_confirmation_link_confirms_nothing(world: SubscriberWorld, smtp: SmtpServer) -> None:
    world.subscribe(ADDRESS)
    world.deliver()
    link = link_in(smtp.mailbox.to(ADDRESS)[0], "/status/confirm")
    assert world.open_link(link, method="POST").status == "200 OK"
    reused = world.open_link(link, method="POST")
    assert reused.status == "400 Bad Request" and "already used" in reused.text

    other = "john@example.org"
    world.subscribe(other)
    world.deliver()
    late = link_in(smtp.mailbox.to(other)[0], "/status/confirm")
    world.clock.now += timedelta(hours=24, seconds=1)
    for method in ("GET", "POST"):
        expired = world.open_link(late, method=method)
        assert expired.status == "400 Bad Request" and "expired" in expired.text
    forged = world.open_link(late.replace("t=", "t=9"), method="POST")
    assert forged.status == "400 Bad Request"
    incident = world.open()
    world.publish(incident, text="We are looking into it.")
    world.deliver()
    assert len(smtp.mailbox.to(other)) == 1, "never confirmed: no update"
    assert len(smtp.mailbox.to(ADDRESS)) == 2


def test_the_answer_is_the_same_whether_the_address_is_new_pending_or_subscribed(
    world: SubscriberWorld, smtp: SmtpServer
) -> None:
    new = world.subscribe("new@example.com", client="198.51.100.1")
    world.confirmed(ADDRESS, smtp.mailbox)
    world.subscribe("pending@example.com", client="198.51.100.2")
    pending = world.subscribe("pending@example.com", client="198.51.100.3")
    subscribed = world.subscribe(ADDRESS, client="198.51.100.4")
    assert new.status == pending.status == subscribed.status == "200 OK"
    assert new.body == pending.body == subscribed.body
    world.deliver()
    assert len(smtp.mailbox.to(ADDRESS)) == 1, "a subscribed address is sent no second confirmation"


def test_unsubscribing_by_the_pages_button_after_a_link_opened_by_a_scanner(
    world: SubscriberWorld, smtp: SmtpServer
) -> None:
    world.confirmed(ADDRESS, smtp.mailbox)
    incident = world.open()
    world.publish(incident, text="We are looking into it.")
    world.deliver()
    link = link_in(smtp.mailbox.to(ADDRESS)[-1], "/status/unsubscribe")
    page = world.open_link(link)
    assert page.status == "200 OK" and "Unsubscribe" in page.text and "No login needed" in page.text
    world.publish(incident, text="Found it.")
    world.deliver()
    assert len(smtp.mailbox.to(ADDRESS)) == 3, "opening the link unsubscribed nobody"
    assert world.open_link(link, method="POST").status == "200 OK"
    assert world.open_link(link, method="POST").status == "200 OK", "twice is fine"
    world.publish(incident, text="Fixed.")
    world.deliver()
    assert len(smtp.mailbox.to(ADDRESS)) == 3


def test_mail_goes_through_starttls_and_auth_over_one_connection(any_db: Database, tmp_path: Path) -> None:
    for server in secure_smtp(tmp_path):
        world = SubscriberWorld(any_db, smtp=server)
        for n in range(3):
            world.confirmed(f"reader{n}@example.com", server.mailbox)
        incident = world.open()
        world.publish(incident, text="We are looking into it.")
        lane = world.lane()
        try:
            lane.drain()
            assert lane.sender.mailer is not None and lane.sender.mailer.connections == 1
        finally:
            lane.stop()
        assert len(server.mailbox.messages) == 6
        assert all(tls and authenticated for _, _, tls, authenticated in server.mailbox.envelopes)


def test_mail_server_down_then_back_loses_nothing_and_sends_nothing_twice(
    world: SubscriberWorld, smtp: SmtpServer
) -> None:
    readers = [f"reader{n}@example.com" for n in range(3)]
    for reader in readers:
        world.confirmed(reader, smtp.mailbox)
    incident = world.open()
    smtp.stop()
    world.publish(incident, text="We are looking into it.")
    world.deliver()  # nobody answers: every mail waits
    world.clock.now += timedelta(minutes=10)
    smtp.start()
    world.deliver()
    world.clock.now += timedelta(minutes=10)
    world.deliver()
    for reader in readers:
        assert [text_of(m).count("We are looking into it.") for m in smtp.mailbox.to(reader)] == [0, 1]


def mailbox_of(server: SmtpServer) -> Mailbox:
    return server.mailbox


def test_each_reader_gets_their_language_and_waits_for_it_a_while(world: SubscriberWorld, smtp: SmtpServer) -> None:
    world.confirmed("anglais@example.com", smtp.mailbox)
    assert world.post("/status/subscribe", {"email": "francais@example.fr", "language": "fr"}).status == "200 OK"
    world.deliver()
    [confirmation] = smtp.mailbox.to("francais@example.fr")
    assert confirmation["Subject"] == "Confirmez les mises à jour de l'état de Chirper"
    assert world.open_link(link_in(confirmation, "/status/confirm"), method="POST").status == "200 OK"

    incident = world.open()
    world.clock.now += timedelta(minutes=1)
    drafted = world.drafts.draft(incident, actor="U0ALICE", language=None, length="long")  # en and fr, together
    english, french = drafted.drafts
    world.drafts.publish(english.id, actor="U0ALICE")
    world.deliver()
    assert len(smtp.mailbox.to("anglais@example.com")) == 2
    assert len(smtp.mailbox.to("francais@example.fr")) == 1, "the French text is drafted: wait for it"
    world.clock.now += timedelta(minutes=2)
    world.drafts.publish(french.id, actor="U0ALICE")
    world.deliver()
    [_, in_french] = smtp.mailbox.to("francais@example.fr")
    assert french.text.split()[0] in text_of(in_french) and in_french["Content-Language"] == "fr"

    world.clock.now += timedelta(minutes=1)
    drafted = world.drafts.draft(incident, actor="U0ALICE", language=None, length="long")
    world.drafts.publish(drafted.drafts[0].id, actor="U0ALICE")  # English only, this time
    world.deliver()
    assert len(smtp.mailbox.to("francais@example.fr")) == 2, "still waiting for French"
    world.clock.now += timedelta(minutes=5)
    world.deliver()
    [*_, fallback] = smtp.mailbox.to("francais@example.fr")
    assert "Cette mise à jour a été publiée en anglais." in text_of(fallback)
    world.drafts.publish(drafted.drafts[1].id, actor="U0ALICE")  # French, too late: already told
    world.deliver()
    assert len(smtp.mailbox.to("francais@example.fr")) == 3
    assert len(smtp.mailbox.to("anglais@example.com")) == 3


def test_a_reader_waits_for_their_language_only_while_its_draft_can_still_be_published(
    world: SubscriberWorld, smtp: SmtpServer
) -> None:
    """The French drafts of an update go stale (the status moved on) or are discarded: French
    readers get the published English text at once, not 5 minutes after it (they waited for drafts
    nobody could publish any more)."""
    world.confirmed("anglais@example.com", smtp.mailbox)
    world.post("/status/subscribe", {"email": "francais@example.fr", "language": "fr"})
    world.deliver()
    world.open_link(link_in(smtp.mailbox.to("francais@example.fr")[0], "/status/confirm"), method="POST")
    incident = world.open()

    world.clock.now += timedelta(minutes=1)
    english, _ = world.drafts.draft(incident, actor="U0ALICE", language=None, length="long").drafts
    world.drafts.publish(english.id, actor="U0ALICE")
    world.deliver()
    assert len(smtp.mailbox.to("francais@example.fr")) == 1, "the French text is drafted: wait for it"
    world.clock.now += timedelta(seconds=2)
    world.incidents.set_status(incident, actor="U0ALICE", status=Status.IDENTIFIED, message="Found it")
    world.deliver()
    [_, fallback] = smtp.mailbox.to("francais@example.fr")
    assert "Cette mise à jour a été publiée en anglais." in text_of(fallback)

    world.clock.now += timedelta(minutes=1)
    english, french = world.drafts.draft(incident, actor="U0ALICE", language=None, length="long").drafts
    world.drafts.publish(english.id, actor="U0ALICE")
    world.deliver()
    assert len(smtp.mailbox.to("francais@example.fr")) == 2, "waiting for French again"
    world.drafts.discard(french.id, actor="U0ALICE")
    world.deliver()
    assert len(smtp.mailbox.to("francais@example.fr")) == 3, "discarded: no French text will come"
    assert len(smtp.mailbox.to("anglais@example.com")) == 3


def test_a_correction_reaches_those_who_were_sent_the_text_marked_as_such(
    world: SubscriberWorld, smtp: SmtpServer
) -> None:
    world.confirmed(ADDRESS, smtp.mailbox)
    incident = world.open()
    world.clock.now += timedelta(minutes=1)
    drafted = world.drafts.draft(incident, actor="U0ALICE", language="en", length="long")
    world.drafts.edit(drafted.drafts[0].id, actor="U0ALICE", text="Checkout fails for some of you.")
    world.drafts.publish(drafted.drafts[0].id, actor="U0ALICE")
    world.deliver()
    world.confirmed("late@example.com", smtp.mailbox)  # subscribed after the update went out
    world.clock.now += timedelta(minutes=1)
    world.drafts.correct(drafted.drafts[0].id, actor="U0ALICE", text="Login fails for some of you.")
    world.deliver()
    [_, original, correction] = smtp.mailbox.to(ADDRESS)
    assert "Checkout fails" in text_of(original)
    assert correction["Subject"].startswith("[Chirper] Correction: ")
    assert "We corrected the update we sent earlier" in text_of(correction)
    assert "Login fails for some of you." in text_of(correction)
    assert correction["Message-ID"] != original["Message-ID"]
    assert len(smtp.mailbox.to("late@example.com")) == 1, "never sent the text: no correction"


def test_the_html_part_escapes_what_responders_wrote(world: SubscriberWorld, smtp: SmtpServer) -> None:
    world.confirmed(ADDRESS, smtp.mailbox)
    incident = world.open()
    world.incidents.set_public_title(incident, actor="U0ALICE", text="<b>Login</b> & <script>x()</script>")
    world.publish(incident, text="<img src=x onerror=alert(1)> is not markup here.")
    world.deliver()
    update = smtp.mailbox.to(ADDRESS)[-1]
    html = html_of(update)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt; is not markup here." in html
    assert "&lt;b&gt;Login&lt;/b&gt; &amp; &lt;script&gt;" in html
    assert "<img src=x onerror=alert(1)> is not markup here." in text_of(update)


CATALOG = """
[[component]]
id = "home"
name = { en = "Home page", fr = "Page d'accueil" }

[[component]]
id = "api"
name = { en = "API" }

[[component]]
id = "billing-db"
name = { en = "Billing database" }
public = false
"""


def test_readers_following_components_hear_only_of_incidents_affecting_them(any_db: Database, smtp: SmtpServer) -> None:
    from dataclasses import replace

    from site_world import call

    from bot.domain.catalog import ComponentState, read_catalog
    from bot.service import IncidentService

    class CatalogWorld(SubscriberWorld):
        @property
        def settings(self):  # type: ignore[no-untyped-def]
            return replace(super().settings, catalog=read_catalog(CATALOG))

        @property
        def incidents(self) -> IncidentService:
            return IncidentService(self.db, zone=self.settings.zone, clock=self.clock, catalog=self.settings.catalog)

    world = CatalogWorld(any_db, smtp=smtp)
    page = call(world.site(), "/status", query="lang=fr").text
    assert 'name="component" value="home"> <label for="component-home">Page d&#39;accueil</label>' in page
    assert 'value="api"' in page and "billing-db" not in page, "a private component is never offered"
    refused = world.post("/status/subscribe", {"email": ADDRESS, "language": "en", "component": "billing-db"})
    assert refused.status == "400 Bad Request"

    assert world.post("/status/subscribe", {"email": ADDRESS, "language": "en", "component": "home"}).status == "200 OK"
    world.deliver()
    world.open_link(link_in(smtp.mailbox.to(ADDRESS)[0], "/status/confirm"), method="POST")
    world.confirmed("everything@example.com", smtp.mailbox)

    api = world.open("API errors")
    world.incidents.affect(api, actor="U0ALICE", component="api", state=ComponentState.PARTIAL)
    world.publish(api, text="Some API calls fail.")
    unnamed = world.open("Something odd")
    world.publish(unnamed, text="We are looking into something odd.")
    home = world.open("Home page down")
    world.incidents.affect(home, actor="U0ALICE", component="home", state=ComponentState.MAJOR)
    world.publish(home, text="The home page does not load.")
    world.deliver()
    assert [text_of(m).count("> ") > 0 for m in smtp.mailbox.to(ADDRESS)] == [False, True]
    assert "The home page does not load." in text_of(smtp.mailbox.to(ADDRESS)[-1])
    assert len(smtp.mailbox.to("everything@example.com")) == 4, "no components chosen: every update"


def test_an_address_the_server_refuses_for_good_bounces_and_is_never_logged_whole(
    world: SubscriberWorld, smtp: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    world.confirmed(ADDRESS, smtp.mailbox)
    world.confirmed("other@example.org", smtp.mailbox)
    smtp.mailbox.refuse[ADDRESS] = f"550 5.1.1 <{ADDRESS}>: Recipient address rejected: no such user"
    incident = world.open()
    world.publish(incident, text="We are looking into it.")
    world.deliver()
    world.clock.now += timedelta(minutes=10)
    world.publish(incident, text="Found it.")
    world.deliver()
    assert len(smtp.mailbox.to(ADDRESS)) == 1, "its confirmation only: the updates bounced"
    assert len(smtp.mailbox.to("other@example.org")) == 3, "one address bouncing holds back no other"
    counts = world.subscriptions.counts()
    from bot.domain.subscribers import Medium, SubscriberState

    assert counts.of(Medium.MAIL, SubscriberState.BOUNCED) == 1
    logged = "\n".join(record.getMessage() for record in caplog.records if record.name.startswith("bot"))
    assert ADDRESS not in logged and "other@example.org" not in logged
    assert "ja***@ex***.com" in logged
    with world.db.read() as session:
        from sqlalchemy import text

        errors = [row[0] or "" for row in session.execute(text("SELECT last_error FROM delivery"))]
    assert not any(ADDRESS in error for error in errors) and any("550 5.1.1" in error for error in errors)


def test_the_static_export_carries_no_form_it_could_not_answer(world: SubscriberWorld, tmp_path: Path) -> None:
    from bot.status_page.export import export_site

    exported = export_site(world.db, world.settings, tmp_path / "public", clock=world.clock)
    pages = [path.read_text() for path in (tmp_path / "public").glob("index*.html")]
    assert len(pages) == 2 and exported.home == "index.html"
    assert all("<form" not in page and "subscribe" not in page for page in pages)
