"""Validation that needs nothing but the standard library."""

from __future__ import annotations

import re
import unicodedata

from exposure.core.errors import ValidationError

_EMAIL = re.compile(
    r"^(?=.{3,254}$)[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


def has_control_chars(value: str) -> bool:
    """True if ``value`` has CR, LF, tab or any other control / separator-line character."""
    return any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} for ch in value)


def clean_text(value: str, field: str, *, max_length: int = 500) -> str:
    """Strip a one-line user value; refuse control characters (they could inject mail headers)."""
    if has_control_chars(value):
        raise ValidationError(f"{field}: control characters (such as line breaks) are not allowed")
    value = value.strip()
    if not value:
        raise ValidationError(f"{field}: must not be empty")
    if len(value) > max_length:
        raise ValidationError(f"{field}: longer than {max_length} characters")
    return value


def clean_email(value: str, field: str = "email") -> str:
    value = clean_text(value, field, max_length=254)
    if not _EMAIL.match(value):
        raise ValidationError(f"{field}: {value!r} is not a valid email address")
    local, domain = value.rsplit("@", 1)
    return f"{local}@{domain.lower()}"
