"""From a URL, host or email address to a registrable domain, and from there to an organization.

The Public Suffix List comes from the ``publicsuffixlist`` package's bundled copy: nothing is
downloaded, ever.
"""

from __future__ import annotations

import ipaddress
import re
import sqlite3
from functools import lru_cache
from urllib.parse import urlsplit

_psl = None
_WEB_SCHEMES = frozenset({"http", "https", "ftp", "ftps", "ws", "wss"})
_ANDROID = re.compile(r"^(?:androidapp|android-app)://([^/?#]+)|^android://(?:[^@/]*@)?([^/?#]+)", re.I)
_HOST_OK = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)+$")


def _get_psl() -> object:
    global _psl
    if _psl is None:
        from publicsuffixlist import PublicSuffixList

        _psl = PublicSuffixList()
    return _psl


def _ip_literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


@lru_cache(maxsize=200_000)
def domain_of_host(host: str) -> str | None:
    """Registrable domain (eTLD+1) of a host name; IP literals are kept as they are."""
    host = host.strip().rstrip(".").lower()
    if not host:
        return None
    ip = _ip_literal(host)
    if ip is not None:
        return ip
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return None
    if not _HOST_OK.match(host):
        return None
    result = _get_psl().privatesuffix(host)  # type: ignore[attr-defined]
    return result if isinstance(result, str) else None


def android_package_domain(package: str) -> str | None:
    """``com.spotify.music`` -> ``spotify.com`` (reverse the labels, then eTLD+1). A heuristic."""
    labels = [label for label in package.strip().lower().split(".") if label]
    if len(labels) < 2:
        return None
    return domain_of_host(".".join(reversed(labels)))


def android_package(url: str) -> str | None:
    """The package name of an Android app URL (androidapp://, android-app://, android://hash@pkg/)."""
    match = _ANDROID.match(url.strip())
    if not match:
        return None
    return (match.group(1) or match.group(2)).lower()


def registrable_domain(value: str | None) -> str | None:
    """Registrable domain of a URL, bare host, ``host/path``, email address or Android app URL.

    Returns None for host-less or non-web values (``""``, ``http://``, ``chrome://...``).
    """
    if not value:
        return None
    value = value.strip()
    if not value:
        return None
    package = android_package(value)
    if package is not None:
        return android_package_domain(package)
    if (
        "://" not in value
        and re.match(r"^[a-z][a-z0-9+.-]*:", value, re.I)
        and not re.match(r"^[^:/@]+:\d", value)
    ):
        return None  # mailto:, about:, javascript: ... but not host:port
    if "@" in value and "://" not in value and "/" not in value:
        return domain_of_host(value.rsplit("@", 1)[1])
    if "://" in value:
        scheme = value.split("://", 1)[0].lower()
        if scheme not in _WEB_SCHEMES:
            return None
        url = value
    else:
        url = "http://" + value
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return domain_of_host(host) if host else None


class Matcher:
    """Maps registrable domains to organization ids, from the ``org_domain`` table."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._by_domain: dict[str, int] = {
            row[0]: row[1] for row in conn.execute("SELECT domain, org_id FROM org_domain")
        }

    def add(self, domain: str, org_id: int) -> None:
        self._by_domain[domain] = org_id

    def match_domain(self, domain: str | None) -> int | None:
        """Organization id for a domain: exact entry first, then its registrable domain."""
        if not domain:
            return None
        found = self._by_domain.get(domain)
        if found is not None:
            return found
        base = domain_of_host(domain)
        return self._by_domain.get(base) if base else None

    def match(self, value: str | None) -> int | None:
        """Organization id for a URL, host or email address, or None."""
        return self.match_domain(registrable_domain(value))
