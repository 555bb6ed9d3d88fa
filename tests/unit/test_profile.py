from __future__ import annotations

import sqlite3

import pytest

from exposure.core.errors import ValidationError
from exposure.services.profile import get_profile, update_profile, validate


def test_profile_round_trip(conn: sqlite3.Connection) -> None:
    update_profile(
        conn,
        names=["Ada Example"],
        emails=["Ada@Example.COM"],
        phones=["(415) 555-0123"],
        country="us",
        region="ca",
        language="EN",
    )
    profile = get_profile(conn)
    assert profile.names == ("Ada Example",)
    assert profile.emails == ("Ada@example.com",)
    assert profile.phones == ("+14155550123",)
    assert (profile.country, profile.region, profile.language) == ("US", "US-CA", "en")


def test_partial_update_keeps_other_fields(conn: sqlite3.Connection) -> None:
    update_profile(conn, names=["Ada"], country="DE")
    update_profile(conn, emails=["ada@example.de"])
    profile = get_profile(conn)
    assert profile.names == ("Ada",) and profile.country == "DE" and profile.emails == ("ada@example.de",)


def test_national_phone_uses_profile_country() -> None:
    assert validate({"country": "DE", "phones": ["030 1234567"]}).phones == ("+49301234567",)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"names": ["A\r\nBcc: x@y"]}, "control characters"),
        ({"names": ["A\u2028B"]}, "control characters"),
        ({"addresses": ["1 Main St\nBcc: x@y"]}, "control characters"),
        ({"emails": ["not-an-email"]}, "not a valid email"),
        ({"emails": ["a@b.c\r\nBcc: evil@example.com"]}, "control characters"),
        ({"phones": ["call me maybe"]}, "not a phone number"),
        ({"phones": ["+1 555"]}, "not a possible phone number"),
        ({"country": "XX"}, "ISO 3166-1"),
        ({"country": "USA"}, "ISO 3166-1"),
        ({"country": "US", "region": "ZZ"}, "ISO 3166-2"),
        ({"country": "DE", "region": "US-CA"}, "not in country DE"),
        ({"language": "klingon"}, "ISO 639-1"),
        ({"date_of_birth": "1990-13-01"}, "not a date"),
        ({"shoe_size": "42"}, "unknown profile field"),
    ],
)
def test_bad_values_are_refused_with_one_line(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message) as info:
        validate(changes)
    assert "\n" not in str(info.value) and "\r" not in str(info.value)
