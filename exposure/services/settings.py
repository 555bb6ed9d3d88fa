"""User settings, stored in the database (never secrets: those live in the keyring)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from exposure.core.errors import ValidationError
from exposure.core.validate import clean_text
from exposure.store.db import transaction


@dataclass(frozen=True)
class SettingSpec:
    default: str | None
    help: str
    check: Callable[[str], str] | None = None


def _int_range(low: int, high: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not value.isdigit() or not low <= int(value) <= high:
            raise ValidationError(f"must be a whole number from {low} to {high}")
        return str(int(value))

    return check


def _choice(*options: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in options:
            raise ValidationError(f"must be one of {', '.join(options)}")
        return value

    return check


def _url(value: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise ValidationError("must be an http(s) URL")
    return value.rstrip("/")


#: Every known setting. Later features add their keys here.
SETTINGS: dict[str, SettingSpec] = {
    "ui.theme": SettingSpec("textual-dark", "TUI theme (textual-dark, textual-light, ...)"),
    "smtp.host": SettingSpec(None, "SMTP server of your own mailbox, for sending requests"),
    "smtp.port": SettingSpec("587", "SMTP port", _int_range(1, 65535)),
    "smtp.security": SettingSpec("starttls", "starttls, ssl or none", _choice("starttls", "ssl", "none")),
    "smtp.user": SettingSpec(None, "SMTP login (password from `exposure secrets set smtp`)"),
    "smtp.from": SettingSpec(None, "From address of requests (defaults to the profile's first email)"),
    "smtp.daily_cap": SettingSpec("100", "most requests sent per day", _int_range(1, 10000)),
    "smtp.cooldown_hours": SettingSpec(
        "24", "hours between two sends to one organization", _int_range(0, 8760)
    ),
    "requests.reminder_days": SettingSpec(
        "14", "days after a reminder before a complaint to the regulator is offered", _int_range(1, 365)
    ),
    "imap.host": SettingSpec(None, "IMAP server of your mailbox (headers are read, nothing else)"),
    "imap.port": SettingSpec(None, "IMAP port (993 for ssl, 143 for starttls)", _int_range(1, 65535)),
    "imap.security": SettingSpec("ssl", "ssl, starttls or none", _choice("ssl", "starttls", "none")),
    "imap.user": SettingSpec(None, "IMAP login"),
    "hibp.api_url": SettingSpec("https://haveibeenpwned.com/api/v3", "Have I Been Pwned API base URL", _url),
    "hibp.passwords_url": SettingSpec("https://api.pwnedpasswords.com", "Pwned Passwords base URL", _url),
    "hibp.check_passwords": SettingSpec(
        "false", "check imported passwords against Pwned Passwords (k-anonymity)", _choice("true", "false")
    ),
    # Public catalogs read by `exposure catalog update` (issue 5).
    "catalog.url.datarequests": SettingSpec(
        "https://www.datarequests.org/offline-data.json", "datarequests.org offline dump (JSON)", _url
    ),
    "catalog.url.justdeleteme": SettingSpec(
        "https://raw.githubusercontent.com/jdm-contrib/jdm/master/_data/sites.json",
        "JustDeleteMe sites.json",
        _url,
    ),
    "catalog.url.eraser": SettingSpec(
        "https://raw.githubusercontent.com/drumandbytes/eraser/main/data/brokers.yaml",
        "Eraser brokers.yaml",
        _url,
    ),
    "catalog.url.duckduckgo": SettingSpec(
        "https://api.github.com/repos/duckduckgo/apple-browsers/contents/SharedPackages/"
        "DataBrokerProtectionCore/Sources/DataBrokerProtectionCore/Resources/JSON?ref=main",
        "DuckDuckGo broker definitions: a GitHub contents listing of the folder",
        _url,
    ),
    "catalog.url.california": SettingSpec(
        "https://cppa.ca.gov/data_broker_registry/registry.csv", "California data broker registry (CSV)", _url
    ),
}


def get_setting(conn: sqlite3.Connection, key: str) -> str | None:
    if key not in SETTINGS:
        raise ValidationError(f"unknown setting {key!r} (see `exposure settings show`)")
    row = conn.execute("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
    return str(row[0]) if row is not None else SETTINGS[key].default


def all_settings(conn: sqlite3.Connection) -> dict[str, str | None]:
    stored = {row[0]: row[1] for row in conn.execute("SELECT key, value FROM setting")}
    return {key: stored.get(key, spec.default) for key, spec in SETTINGS.items()}


def set_setting(conn: sqlite3.Connection, key: str, value: str | None) -> str | None:
    """Validate and store a setting; ``None`` or "" resets it to its default."""
    spec = SETTINGS.get(key)
    if spec is None:
        raise ValidationError(f"unknown setting {key!r} (see `exposure settings show`)")
    with transaction(conn):
        if value is None or value == "":
            conn.execute("DELETE FROM setting WHERE key = ?", (key,))
            return spec.default
        value = clean_text(value, key)
        if spec.check is not None:
            try:
                value = spec.check(value)
            except ValidationError as exc:
                raise ValidationError(f"{key}: {exc}") from None
        conn.execute(
            "INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
    return value
