"""Reading, validating and updating the user's profile."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import fields, replace
from typing import Any

from exposure.core.errors import ValidationError
from exposure.core.models import Profile
from exposure.core.validate import clean_email, clean_text
from exposure.store.db import now, transaction

LIST_FIELDS = ("names", "emails", "phones", "addresses", "usernames")


def get_profile(conn: sqlite3.Connection) -> Profile:
    row = conn.execute("SELECT * FROM profile WHERE id = 1").fetchone()
    if row is None:
        return Profile()
    return Profile(
        **{f: tuple(json.loads(row[f])) for f in LIST_FIELDS},
        country=row["country"],
        region=row["region"],
        language=row["language"],
        date_of_birth=row["date_of_birth"],
    )


def clean_phone(value: str, country: str | None) -> str:
    """A phone number in E.164 (``+14155550100``); national numbers use the profile's country."""
    import phonenumbers

    value = clean_text(value, "phone", max_length=40)
    try:
        number = phonenumbers.parse(value, country or None)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            f"phone: {value!r} is not a phone number (use international form, e.g. +14155550100)"
        ) from None
    if not phonenumbers.is_possible_number(number):
        raise ValidationError(f"phone: {value!r} is not a possible phone number")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def clean_country(value: str) -> str:
    import pycountry

    code = clean_text(value, "country", max_length=60).upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise ValidationError(f"country: {value!r} is not an ISO 3166-1 alpha-2 code (e.g. US, DE, GB)")
    return code


def clean_region(value: str, country: str | None) -> str:
    import pycountry

    code = clean_text(value, "region", max_length=60).upper()
    if "-" not in code and country:
        code = f"{country}-{code}"
    if pycountry.subdivisions.get(code=code) is None:
        raise ValidationError(f"region: {value!r} is not an ISO 3166-2 subdivision code (e.g. US-CA, DE-BE)")
    if country and not code.startswith(country + "-"):
        raise ValidationError(f"region: {code} is not in country {country}")
    return code


def clean_language(value: str) -> str:
    import pycountry

    code = clean_text(value, "language", max_length=60).lower()
    if len(code) != 2 or pycountry.languages.get(alpha_2=code) is None:
        raise ValidationError(f"language: {value!r} is not an ISO 639-1 code (e.g. en, de, fr, es)")
    return code


def clean_date(value: str) -> str:
    from datetime import date

    value = clean_text(value, "date of birth", max_length=10)
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValidationError(f"date of birth: {value!r} is not a date (use YYYY-MM-DD)") from None


def _dedupe(values: list[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(value.casefold(), value)
    return tuple(seen.values())


def validate(changes: dict[str, Any], current: Profile | None = None) -> Profile:
    """Apply ``changes`` to ``current`` after validating every value; raises ValidationError."""
    current = current or Profile()
    known = {f.name for f in fields(Profile)}
    unknown = set(changes) - known
    if unknown:
        raise ValidationError(f"unknown profile field(s): {', '.join(sorted(unknown))}")
    country = current.country
    if changes.get("country"):
        country = clean_country(str(changes["country"]))
    cleaned: dict[str, Any] = {}
    if "country" in changes:
        cleaned["country"] = country if changes["country"] else None
    for key, value in changes.items():
        if key == "country":
            continue
        if key in LIST_FIELDS:
            items = [str(v) for v in (value or [])]
            if key == "emails":
                cleaned[key] = _dedupe([clean_email(v) for v in items])
            elif key == "phones":
                cleaned[key] = _dedupe([clean_phone(v, country) for v in items])
            else:
                cleaned[key] = _dedupe([clean_text(v, key.rstrip("s")) for v in items])
        elif not value:
            cleaned[key] = None
        elif key == "region":
            cleaned[key] = clean_region(str(value), country)
        elif key == "language":
            cleaned[key] = clean_language(str(value))
        elif key == "date_of_birth":
            cleaned[key] = clean_date(str(value))
    result = replace(current, **cleaned)
    if result.region and result.country and not result.region.startswith(result.country + "-"):
        raise ValidationError(f"region: {result.region} is not in country {result.country}")
    return result


def save_profile(conn: sqlite3.Connection, profile: Profile) -> None:
    with transaction(conn):
        conn.execute(
            """
            INSERT INTO profile (id, names, emails, phones, addresses, usernames, country, region,
                                 language, date_of_birth, updated_at)
            VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET names = excluded.names, emails = excluded.emails,
                phones = excluded.phones, addresses = excluded.addresses, usernames = excluded.usernames,
                country = excluded.country, region = excluded.region, language = excluded.language,
                date_of_birth = excluded.date_of_birth, updated_at = excluded.updated_at
            """,
            (
                *(json.dumps(list(getattr(profile, f))) for f in LIST_FIELDS),
                profile.country,
                profile.region,
                profile.language,
                profile.date_of_birth,
                now(),
            ),
        )


def update_profile(conn: sqlite3.Connection, **changes: Any) -> Profile:
    """Validate and store changes; list fields given replace the stored list."""
    profile = validate(changes, get_profile(conn))
    save_profile(conn, profile)
    return profile


def profile_to_json(profile: Profile) -> dict[str, Any]:
    return {
        f.name: (list(v) if isinstance(v := getattr(profile, f.name), tuple) else v) for f in fields(profile)
    }
