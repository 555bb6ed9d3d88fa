"""What every password-manager importer shares: turning one login into findings, dates.

Importers read only titles, URLs, identifiers and dates. Everything else in a record
(passwords, TOTP, notes, cards, custom fields) is never copied out of the parsed row.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import re
from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from functools import cached_property, lru_cache, partial
from typing import Any
from urllib.parse import urlsplit

from exposure.catalog.match import (
    android_package,
    android_package_domain,
    plain_host_domain,
    registrable_domain,
)
from exposure.core.models import Finding
from exposure.core.progress import CancelToken, Progress
from exposure.sources.base import Importer, Input, Item, Record, RecordError

#: How sure a vault login makes us that the organization holds the user's data.
CONFIDENCE_LOGIN = 0.95
#: A login in the trash or archive: the account most likely still exists.
CONFIDENCE_DELETED = 0.9
#: The domain was guessed from an Android package name (a heuristic).
CONFIDENCE_ANDROID = 0.8
#: An IP address: some device or service, not a known organization.
CONFIDENCE_IP = 0.5

_MAX_TITLE = 200
_MAX_IDENTIFIER = 320
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _setters(cls: type[Any], names: tuple[str, ...]) -> list[Callable[[Any, Any], None]] | None:
    """The slot setters of a frozen slots dataclass whose fields are exactly ``names`` (in order,
    no ``__post_init__``); None for any other layout."""
    if tuple(field.name for field in dataclasses.fields(cls)) != names or hasattr(cls, "__post_init__"):
        return None
    setters = [getattr(vars(cls).get(name), "__set__", None) for name in names]
    return None if None in setters else setters  # type: ignore[return-value]


_FINDING_FIELDS = (
    "source",
    "domain",
    "identifier",
    "location",
    "evidence",
    "first_seen",
    "last_seen",
    "confidence",
    "key",
    "org_hint",
)


def _finding_maker() -> Callable[..., Finding]:
    """``Finding(source, domain, identifier, location, evidence, first_seen, last_seen,
    confidence, key)``, setting the slots directly.

    A frozen dataclass's ``__init__`` assigns every field through ``object.__setattr__``; a
    login row makes one finding, and this takes half as long. Used only while Finding is laid
    out as here and the result equals the constructor's; otherwise Finding itself.
    """
    setters = _setters(Finding, _FINDING_FIELDS)
    if setters is None:
        return Finding
    s0, s1, s2, s3, s4, s5, s6, s7, s8, s9 = setters
    new = object.__new__

    def make(
        source: str,
        domain: str | None,
        identifier: str | None,
        location: str | None,
        evidence: dict[str, Any],
        first_seen: str | None,
        last_seen: str | None,
        confidence: float,
        key: str | None,
    ) -> Finding:
        finding: Finding = new(Finding)
        s0(finding, source)
        s1(finding, domain)
        s2(finding, identifier)
        s3(finding, location)
        s4(finding, evidence)
        s5(finding, first_seen)
        s6(finding, last_seen)
        s7(finding, confidence)
        s8(finding, key)
        s9(finding, None)
        return finding

    probe = ("src", "example.com", None, "file", {"a": 1}, None, "2024-01-01", 0.5, "k")
    return make if make(*probe) == Finding(*probe) else Finding


def _record_maker() -> Callable[[str, tuple[Finding, ...]], Record]:
    """``Record(where, findings)``, setting the slots directly (as _finding_maker)."""
    setters = _setters(Record, ("where", "findings", "skipped"))
    if setters is None:
        return Record
    s0, s1, s2 = setters
    new = object.__new__

    def make(where: str, findings: tuple[Finding, ...]) -> Record:
        record: Record = new(Record)
        s0(record, where)
        s1(record, findings)
        s2(record, None)
        return record

    return make if make("row 2", ()) == Record("row 2", ()) else Record


_new_finding = _finding_maker()
_new_record = _record_maker()


def text(value: Any) -> str:
    """A cell or JSON value as stripped text ('' for None and non-strings)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def obj(value: Any) -> dict[str, Any]:
    """A JSON object, or {} for anything else (so ``.get`` chains never fail)."""
    return value if isinstance(value, dict) else {}


