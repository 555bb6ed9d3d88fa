"""Domain records shared by every layer: plain frozen dataclasses, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Organization categories, in the order the UI lists them.
CATEGORIES: tuple[str, ...] = (
    "people_search",
    "data_broker",
    "credit",
    "ads",
    "social",
    "tech",
    "app",
    "retailer",
    "streaming",
    "telecom",
    "finance",
    "health",
    "travel",
    "media",
    "authority",
    "other",
    "unknown",
)

CATEGORY_LABELS: dict[str, str] = {
    "people_search": "People search",
    "data_broker": "Data broker",
    "credit": "Credit bureau",
    "ads": "Advertising",
    "social": "Social",
    "tech": "Big tech",
    "app": "App / service",
    "retailer": "Retail",
    "streaming": "Streaming",
    "telecom": "Telecom",
    "finance": "Finance",
    "health": "Health",
    "travel": "Travel",
    "media": "Media",
    "authority": "Authority",
    "other": "Other",
    "unknown": "Unknown",
}

#: Categories whose business is selling or publishing people's data.
BROKER_CATEGORIES: frozenset[str] = frozenset({"people_search", "data_broker"})


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of evidence that an organization holds the user's data.

    Sources yield findings; they never touch the database. ``domain`` is the registrable
    domain (or IP literal) seen; ``org_hint`` may name a catalog organization id directly
    (e.g. a breach naming its company). ``key`` makes re-imports idempotent: two findings with
    the same source kind and key are the same finding.
    """

    source: str  #: source kind, e.g. "bitwarden_csv", "mbox", "imap", "hibp", "manual"
    domain: str | None
    identifier: str | None = None
    location: str | None = None  #: file path, mailbox, URL: where it was read
    evidence: dict[str, Any] = field(default_factory=dict)
    first_seen: str | None = None  #: ISO-8601 date or date-time
    last_seen: str | None = None
    confidence: float = 0.9  #: 0..1, how sure we are this org holds the user's data
    key: str | None = None  #: idempotency key within ``source``; derived when None
    org_hint: str | None = None  #: catalog organization slug, when the source knows it


@dataclass(frozen=True, slots=True)
class Contact:
    """A way to reach an organization's privacy team."""

    kind: str  #: "email", "web_form", "postal"
    value: str
    status: str = "ok"  #: "ok", "bounced", "dead"
    status_date: str | None = None


@dataclass(frozen=True, slots=True)
class Organization:
    """A catalog organization."""

    id: int
    slug: str
    name: str
    category: str
    domains: tuple[str, ...] = ()
    country: str | None = None
    privacy_email: str | None = None
    web_form: str | None = None
    postal_address: str | None = None
    opt_out_url: str | None = None
    opt_out_steps: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    relisting_days: int | None = None
    parent: str | None = None
    source: str | None = None
    source_url: str | None = None
    source_date: str | None = None


@dataclass(frozen=True, slots=True)
class Profile:
    """Who the user is. Country and region decide which laws apply."""

    names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    usernames: tuple[str, ...] = ()
    country: str | None = None  #: ISO 3166-1 alpha-2
    region: str | None = None  #: ISO 3166-2 code, e.g. "US-CA"
    language: str | None = None  #: ISO 639-1, e.g. "en"
    date_of_birth: str | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.names or self.emails or self.phones or self.country)

    @property
    def display_name(self) -> str:
        return self.names[0] if self.names else (self.emails[0] if self.emails else "you")
