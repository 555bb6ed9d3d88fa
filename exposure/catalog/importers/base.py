"""What every catalog importer returns, and the small cleaners they share.

An importer turns one public catalog file (bytes) into plain :class:`CatalogRecord` values. It
never touches the database or the network. A record it cannot use is skipped and reported as a
:class:`RecordError` (which file, which record, what is wrong); a file it cannot read at all
raises :class:`~exposure.core.errors.SourceError`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from exposure.catalog.match import domain_of_host
from exposure.core.errors import SourceError

#: Catalog source names, most trusted first (``bundled`` is the curated catalog in the package).
TRUST_ORDER: tuple[str, ...] = (
    "bundled",
    "datarequests",
    "duckduckgo",
    "eraser",
    "california",
    "justdeleteme",
)
SOURCES: tuple[str, ...] = TRUST_ORDER[1:]

#: Fields a record can give an organization, in display order.
FIELDS: tuple[str, ...] = (
    "name", "category", "country", "privacy_email", "web_form", "opt_out_url", "deletion_url",
    "postal_address", "phone", "difficulty", "relisting_days", "search_url", "parent",
    "opt_out_steps", "requires", "transport", "notes",
)  # fmt: skip


@dataclass(slots=True)
class CatalogRecord:
    """One organization as one source describes it."""

    source: str  #: catalog source name (datarequests, justdeleteme, ...)
    source_id: str  #: stable id within the source (slug, file name, ...)
    name: str
    domains: list[str] = field(default_factory=list)  #: registrable domains, the first is the main one
    site: str | None = None  #: host of the main website without "www.", e.g. "bsi.bund.de"
    category: str | None = None  #: one of core.models.CATEGORIES, or None when the source does not say
    country: str | None = None  #: ISO 3166-1 alpha-2 (upper case)
    privacy_email: str | None = None
    web_form: str | None = None  #: privacy request form
    opt_out_url: str | None = None
    deletion_url: str | None = None  #: account deletion page (JustDeleteMe)
    postal_address: str | None = None
    phone: str | None = None
    difficulty: str | None = None  #: easy, medium, hard, limited, impossible (JustDeleteMe)
    relisting_days: int | None = None
    search_url: str | None = None  #: templated people-search URL (DuckDuckGo)
    parent: str | None = None  #: registrable domain of the operator that owns this brand
    mirrors: list[dict[str, Any]] = field(default_factory=list)  #: [{name, domain, opt_out_url}]
    aliases: list[str] = field(default_factory=list)  #: other names (DBA, brands, mirror names)
    opt_out_steps: list[str] = field(default_factory=list)
    requires: list[str] = field(default_factory=list)
    transport: str | None = None  #: the channel the source suggests: email, web_form, letter
    notes: str | None = None  #: the source's own note (how to delete, why an address changed)
    bounced: list[dict[str, str | None]] = field(default_factory=list)  #: [{kind, value, status, date}]
    source_url: str | None = None  #: where the source took the facts from
    source_date: str | None = None  #: when the source knew them (YYYY-MM[-DD])
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        # Shallow on purpose (asdict deep-copies, ten times slower): values are plain JSON data.
        return {name: getattr(self, name) for name in _FIELD_ORDER}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CatalogRecord:
        return cls(**{k: v for k, v in data.items() if k in _RECORD_FIELDS})

    def value(self, name: str) -> Any:
        return getattr(self, name)


_FIELD_ORDER = tuple(CatalogRecord.__dataclass_fields__)
_RECORD_FIELDS = frozenset(_FIELD_ORDER)


@dataclass(frozen=True, slots=True)
class RecordError:
    where: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"where": self.where, "message": self.message}


@dataclass
class ParseResult:
    """The records of one source file, and what was wrong with the others."""

    source: str
    records: list[CatalogRecord] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)  #: skipped records and dropped values
    skipped: int = 0  #: records not imported
    counts: dict[str, int] = field(default_factory=dict)  #: e.g. {"companies": 3069, "authorities": 57}
    date: str | None = None  #: the date the source file states for itself
    #: How many records came with each source_id (before any renaming), for keep/keep_renamed.
    _ids: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def skip(self, where: str, message: str) -> None:
        self.skipped += 1
        self.errors.append(RecordError(where, message))

    def warn(self, where: str, message: str) -> None:
        self.errors.append(RecordError(where, message))

    def keep(self, record: CatalogRecord, where: str, what: str) -> bool:
        """Add ``record`` unless one with its source_id was added: that one is skipped as a
        duplicate ``what`` (``duplicate slug 'acme'``). Whether it was added."""
        if record.source_id in self._ids:
            self.skip(where, f"duplicate {what} {record.source_id!r}")
            return False
        self._ids[record.source_id] = 1
        self.records.append(record)
        return True

    def keep_renamed(
        self, record: CatalogRecord, suffix: Callable[[CatalogRecord, int], object] = lambda _, n: n + 1
    ) -> None:
        """Add ``record``; the n-th (n >= 2) with a source_id gets ``-<suffix(record, n - 1)>``
        appended to it (by default ``-n``)."""
        count = self._ids.get(record.source_id, 0)
        self._ids[record.source_id] = count + 1
        if count:
            record.source_id = f"{record.source_id}-{suffix(record, count)}"
        self.records.append(record)

    def identified(
        self, raw: Any, where: str, id_key: str, not_object: str
    ) -> tuple[dict[str, Any], str, str] | None:
        """(raw, its id, its name) of a mapping with a ``id_key`` and a ``name``; otherwise None,
        the record skipped (``not_object``, or ``no <id_key> or no name``)."""
        if not isinstance(raw, dict):
            self.skip(where, not_object)
            return None
        ident = text(raw.get(id_key))
        name = text(raw.get("name"), max_length=300)
        if not ident or not name:
            self.skip(where, f"no {id_key} or no name")
            return None
        return raw, ident, name

    def email_of(self, raw: dict[str, Any], key: str, where: str) -> str | None:
        """``raw[key]`` as an email address; a value that is none is dropped with a warning."""
        value = raw.get(key)
        if not value:
            return None
        address = email(value)
        if address is None:
            self.warn(where, f"{key} {value!r} is not an email address (dropped)")
        return address

    def url_of(self, raw: dict[str, Any], key: str, where: str) -> str | None:
        """``raw[key]`` as an http(s) URL; a value that is none is dropped with a warning."""
        value = raw.get(key)
        address = url(value)
        if value and address is None:
            self.warn(where, f"{key} {value!r} is not an http(s) URL (dropped)")
        return address


# --- cleaners -------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"^(?=.{3,254}$)[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
    re.I,
)
_AT = re.compile(r"\s*(?:\[\s*at\s*\]|\(\s*at\s*\)|\{\s*at\s*\})\s*", re.I)
_AT_WORD = re.compile(r"^([^\s@]+)\s+at\s+([^\s@]+)$", re.I)
_DOT = re.compile(r"\s*(?:\[\s*dot\s*\]|\(\s*dot\s*\)|\{\s*dot\s*\})\s*", re.I)
_EMAIL_IN_TEXT = re.compile(r"[a-z0-9._%+-]+@(?:[a-z0-9-]+\.)+[a-z]{2,63}", re.I)
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"')\],;]+", re.I)
_SLUG_CHARS = re.compile(r"[^a-z0-9]+")
_HOST = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)+$")


def text(value: Any, *, multiline: bool = False, max_length: int = 2000) -> str | None:
    """A clean string: control and format characters removed, whitespace collapsed; None if empty."""
    if value is None:
        return None
    if isinstance(value, str) and value.isprintable() and "\xa0" not in value:
        # The common case: one clean line (isprintable() is False for every control character).
        result = value.strip()
        if "  " in result:
            result = " ".join(result.split())
        return result[:max_length] or None
    if not isinstance(value, str):
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        else:
            return None
    value = value.replace("\xa0", " ").replace("\r\n", "\n").replace("\r", "\n")
    if multiline:
        lines = [" ".join(_strip_controls(line).split()) for line in value.split("\n")]
        result = "\n".join(line for line in lines if line)
    else:
        result = " ".join(_strip_controls(value).split())
    result = result[:max_length]
    return result or None


def _strip_controls(value: str) -> str:
    if value.isascii() and value.isprintable():
        return value
    return "".join(
        " " if ch in "\t\n" else ch
        for ch in value
        if ch in "\t\n" or unicodedata.category(ch) not in {"Cc", "Cf", "Zl", "Zp"}
    )


def deobfuscate_email(value: str) -> str:
    """``privacy [at] example [dot] com`` -> ``privacy@example.com`` (also ``(at)``, ``{at}``)."""
    value = _AT.sub("@", value)
    return _DOT.sub(".", value)


def _deobfuscate_field(value: str) -> str:
    # A field that holds one address may also spell it "privacy at example.com".
    value = deobfuscate_email(value)
    match = _AT_WORD.match(value)
    return f"{match.group(1)}@{match.group(2)}" if match else value


def email(value: Any) -> str | None:
    """A valid email address (de-obfuscated, ``mailto:`` removed, domain lower-cased), or None."""
    raw = text(value)
    if not raw:
        return None
    raw = _deobfuscate_field(raw.strip().strip("<>").strip())
    if raw.lower().startswith("mailto:"):
        raw = raw[7:].split("?", 1)[0]
    raw = raw.strip().rstrip(".")
    if "@" in raw and not raw.isascii():
        local, host = raw.rsplit("@", 1)
        try:
            raw = f"{local}@{host.encode('idna').decode('ascii')}"
        except UnicodeError:
            return None
    if not _EMAIL.match(raw):
        return None
    local, host = raw.rsplit("@", 1)
    return f"{local}@{host.lower()}"


def emails_in(value: str | None) -> list[str]:
    """Every email address mentioned in a free text, de-obfuscated, in order, without repeats."""
    if not value:
        return []
    found: list[str] = []
    for match in _EMAIL_IN_TEXT.finditer(deobfuscate_email(value)):
        address = email(match.group(0))
        if address and address not in found:
            found.append(address)
    return found


def urls_in(value: str | None) -> list[str]:
    if not value:
        return []
    found: list[str] = []
    for match in _URL_IN_TEXT.finditer(value):
        cleaned = url(match.group(0).rstrip("."))
        if cleaned and cleaned not in found:
            found.append(cleaned)
    return found


_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)
_HOST_PORT = re.compile(r"^[^:/]+:\d")


def url(value: Any) -> str | None:
    """An http(s) URL with a host, or None. A bare ``host/path`` gets ``https://``."""
    raw = text(value)
    if not raw or " " in raw:
        return None
    if "://" not in raw:
        if _SCHEME.match(raw) and not _HOST_PORT.match(raw):
            return None  # mailto:, javascript:, ...
        raw = "https://" + raw.lstrip("/")
    scheme = raw.split("://", 1)[0].lower()
    if scheme not in ("http", "https"):
        return None
    host = _host_of(raw)
    if not host or not host_ok(host):
        return None
    return scheme + raw[len(scheme) :]