def clean_title(value: Any) -> str | None:
    title = value.strip() if value.__class__ is str else text(value)
    # Printable text has no whitespace but the ASCII space: without two in a row, splitting and
    # joining would give it back unchanged.
    if not title.isprintable() or "  " in title:
        title = " ".join(title.split())
    if not title:
        return None
    return title[:_MAX_TITLE]


def clean_identifier(value: Any) -> str | None:
    ident = text(value)
    if not ident or len(ident) > _MAX_IDENTIFIER or _CONTROL.search(ident):
        return None
    return ident


def iso_from_epoch(value: Any, *, millis: bool = False) -> str | None:
    """Epoch seconds (or milliseconds) -> ISO-8601 UTC; None for missing or absurd values."""
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
        try:
            value = float(value)
        except ValueError:
            return None
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        return None
    seconds = value / 1000 if millis else value
    if not 0 < seconds < 32503680000:  # before year 3000
        return None
    try:
        return datetime.fromtimestamp(int(seconds), UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        return None


# The shape most exports use (UTC, ``Z``, optional fraction): answered from the text once
# the date and time are checked, as the general path below would answer.
_ISO_UTC_Z = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?Z")


def iso_from_text(value: Any) -> str | None:
    """An ISO-8601 date-time (``2021-03-14T09:26:53Z``, with or without ms) -> ISO UTC."""
    value = text(value)
    if not value or len(value) > 40:
        return None
    if _ISO_UTC_Z.fullmatch(value):
        try:
            datetime.fromisoformat(value[:19])  # a real date and time
        except ValueError:
            return None
        return f"{value[:19]}+00:00"
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC).replace(microsecond=0).isoformat()
    except (OverflowError, ValueError):
        return None


_DOTNET_EPOCH = datetime(1, 1, 1, tzinfo=UTC)


def iso_from_keepass(value: Any) -> str | None:
    """KeePass XML time: ISO-8601, or base64(int64 LE seconds since 0001-01-01) in KDBX4 exports."""
    value = text(value)
    if not value:
        return None
    if "-" in value:
        return iso_from_text(value)
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 8:
        return None
    seconds = int.from_bytes(raw, "little", signed=True)
    try:
        return (_DOTNET_EPOCH + timedelta(seconds=seconds)).isoformat()
    except (OverflowError, ValueError):
        return None


def _host(url: str) -> str | None:
    candidate = url if "://" in url else "http://" + url
    try:
        host = urlsplit(candidate).hostname
    except ValueError:
        return None
    return host or None


# The common case, a plain http(s) URL, read without urlsplit (same host urlsplit would give).
_PLAIN_WEB_URL = re.compile(r"(?i)https?://([a-z0-9.-]+)(?::\d*)?(?:[/?#]|$)")
# The same for ASCII text (where IGNORECASE and \d mean only these), without case folding.
_PLAIN_WEB_URL_ASCII = re.compile(r"[Hh][Tt][Tt][Pp][Ss]?://([A-Za-z0-9.-]+)(?::[0-9]*)?(?:[/?#]|$)")


@lru_cache(maxsize=32_768)
def url_target(url: str) -> tuple[str | None, str | None, str | None]:
    """(registrable domain, host, Android package) of a URL typed in a vault; cached."""
    plain = (_PLAIN_WEB_URL_ASCII if url.isascii() else _PLAIN_WEB_URL).match(url)
    if plain is not None:
        host = plain.group(1).lower()
        return plain_host_domain(host), host.rstrip(".") or None, None
    package = android_package(url)
    if package is not None:
        return android_package_domain(package), None, package
    domain = registrable_domain(url)
    return domain, (_host(url) if domain else None), None


