"""Mails rendered from one description (bot/render/mail.py) as the message sent (bot/render/mime.py):
both parts say the same, the HTML escapes everything, no header can be added through a value."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest

from bot.domain.incident import Status
from bot.domain.language import load_language
from bot.render.mail import Published, as_html, as_text, confirmation, update
from bot.render.mime import Envelope, HeaderInjection, message

NOW = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)
ENVELOPE = Envelope(
    sender="Chirper status <status@chirper.example>",
    to="jane@example.com",
    message_id="<update.7@chirper.example>",
    date=NOW,
    list_id="Chirper <updates.status.chirper.example>",
    unsubscribe_url="https://status.chirper.example/status/unsubscribe?lang=fr&t=7.n.0.sig",
    unsubscribe_mailto="mailto:status@chirper.example?subject=unsubscribe%207.n.0.sig",
    references=("<incident.3@chirper.example>",),
)


def letter(title: str = "Paiement impossible", text: str = "Nous enquêtons.\nÀ suivre.") -> object:
    said = Published(title=title, status=Status.INVESTIGATING, text=text, language="fr", published_at=NOW)
    return update(
        load_language("fr"),
        said,
        public_name="Chirper",
        zone=ZoneInfo("Europe/Paris"),
        page_url="https://status.chirper.example/status?lang=fr",
        unsubscribe_url=ENVELOPE.unsubscribe_url or "",
    )


def parsed(raw: bytes) -> EmailMessage:
    found = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(found, EmailMessage)
    return found


def test_one_letter_makes_both_parts_and_every_list_header() -> None:
    mail = parsed(message(letter(), ENVELOPE))  # type: ignore[arg-type]
    assert mail.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in mail.iter_parts()] == ["text/plain", "text/html"]
    plain, html = (str(part.get_content()) for part in mail.iter_parts())
    for said in ("Nous enquêtons.", "À suivre.", "Se désabonner en un clic, sans connexion"):
        assert said in plain and said in html
    assert mail["Subject"] == "[Chirper] Paiement impossible\u00a0: Analyse en cours"
    assert mail["Message-ID"] == "<update.7@chirper.example>" and mail["In-Reply-To"] == "<incident.3@chirper.example>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["List-Unsubscribe"] == f"<{ENVELOPE.unsubscribe_url}>, <{ENVELOPE.unsubscribe_mailto}>"
    assert mail["Content-Language"] == "fr" and mail["Auto-Submitted"] == "auto-generated"
    assert b"\r\n" in message(letter(), ENVELOPE)  # type: ignore[arg-type]


def test_a_french_mail_writes_when_it_was_published_as_french_does() -> None:
    posted = "Publiée le 2022-02-17 à 17\u00a0h\u00a011 (UTC+1)."  # 16:11 UTC in Paris, winter
    assert posted in as_text(letter()) and posted in as_html(letter())  # type: ignore[arg-type]


def test_a_french_mail_puts_a_no_break_space_before_each_colon_and_an_english_one_none() -> None:
    text = as_text(letter())  # type: ignore[arg-type]
    assert text.startswith("Paiement impossible\u00a0: Analyse en cours\n")
    assert "Voir la page d'état\u00a0:\nhttps://status.chirper.example/status?lang=fr" in text
    assert "\nSe désabonner en un clic, sans connexion\u00a0: https://" in text
    said = Published(
        title="Checkout fails", status=Status.INVESTIGATING, text="On it.", language="en", published_at=NOW
    )
    english = as_text(
        update(
            load_language("en"),
            said,
            public_name="Chirper",
            zone=UTC,
            page_url="https://s.example",
            unsubscribe_url="https://u.example",
        )
    )
    assert (
        english.startswith("Checkout fails: Investigating\n") and "See the status page:\nhttps://s.example" in english
    )


def test_the_french_confirmation_mail_is_written_in_french() -> None:
    letter = confirmation(load_language("fr"), public_name="Chirper", confirm_url="https://s.example/confirm")
    assert as_text(letter).startswith("Confirmez votre abonnement")
    assert (
        "Quelqu'un, sans doute vous, a demandé à recevoir les mises à jour de l'état de Chirper à cette adresse."
        in " ".join(as_text(letter).split())
    )
    assert "Confirmer l'abonnement\u00a0:\nhttps://s.example/confirm" in as_text(letter)


def test_the_html_part_escapes_everything_it_is_given() -> None:
    shown = letter(title='<a href="x">t</a>', text="<script>alert(1)</script> & co")
    html = as_html(shown)  # type: ignore[arg-type]
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "&lt;a href=&quot;x&quot;&gt;t&lt;/a&gt;" in html
    assert "<script>alert(1)</script> & co" in as_text(shown)  # type: ignore[arg-type]


def test_a_title_with_line_breaks_is_one_subject_line() -> None:
    mail = parsed(message(letter(title="Paiement\r\nBcc: everyone@example.com"), ENVELOPE))  # type: ignore[arg-type]
    assert mail["Bcc"] is None and "Bcc: everyone@example.com" in mail["Subject"]


@pytest.mark.parametrize("field", ["to", "sender", "message_id", "list_id", "unsubscribe_url"])
def test_no_value_can_add_a_header(field: str) -> None:
    from dataclasses import replace

    bad = replace(ENVELOPE, **{field: "jane@example.com\r\nBcc: everyone@example.com"})
    with pytest.raises(HeaderInjection):
        message(letter(), bad)  # type: ignore[arg-type]