@lru_cache(maxsize=65536)
def _site(host: str) -> str | None:
    if not host_ok(host):
        return None
    for prefix in ("www.", "www2.", "www3."):
        if host.startswith(prefix) and domain_of_host(host[len(prefix) :]) is not None:
            return host[len(prefix) :]
    return host


def site_of(value: Any) -> str | None:
    """The host of a URL or bare host, lower case, without a leading ``www.``."""
    raw = text(value)
    host = _host_of(raw) if raw else None
    return _site(host) if host else None


def domain(value: Any) -> str | None:
    """Registrable domain of a URL, host or email address.

    A service whose own domain is a private public suffix (``bearblog.dev``, ``carrd.co``: its
    users get subdomains) has no registrable domain under the full list: its domain is itself.
    """
    raw = text(value)
    host = _host_of(raw) if raw else None
    if not host:
        return None
    return domain_of_host(host) or _icann_domain(host)


@lru_cache(maxsize=65536)
def _host_of(raw: str) -> str | None:
    """Lower-case host of a URL, ``host/path`` or email address (None for other schemes)."""
    if "@" in raw and "://" not in raw and "/" not in raw:
        return raw.rsplit("@", 1)[1].lower().rstrip(".") or None
    if "://" in raw:
        if raw.split("://", 1)[0].lower() not in ("http", "https", "ftp", "ftps"):
            return None
        candidate = raw
    else:
        candidate = "https://" + raw.lstrip("/")
    rest = candidate.split("://", 1)[1]
    end = len(rest)
    for stop in "/?#\\":
        index = rest.find(stop)
        if 0 <= index < end:
            end = index
    netloc = rest[:end].rpartition("@")[2]
    if "[" in netloc:  # an IPv6 literal: let urllib take it apart
        try:
            host = urlsplit(candidate).hostname
        except ValueError:
            return None
    else:
        host = netloc.split(":", 1)[0]
    return host.rstrip(".").lower() if host else None