def login_record(
    fmt: str,
    label: str,
    src: Input,
    where: str,
    *,
    title: Any = None,
    urls: Iterable[Any] = (),
    identifiers: Iterable[Any] = (),
    created: str | None = None,
    modified: str | None = None,
    last_used: str | None = None,
    state: str | None = None,
    item_id: Any = None,
) -> Record:
    """One login item -> one finding per distinct (domain, identifier).

    A login whose URLs give no domain (empty, ``http://``, ``chrome://``) is skipped: there is
    no organization to name. Android app URLs map to a domain by reversing the package name,
    and the package is kept as evidence.
    """
    # Runs once per row of exports with many thousands of rows: kept lean (no helpers per cell
    # where an inline check does; one dict and one finding in the common one-URL case).
    targets: dict[str, tuple[str | None, str | None]] = {}
    for url in urls:
        url = url.strip() if url.__class__ is str else text(url)
        if not url:
            continue
        domain, host, package = url_target(url)
        if not domain:
            continue
        known = targets.get(domain)
        targets[domain] = (host, package) if known is None else (known[0] or host, known[1] or package)
    if not targets:
        return Record(where, skipped="no web address")
    names: list[str | None] = []
    for value in identifiers:
        ident = value.strip() if value.__class__ is str else text(value)
        if (
            ident
            and len(ident) <= _MAX_IDENTIFIER
            and (ident.isprintable() or not _CONTROL.search(ident))
            and ident not in names
        ):
            names.append(ident)
    if not names:
        names = [None]
    title_text = clean_title(title)
    ident_key = (text(item_id)[:100] if item_id is not None else "") or title_text or ""
    base: dict[str, Any] = {"format": label, "file": src.file_name}
    if title_text:
        base["title"] = title_text
    if created:
        base["created"] = created
    if modified:
        base["modified"] = modified
    if last_used:
        base["last_used"] = last_used
    if state:
        base["state"] = state
    location = src.name
    last_seen = last_used or modified or created
    deleted = state in ("trashed", "deleted")
    findings: list[Finding] = []
    shared = len(targets) == 1
    for domain, (host, package) in targets.items():
        evidence = base if shared else dict(base)
        if host and host != domain:
            evidence["host"] = host
        if package:
            evidence["android_package"] = package
        if domain[-1].isdigit() or ":" in domain:  # an IP address (no TLD ends in a digit)
            confidence = CONFIDENCE_IP
        elif host is None and package:
            confidence = CONFIDENCE_ANDROID
        elif deleted:
            confidence = CONFIDENCE_DELETED
        else:
            confidence = CONFIDENCE_LOGIN
        for name in names:
            findings.append(
                _new_finding(
                    fmt,
                    domain,
                    name,
                    location,
                    evidence,
                    created,
                    last_seen,
                    confidence,
                    f"{domain}|{name or ''}|{ident_key}",
                )
            )
    return _new_record(where, tuple(findings))


class JsonEvidence(dict[str, Any]):
    """Evidence that also carries its JSON text, ``json``: what ingest would store for it
    (``json.dumps(evidence, ensure_ascii=False, sort_keys=True)``), made by a source that knows
    the dict's shape more cheaply than encoding it. Changing the dict drops the text."""

    __slots__ = ("json",)
    json: str | None  # unset (read as None) until the source sets it

    def __setitem__(self, key: str, value: Any) -> None:
        self.json = None
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.json = None
        super().__delitem__(key)

    def __ior__(self, other: Any) -> JsonEvidence:  # type: ignore[override,misc]
        self.json = None
        return super().__ior__(other)  # type: ignore[no-any-return]

    def clear(self) -> None:
        self.json = None
        super().clear()

    def pop(self, *args: Any) -> Any:
        self.json = None
        return super().pop(*args)

    def popitem(self) -> tuple[str, Any]:
        self.json = None
        return super().popitem()

    def setdefault(self, key: str, default: Any = None) -> Any:
        self.json = None
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.json = None
        super().update(*args, **kwargs)


_encode_text = json.encoder.encode_basestring  # JSON string literal, non-ASCII kept (C)
_dict_set = dict.__setitem__
#: (file name, label) -> a login's evidence so far ("format" and "file") and its JSON.
_json_heads: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}


