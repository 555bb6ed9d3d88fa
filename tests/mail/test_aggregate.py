"""Per-domain evidence: people vs organizations, sent mail, kinds, confidence, samples."""

from __future__ import annotations

from exposure.sources.mail import classify as C
from exposure.sources.mail.aggregate import DomainStats, MailAggregator, MailFlags, finding_for


def block(
    sender: str,
    subject: str = "Hello",
    *,
    date: str = "Thu, 02 Nov 2023 18:05:00 +0000",
    to: str = "alice@example.net",
    extra: str = "",
) -> bytes:
    return f"\nReceived: by x\nFrom: {sender}\nTo: {to}\nSubject: {subject}\nDate: {date}\n{extra}".rstrip(
        "\n"
    ).encode()


def test_free_mail_and_own_domains_are_people() -> None:
    agg = MailAggregator(own_addresses=["me@alice.dev"])
    agg.add_block(block("Friend <friend@gmail.com>"))
    agg.add_block(block("Someone <x@yahoo.co.uk>"))
    agg.add_block(block("Bob <bob@hotmail.fr>"))
    agg.add_block(block("Family <mum@alice.dev>"))  # the user's own custom domain
    agg.add_block(block("Shop <news@mail.shop.example.com>"))
    assert agg.messages == 5
    assert set(agg.domains) == {"gmail.com", "yahoo.co.uk", "hotmail.fr", "alice.dev", "example.com"}
    assert [s.domain for s in agg.organizations()] == ["example.com"]


def test_sent_mail_is_evidence_for_the_recipient_domain() -> None:
    agg = MailAggregator(own_addresses=["alice@gmail.com"])
    agg.add_block(
        block(
            "Alice <alice@gmail.com>",
            "Cancel my contract",
            to="Support <help@telco.example>, friend@gmail.com",
            extra="Cc: legal@telco.example, other@insurer.example",
        )
    )
    assert agg.sent == 1
    telco = agg.domains["telco.example"]
    assert (telco.messages, telco.sent) == (0, 1)  # counted once although two addresses there
    assert agg.domains["insurer.example"].sent == 1
    assert agg.domains["gmail.com"].messages == 1  # the user's own message, under its domain
    assert {s.domain for s in agg.organizations()} == {"telco.example", "insurer.example"}
    finding = finding_for(telco, source="mbox", location="x", key="x|telco.example")
    assert finding.evidence["kinds"] == ["sent"]
    assert finding.identifier == "alice@gmail.com"
    assert finding.confidence == C.CONFIDENCE[C.SENT]


def test_sent_detected_from_labels_delivered_to_and_folders() -> None:
    agg = MailAggregator()
    agg.add_block(block("me@work.example", to="x@shop.example", extra="X-Gmail-Labels: Sent,Opened"))
    assert agg.sent == 1 and "me@work.example" in agg.own and "work.example" in agg.own_domains
    agg.add_block(block("me2@gmail.com", to="y@bank.example", extra="Delivered-To: me2@gmail.com"))
    assert agg.sent == 2
    folder = MailAggregator(flags=MailFlags(sent=True))
    folder.add_block(block("whoever@else.example", to="z@airline.example"))
    assert folder.sent == 1 and folder.domains["airline.example"].sent == 1


def test_kinds_and_confidence() -> None:
    agg = MailAggregator()
    agg.add_block(block("no-reply@acct.example", "Welcome! Please verify your email"))
    agg.add_block(block("orders@shop.example", "Your order #123 has shipped"))
    agg.add_block(
        block("news@letter.example", "Spring sale", extra="List-Unsubscribe: <mailto:u@letter.example>")
    )
    agg.add_block(block("info@bulk.example", "Hi", extra="Precedence: bulk"))
    agg.add_block(block("x@spam.example", "You won", extra="X-Gmail-Labels: Spam"))
    agg.add_block(block("hello@plain.example", "Meeting notes"))
    agg.add_block(block("promo@promo.example", "Deals", extra="X-Gmail-Labels: Inbox,Category Promotions"))
    got = {d: (C.kind_names(s.kind_bits()), C.confidence(s.kind_bits())) for d, s in agg.domains.items()}
    assert got == {
        "acct.example": (["account"], 0.95),
        "shop.example": (["purchase"], 0.9),
        "letter.example": (["marketing"], 0.6),
        "bulk.example": (["marketing"], 0.6),
        "spam.example": (["spam"], 0.2),
        "plain.example": (["other"], 0.7),
        "promo.example": (["marketing"], 0.6),
    }


def test_dates_counts_and_samples_prefer_strong_kinds() -> None:
    agg = MailAggregator()
    for day in range(1, 10):
        agg.add_block(
            block(
                "news@shop.example",
                f"Newsletter {day}",
                date=f"{day:02d} Nov 2023 10:00:00 +0000",
                extra="List-Unsubscribe: <x>",
            )
        )
    agg.add_block(block("news@shop.example", "Your receipt", date="15 Oct 2023 10:00:00 +0000"))
    stats = agg.domains["shop.example"]
    assert stats.messages == 10
    assert stats.first == 1697364000 and stats.last == 1699524000
    subjects = [s["subject"] for s in stats.subjects()]
    assert len(subjects) == 3 and "Your receipt" in subjects
    assert stats.kinds == {"purchase": 1, "marketing": 9}


def test_missing_or_unusable_from_is_counted_and_skipped() -> None:
    agg = MailAggregator()
    agg.add_block(b"\nSubject: no sender\nDate: Thu, 02 Nov 2023 18:05:00 +0000")
    agg.add_block(block("undisclosed-recipients:;"))
    agg.add_block(block("x@localhost"))
    agg.add_block(b"\n\x00\xff binary \xfe garbage")
    assert (agg.messages, agg.skipped, agg.domains) == (4, 4, {})


def test_merge_and_json_round_trip() -> None:
    a, b = MailAggregator(), MailAggregator()
    a.add_block(block("x@shop.example", "Your order", date="01 Nov 2023 10:00:00 +0000"))
    b.add_block(block("y@shop.example", "Welcome", date="05 Nov 2023 10:00:00 +0000"))
    b.add_block(block("z@other.example"))
    a.merge(b)
    stats = a.domains["shop.example"]
    assert (a.messages, stats.messages, stats.kinds) == (3, 2, {"purchase": 1, "account": 1})
    back = DomainStats.from_json("shop.example", stats.to_json())
    assert back.to_json() == stats.to_json()
    assert back.subjects() == stats.subjects()


def test_the_hot_path_classifies_like_the_reference_rules() -> None:
    cases = [
        ("Reset your password", "no-reply", False, ()),
        ("Ihre Rechnung für Oktober", "info", False, ()),
        ("Bienvenue ! Votre compte est prêt", "hello", True, ()),
        ("Order shipped — track your delivery", "news", True, ("Category Promotions",)),
        ("Weekly digest", "orders", False, ()),
        ("You won a prize", "x", True, ("Spam",)),
        ("Lunch?", "bob", False, ("Inbox",)),
    ]
    for subject, local, bulk, labels in cases:
        extra = "List-Unsubscribe: <mailto:u@x>\n" if bulk else ""
        if labels:
            extra += "X-Gmail-Labels: " + ",".join(labels) + "\n"
        agg = MailAggregator()
        agg.add_block(block(f"{local}@co.example", subject, extra=extra))
        expected = C.classify(subject.encode(), local, bulk=bulk, labels=labels)
        assert agg.domains["co.example"].kind_bits() == expected, subject
