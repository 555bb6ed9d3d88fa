"""Channels on their own: the email message, .eml, mailto:, the letter (text, PDF) and the web form."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from exposure.core.errors import ValidationError
from exposure.rights.channels import Outgoing, check_outgoing, letter, mailto, message, webform
from tests.requests.pdftext import pdf_text

WHEN = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

OUT = Outgoing(
    request_id=7,
    kind="request",
    subject="Antrag auf Löschung meiner Daten (Art. 17 DSGVO)",
    body="Sehr geehrte Damen und Herren,\n\nbitte löschen Sie alle Daten über mich.\n.\n"
    "Eine Zeile, die mit einem Punkt beginnt:\n.punkt\n\nMit freundlichen Grüßen\nJörg Müller\n",
    language="de",
    to="datenschutz@shop.example",
    to_name="Shop Test GmbH",
    from_addr="joerg@example.de",
    from_name="Jörg Müller",
    postal_to="Hauptstraße 1\n10115 Berlin",
    url="https://shop.example/datenschutz",
    fields=(("Name", "Jörg Müller"), ("E-Mail", "joerg@example.de")),
    steps=("Formular öffnen",),
)


def parse(data: bytes) -> message.EmailMessage:
    return message_from_bytes(data, policy=policy.default)  # type: ignore[return-value]


def body_of(msg: message.EmailMessage) -> str:
    return str(msg.get_content()).replace("\r\n", "\n")


def test_message_is_well_formed_and_parses_back() -> None:
    mid = message.new_message_id(OUT.from_addr or "")
    data = message.message_bytes(message.build_message(OUT, message_id=mid, date=WHEN))
    assert data.isascii(), "7-bit clean on the wire"
    assert b"\n" not in data.replace(b"\r\n", b""), "CRLF line ends only"
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    assert b"=?utf-8?" in data.split(b"\r\n\r\n", 1)[0], "non-ASCII header words are RFC 2047 encoded"
    msg = parse(data)
    assert msg["From"].addresses[0].display_name == "Jörg Müller"
    assert msg["From"].addresses[0].addr_spec == "joerg@example.de"
    assert msg["To"].addresses[0].addr_spec == "datenschutz@shop.example"
    assert msg["Subject"] == OUT.subject
    assert parsedate_to_datetime(msg["Date"]) == WHEN
    assert msg["Message-ID"] == mid and re.fullmatch(r"<exposure\.[0-9a-f]{24}@example\.de>", mid)
    assert msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8"
    assert body_of(msg) == OUT.body
    assert msg["Content-Language"] == "de"


def test_ascii_body_stays_7bit() -> None:
    out = dataclasses.replace(
        OUT, subject="Erasure request", body="Hello,\nplease erase my data.\n", from_name="Ada"
    )
    msg = parse(message.message_bytes(message.build_message(out, message_id="<a@b.example>", date=WHEN)))
    assert msg["Content-Transfer-Encoding"] == "7bit"
    assert body_of(msg) == out.body


def test_message_ids_are_unique() -> None:
    assert len({message.new_message_id("a@example.com") for _ in range(200)}) == 200


@pytest.mark.parametrize(
    "field,value",
    [
        ("subject", "Hello\r\nBcc: victim@example.com"),
        ("subject", "Hello\nBcc: victim@example.com"),
        ("to", "privacy@shop.example\r\nBcc: victim@example.com"),
        ("from_name", "Ada\rBcc: victim@example.com"),
        ("to_name", "Shop\u2028Bcc: x@example.com"),
        ("in_reply_to", "<a@b>\r\nBcc: x@example.com"),
        ("from_addr", "ada@example.com\nBcc: x@example.com"),
    ],
)
def test_header_injection_is_refused_before_any_channel(field: str, value: str) -> None:
    out = dataclasses.replace(OUT, **{field: value})
    with pytest.raises(ValidationError, match="line break or control character"):
        check_outgoing(out)
    for make in (
        lambda: message.build_message(out, message_id="<a@b.example>", date=WHEN),
        lambda: message.eml_bytes(out, message_id="<a@b.example>", date=WHEN),
        lambda: mailto.mailto_url(out),
        lambda: letter.letter_text(out, WHEN.date()),
        lambda: letter.letter_pdf(out, WHEN.date()),
        lambda: webform.checklist(out),
    ):
        with pytest.raises(ValidationError):
            make()


def test_bad_message_id_is_refused() -> None:
    with pytest.raises(ValidationError):
        message.build_message(OUT, message_id="<a@b>\r\nBcc: x@y.example", date=WHEN)


@pytest.mark.parametrize("where", ["subject", "body", "field"])
def test_unfilled_placeholder_is_never_exported(where: str) -> None:
    if where == "field":
        out = dataclasses.replace(OUT, fields=(("Name", "{user_name}"),))
    else:
        out = dataclasses.replace(OUT, **{where: getattr(OUT, where) + " {org_name}"})
    makers = [
        lambda: message.build_message(out, message_id="<a@b.example>", date=WHEN),
        lambda: message.eml_bytes(out, message_id="<a@b.example>", date=WHEN),
        lambda: mailto.mailto_url(out),
        lambda: letter.letter_text(out, WHEN.date()),
        lambda: letter.letter_pdf(out, WHEN.date()),
        lambda: webform.checklist_text(out),
    ]
    for make in makers:
        with pytest.raises(ValidationError, match="unfilled placeholders"):
            make()


def test_eml_export_opens_as_a_draft() -> None:
    data = message.eml_bytes(OUT, message_id="<x.1@example.de>", date=WHEN)
    msg = parse(data)
    assert msg["X-Unsent"] == "1"
    assert msg["Message-ID"] == "<x.1@example.de>"
    assert body_of(msg) == OUT.body


def test_follow_up_threads_under_the_original() -> None:
    out = dataclasses.replace(OUT, kind="follow_up", in_reply_to="<orig.1@example.de>")
    msg = parse(message.message_bytes(message.build_message(out, message_id="<f.2@example.de>", date=WHEN)))
    assert msg["In-Reply-To"] == "<orig.1@example.de>" and msg["References"] == "<orig.1@example.de>"


def test_mailto_link_round_trips() -> None:
    url = mailto.mailto_url(OUT)
    parts = urlsplit(url)
    assert parts.scheme == "mailto" and unquote(parts.path) == "datenschutz@shop.example"
    query = parse_qs(parts.query)
    assert query["subject"] == [OUT.subject]
    assert query["body"] == [OUT.body.replace("\n", "\r\n")]
    assert "\n" not in url and " " not in url
    assert not mailto.is_too_long(url)
    assert mailto.is_too_long(mailto.mailto_url(dataclasses.replace(OUT, body="x" * 3000)))


def test_mailto_needs_an_address() -> None:
    with pytest.raises(ValidationError, match="no email address"):
        mailto.mailto_url(dataclasses.replace(OUT, to=None))


def test_letter_text_has_every_part_in_the_letters_language() -> None:
    text = letter.letter_text(OUT, date(2026, 3, 2))
    assert text.startswith("Jörg Müller\njoerg@example.de\n\nShop Test GmbH\nHauptstraße 1\n10115 Berlin\n")
    assert "2. März 2026" in text
    assert "Betreff: Antrag auf Löschung" in text
    assert OUT.body.strip() in text


@pytest.mark.parametrize(
    "language,expected",
    [("en", "2 March 2026"), ("de", "2. März 2026"), ("fr", "2 mars 2026"), ("es", "2 de marzo de 2026")],
)
def test_letter_dates(language: str, expected: str) -> None:
    assert letter.format_date(date(2026, 3, 2), language) == expected


def test_letter_pdf_with_a_unicode_font() -> None:
    font = letter.pdf_font()
    if not font.unicode:
        pytest.skip("no Unicode TTF font on this system (fonts-dejavu-core)")
    data = letter.letter_pdf(OUT, date(2026, 3, 2), created=WHEN)
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert len(data) > 2000
    text = pdf_text(data)
    assert "Betreff: Antrag auf Löschung meiner Daten (Art. 17 DSGVO)" in text
    assert "Hauptstraße 1" in text and "2. März 2026" in text
    assert "Mit freundlichen Grüßen" in text and "Jörg Müller" in text


def test_letter_pdf_without_a_unicode_font_transliterates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(letter, "pdf_font", lambda: letter.PdfFont("Helvetica", None, None))
    out = dataclasses.replace(OUT, body="„Zitat“ – 5 € – œuvre – Łódź – 日本\n")
    data = letter.letter_pdf(out, date(2026, 3, 2))
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert '"Zitat" - 5 EUR - oeuvre - Lódz - ??' in text
    assert "Hauptstraße 1" in text, "Latin-1 letters print as they are"


def test_transliterate() -> None:
    assert letter.transliterate("Ça coûte 5 € — “ok”") == 'Ça coûte 5 EUR - "ok"'
    assert letter.transliterate("Łukasz Żółć") == "Lukasz Zólc"  # ó is Latin-1: kept


def test_web_form_checklist() -> None:
    data = webform.checklist(OUT)
    assert data["url"] == "https://shop.example/datenschutz"
    labels = [f["label"] for f in data["fields"]]
    assert labels == ["Name", "E-Mail", "Betreff", "Nachricht"]
    assert data["fields"][-1]["value"] == OUT.body.strip()
    assert data["steps"] == ["Formular öffnen"]
    text = webform.checklist_text(OUT)
    assert "1. Öffnen: https://shop.example/datenschutz" in text
    assert "   - Name: Jörg Müller" in text
    assert "exposure request mark 7 sent" in text


def test_web_form_needs_a_url() -> None:
    with pytest.raises(ValidationError, match="no web form"):
        webform.checklist(dataclasses.replace(OUT, url=None))


def test_field_labels_fall_back_to_english() -> None:
    assert webform.field_label("email", "de") == "E-Mail"
    assert webform.field_label("email", "xx") == "Email"
    assert webform.field_label("something_else", "en") == "Something else"