def single_login(
    fmt: str, label: str, src: Input, where: str, title: Any, url: Any, identifier: Any
) -> Record:
    """``login_record(fmt, label, src, where, title=title, urls=[url], identifiers=[identifier])``,
    made without its loops and lists: browser exports have one URL and one username per row,
    and many thousands of rows."""
    url = url.strip() if url.__class__ is str else text(url)
    domain, host, package = url_target(url) if url else (None, None, None)
    if not domain:
        return Record(where, skipped="no web address")
    ident: str | None = identifier.strip() if identifier.__class__ is str else text(identifier)
    if not ident or len(ident) > _MAX_IDENTIFIER or not (ident.isprintable() or not _CONTROL.search(ident)):
        ident = None
    title_text = clean_title(title)
    # The evidence login_record would make, with its JSON: keys in sorted order are
    # android_package, file, format, host, title.
    file_name = src.file_name
    start = _json_heads.get((file_name, label))
    if start is None:
        head = f'"file": {_encode_text(file_name)}, "format": {_encode_text(label)}'
        start = _json_heads[file_name, label] = ({"format": label, "file": file_name}, head)
    evidence = JsonEvidence(start[0])
    encoded = start[1]
    if title_text:
        _dict_set(evidence, "title", title_text)
    if host and host != domain:
        _dict_set(evidence, "host", host)
        encoded += ', "host": ' + _encode_text(host)
    if title_text:
        encoded += ', "title": ' + _encode_text(title_text)
    if package:
        _dict_set(evidence, "android_package", package)
        encoded = '"android_package": ' + _encode_text(package) + ", " + encoded
    evidence.json = "{" + encoded + "}"
    if domain[-1].isdigit() or ":" in domain:  # an IP address (no TLD ends in a digit)
        confidence = CONFIDENCE_IP
    elif host is None and package:
        confidence = CONFIDENCE_ANDROID
    else:
        confidence = CONFIDENCE_LOGIN
    key = f"{domain}|{ident or ''}|{title_text or ''}"
    return _new_record(
        where, (_new_finding(fmt, domain, ident, src.name, evidence, None, None, confidence, key),)
    )


def json_urls(cell: str) -> list[str]:
    """A cell holding a JSON array of URLs (strings or {url: ...}); a plain URL is kept as is."""
    cell = cell.strip()
    if not cell.startswith("["):
        return [cell] if cell else []
    try:
        value = json.loads(cell)
    except (ValueError, RecursionError):
        return []
    if not isinstance(value, list):
        return []
    out: list[str] = []
    for entry in value:
        if isinstance(entry, str):
            out.append(entry)
        elif isinstance(entry, dict) and isinstance(entry.get("url"), str):
            out.append(entry["url"])
    return out


def skip(where: str, reason: str) -> Record:
    return Record(where, skipped=reason)


def vault_state(*, trashed: Any = False, archived: Any = False) -> str | None:
    """A login's ``state`` evidence: "trashed", else "archived", else None (in use)."""
    return "trashed" if trashed else ("archived" if archived else None)


def member_named(names: Iterable[str], name: str) -> str | None:
    """The archive member whose base name is ``name`` nearest the top (the shortest path)."""
    found = [n for n in names if n.rsplit("/", 1)[-1] == name]
    return min(found, key=len) if found else None


class LoginImporter(Importer):
    """An importer whose records are vault logins."""

    @cached_property
    def login(self) -> Callable[..., Record]:
        """``login(src, where, **fields)``: :func:`login_record` with this importer's format and
        label (a partial: no extra Python call per login)."""
        return partial(login_record, self.format, self.label)


class JsonVaultImporter(LoginImporter):
    """A JSON export: ``items`` lists its entries, ``item`` reads one (an object) as a record."""

    def parse(self, src: Input, progress: Progress, cancel: CancelToken | None = None) -> Iterator[Item]:
        for n, item in enumerate(self.items(src, src.load_json()), 1):
            if cancel is not None and n % 512 == 0:
                cancel.check()
            where = f"item {n}"
            if not isinstance(item, dict):
                yield RecordError(where, "not an item object; skipped")
            else:
                yield self.item(src, where, item)

    @abstractmethod
    def items(self, src: Input, doc: Any) -> Iterable[Any]:
        """The document's entries; SourceError when it is not an export of this format."""

    @abstractmethod
    def item(self, src: Input, where: str, item: dict[str, Any]) -> Record | RecordError:
        """One entry as a login record, a skip (not a login) or an error."""