@lru_cache(maxsize=1)
def _private_suffixes() -> frozenset[str]:
    """The private section of the Public Suffix List (suffixes run by companies for their users)."""
    try:
        from publicsuffixlist import PSLFILE

        with open(PSLFILE, encoding="utf-8") as handle:
            content = handle.read()
    except (ImportError, OSError):
        return frozenset()
    _, _, private = content.partition("===BEGIN PRIVATE DOMAINS===")
    entries = set()
    for line in private.splitlines():
        entry = line.strip().split(" ")[0].lower()
        if entry and not entry.startswith("//"):
            entries.add(entry.lstrip("!").removeprefix("*."))
    return frozenset(entries)


def _icann_domain(host: str) -> str | None:
    # bearblog.dev is a public suffix (its users get subdomains) but also the service's own domain.
    return host if _HOST.match(host) and host in _private_suffixes() else None


def host_ok(host: str) -> bool:
    """A syntactically valid host name with a registrable domain (or itself a private suffix)."""
    return domain_of_host(host) is not None or _icann_domain(host.rstrip(".").lower()) is not None


def country(value: Any) -> str | None:
    raw = text(value)
    if raw and len(raw) == 2 and raw.isalpha():
        return raw.upper()
    return None


def slugify(value: str) -> str:
    ascii_value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    return _SLUG_CHARS.sub("-", ascii_value.lower()).strip("-")[:80]


