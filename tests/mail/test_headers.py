"""Header fields: unfolding, RFC 2047, addresses, dates, labels, broken encodings."""

from __future__ import annotations

import email.utils

import pytest

from exposure.sources.mail.headers import (
    DateParser,
    address_of,
    addresses_of,
    decode_words,
    parse_date,
    parse_header,
    split_address,
    split_labels,
    to_text,
)


def test_parse_header_reads_the_fields() -> None:
    block = (
        b'\nReceived: from x\n\tby y\nFrom: "Shop, Inc." <News@Mail.Shop.CO.UK.>\n'
        b'To: alice@example.net, "Bob" <bob@example.org>\nCc: carol@example.com\n'
        b"Subject: =?UTF-8?B?w5xiZXIgdW5z?=\n =?UTF-8?Q?_=E2=80=93_Angebote?=\n"
        b"Date: Thu, 02 Nov 2023 18:05:00 +0100\nMessage-ID: <a@b>\n"
        b"List-Unsubscribe: <mailto:u@shop.co.uk>\nList-Id: Shop news <news.shop.co.uk>\n"
        b"Precedence: Bulk\nDelivered-To: alice@example.net\n"
        b'X-Gmail-Labels: Inbox,"Shopping, UK",Category Promotions'
    )
    head = parse_header(block, want_recipients=True)
    assert head.from_addr == "news@mail.shop.co.uk"
    assert head.from_host == "mail.shop.co.uk"
    assert head.subject == "Über uns – Angebote"
    assert head.date == 1698944700
    assert head.message_id == "<a@b>"
    assert head.list_unsubscribe and head.list_id == "Shop news <news.shop.co.uk>"
    assert head.precedence == "bulk"
    assert head.delivered_to == "alice@example.net"
    assert head.labels == ("Inbox", "Shopping, UK", "Category Promotions")
    assert head.to == ("alice@example.net", "bob@example.org", "carol@example.com")


def test_folded_from_and_odd_spellings() -> None:
    block = b"\nFROM: Some Long Company Name\n\t<billing@acme.example>\nsubject : Your invoice\r\nDATE: 2 Nov 2023 18:05 GMT\r"
    head = parse_header(block)
    assert head.from_addr == "billing@acme.example"
    assert head.subject == "Your invoice"
    assert head.date == 1698948300


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"a@b.example", b"a@b.example"),
        (b"<a@b.example>", b"a@b.example"),
        (b"Name <a@b.example>", b"a@b.example"),
        (b'"Weird <x> name" <a@b.example>', b"a@b.example"),
        (b"a@b.example (Comment Name)", b"a@b.example"),
        (b"=?UTF-8?Q?Caf=C3=A9?= <a@b.example>", b"a@b.example"),
        (b"undisclosed-recipients:;", None),
        (b"<>", None),
        (b"", None),
    ],
)
def test_address_of(value: bytes, expected: bytes | None) -> None:
    assert address_of(value) == expected


def test_split_address_idna_and_bad_hosts() -> None:
    assert split_address("a@bücher.example".encode()) == ("a@xn--bcher-kva.example", "xn--bcher-kva.example")
    assert split_address(b"a@localhost") is None
    assert split_address(b"@nohost.example") is None
    assert split_address(b"A@Example.COM.") == ("a@example.com", "example.com")


def test_addresses_of_lists() -> None:
    value = b'"Doe, John" <john@a.example>, jane@b.example,  , <c@c.example>'
    assert addresses_of(value) == ["john@a.example", "jane@b.example", "c@c.example"]


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("=?utf-8?b?SGVsbG8=?=", "Hello"),
        ("=?ISO-8859-1?Q?Gr=FC=DFe?= aus =?utf-8?q?K=C3=B6ln?=", "Grüße aus Köln"),
        ("=?utf-8?q?a?=  =?utf-8?q?b?=", "ab"),  # whitespace between encoded words is dropped
        ("=?x-unknown?q?caf=C3=A9?=", "café"),  # unknown charset: read as UTF-8
        ("=?utf-8?b?!!!notbase64?=", "=?utf-8?b?!!!notbase64?="),  # broken: left as it is
        ("plain text", "plain text"),
    ],
)
def test_rfc2047(raw: str, text: str) -> None:
    assert decode_words(raw) == text


def test_broken_encodings_never_raise() -> None:
    assert to_text(b"Caf\xe9 cr\xe8me") == "Café crème"  # raw Latin-1 header
    assert to_text("Straße".encode()) == "Straße"  # raw UTF-8 header
    assert to_text(b"=?utf-8?q?bad=FF=FE?=") == "bad\ufffd\ufffd"
    head = parse_header(b"\nFrom: \xff\xfe <a@b.example>\nSubject: \x00\xff\x80")
    assert head.from_addr == "a@b.example"


@pytest.mark.parametrize(
    "value",
    [
        "Thu, 02 Nov 2023 18:05:00 +0000",
        "02 Nov 2023 18:05:00 -0500",
        "Thu, 2 Nov 2023 08:05:00 +0530 (IST)",
        "Thu, 02 Nov 2023 18:05:00 GMT",
        "Thu, 02 Nov 2023 18:05 +0100",
        "Thu, 02 Nov 23 18:05:00 +0000",
        "Thu, 02 Nov 2023 18:05:00 EST",
    ],
)
def test_dates_agree_with_the_standard_library(value: str) -> None:
    expected = int(email.utils.parsedate_to_datetime(value).timestamp())
    assert parse_date(value.encode()) == expected
    assert DateParser()(value.encode()) == expected


@pytest.mark.parametrize(
    "value", [b"", b"yesterday", b"Thu, 99 Foo 2023 18:05:00", b"Mon, 01 Jan 1900 00:00:00 +0000"]
)
def test_bad_dates_are_none(value: bytes) -> None:
    assert parse_date(value) is None
    assert DateParser()(value) is None


def test_labels() -> None:
    assert split_labels('Inbox,"Shopping, UK",Category Promotions,') == (
        "Inbox",
        "Shopping, UK",
        "Category Promotions",
    )
    assert split_labels("") == ()