def date_of(value: Any) -> str | None:
    """``YYYY-MM-DD`` from an ISO date or date-time string, or None."""
    raw = text(value)
    if raw and re.match(r"^\d{4}-\d{2}-\d{2}", raw):
        return raw[:10]
    return None


def unique(values: list[str | None]) -> list[str]:
    seen: list[str] = []
    for value in values:
        if value and value not in seen:
            seen.append(value)
    return seen


def decode(data: bytes, where: str) -> str:
    """Bytes to text (UTF-8, with or without BOM; Windows-1252 as a fallback)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise SourceError("not text (neither UTF-8 nor Windows-1252)", where=where) from None


def read_json(data: bytes, where: str, *, format: str, expected: str) -> Any:
    """The JSON document in ``data``: refused when it is an HTML page (see refuse_html), not text
    or not JSON (``SourceError`` naming ``format``)."""
    refuse_html(data, where, expected)
    try:
        return json.loads(decode(data, where))
    except ValueError as exc:
        raise SourceError(f"not valid JSON ({exc})", where=where, format=format) from None


def refuse_html(data: bytes, where: str, expected: str) -> None:
    """An HTML page (an error page, a login wall) where a data file was expected: refuse it."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        raise SourceError(f"this is an HTML page, not {expected}", where=where, format="html")
