"""From a URL, host or email address to a registrable domain, and from there to an organization.

The Public Suffix List comes from the ``publicsuffixlist`` package's bundled copy: nothing is
downloaded, ever.
"""

from __future__ import annotations

import ipaddress
import os
import re
import sqlite3
from collections.abc import Iterable
from functools import lru_cache
from itertools import repeat
from urllib.parse import urlsplit

_psl = None
_WEB_SCHEMES = frozenset({"http", "https", "ftp", "ftps", "ws", "wss"})
_ANDROID = re.compile(r"^(?:androidapp|android-app)://([^/?#]+)|^android://(?:[^@/]*@)?([^/?#]+)", re.I)
_HOST_OK = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)+$")
_LABEL_OK = re.compile(r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?")


def _get_psl() -> object:
    global _psl
    if _psl is None:
        from publicsuffixlist import PublicSuffixList

        _psl = PublicSuffixList()
    return _psl


# The list as one dict, suffix -> rule kind (0 exception, 1 wildcard, 2 exact; the first kind
# wins, as publicsuffixlist checks them): one dict look-up per label instead of three string
# concatenations and set look-ups. Built from the same parsed list; same answers.
_EXCEPTION, _WILDCARD, _EXACT = 0, 1, 2
_rules: dict[str, int] | None = None
_maxlabel = 0
# The same rules without the IDNA (``xn--``) forms of the list's non-ASCII entries: converting
# those is most of the cost of reading the list, and only a host with an ``xn--`` label can end
# in one of them, so every other host gets the same answer from these (see _rules_for).
_ascii_rules: dict[str, int] | None = None


def _rules_from(listed: Iterable[str]) -> dict[str, int]:
    """suffix -> rule kind for the list's entries (``!`` exceptions, ``*.`` wildcards, exact)."""
    entries = set(listed)
    # Most entries are exact: made at once, then the few others put right (a loop over
    # ten thousand entries with three string tests each was a tenth of loading the list).
    special = [entry for entry in entries if entry[:1] == "!" or entry[:2] == "*."]
    rules = dict.fromkeys(entries.difference(special), _EXACT)
    for entry in special:
        if entry[0] == "!":
            key, kind = entry[1:], _EXCEPTION
        else:
            key, kind = entry[2:], _WILDCARD
        if kind < rules.get(key, 3):
            rules[key] = kind
    return rules


def _psl_file() -> str | None:
    """The bundled list's path, found without importing publicsuffixlist (which builds its
    own parser on import)."""
    from importlib.util import find_spec

    try:
        spec = find_spec("publicsuffixlist")
    except (ImportError, ValueError):
        spec = None
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        candidate = os.path.join(folder, "public_suffix_list.dat")
        if os.path.isfile(candidate):
            return candidate
    try:
        from publicsuffixlist import PSLFILE
    except ImportError:
        return None
    return str(PSLFILE)


#: A line's first space-separated word, on a line that is not a ``//`` comment.
_PSL_ENTRY = re.compile(r"^(?!//)([^ \n]+)", re.M)


def _read_list(idna: bool = True) -> tuple[set[str], int] | None:
    """The entries of the package's bundled list, parsed as publicsuffixlist parses them
    (without the IDNA forms of the non-ASCII entries if not ``idna``).

    Reading it here skips the IDNA round trip the package makes for every (ASCII) entry, which
    is most of the cost of loading it; the entries are found by one regular expression over the
    text rather than line by line.
    """
    path = _psl_file()
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8", errors="replace", newline="") as handle:
            text = handle.read()
    except OSError:
        return None
    # publicsuffixlist: per line, ``line.lower().split(" ")[0].rstrip()``, comments and blank
    # lines dropped (a CR of a CRLF line ending goes with rstrip).
    entries = set(map(str.lower, map(str.rstrip, _PSL_ENTRY.findall(text))))
    entries.discard("")
    maxlabel = max(map(str.count, entries, repeat(".")), default=-1) + 1
    if idna:
        for entry in [entry for entry in entries if not entry.isascii()]:
            encoded = entry.lstrip("!").encode("idna").decode("ascii")
            entries.add("!" + encoded if entry[0] == "!" else encoded)
    return entries, maxlabel


def _get_rules() -> dict[str, int] | None:
    global _rules, _maxlabel
    if _rules is None:
        parsed = _read_list()
        if parsed is None:
            psl = _get_psl()
            suffixes = getattr(psl, "_publicsuffix", None)
            maxlabel = getattr(psl, "_maxlabel", None)
            if not isinstance(suffixes, frozenset | set) or not isinstance(maxlabel, int):
                return None  # another publicsuffixlist layout: use its own lookup
            parsed = (set(suffixes), maxlabel)
        _maxlabel = parsed[1]
        _rules = _rules_from(parsed[0])
    return _rules


def _rules_for(host: str) -> dict[str, int] | None:
    """The rules to look a lower-case host up in: every rule for a host with an ``xn--`` label
    (or once they are loaded anyway), else the rules without IDNA forms (same answers)."""
    global _ascii_rules, _maxlabel
    if _rules is not None or "xn--" in host:
        return _rules if _rules is not None else _get_rules()
    if _ascii_rules is None:
        parsed = _read_list(idna=False)
        if parsed is None:
            return _get_rules()
        rules = _rules_from(parsed[0])
        _maxlabel = parsed[1]  # the same for both lists (set before the rules are seen)
        _ascii_rules = rules
    return _ascii_rules


@lru_cache(maxsize=65_536)
def _parent_suffix(host: str) -> str | None:
    """eTLD+1 of a lower-case ASCII host, None when it is not a valid host (cached: hosts share parents)."""
    return _private_suffix(host) if _HOST_OK.match(host) else None


def _private_suffix(host: str) -> str | None:
    """eTLD+1 of a valid lower-case host: publicsuffixlist's privatesuffix(), faster.

    A host that is not itself a rule has its parent's answer whenever the parent has one (the
    longest matching rule is the same, and a parent with an answer did not match a wildcard as
    a whole), so ``a.b.example.co.uk`` costs a cached look-up once ``b.example.co.uk`` is known.
    """
    rules = _rules_for(host)
    if rules is None:
        result = _get_psl().privatesuffix(host)  # type: ignore[attr-defined]
        return result if isinstance(result, str) else None
    dot = host.find(".")
    if dot > 0 and host not in rules:
        parent = host[dot + 1 :]
        if host.find(".", dot + 1) > 0:
            found = _parent_suffix(parent)  # the host is valid: so is its parent
            if found is not None:
                return found
        if rules.get(parent) == _EXACT:
            # The longest rule the host matches is its parent, a plain rule (no wildcard or
            # exception for it): the host itself is the registrable domain.
            return host
    labels = host.split(".")
    count = len(labels)
    if count < 2:
        return None
    starts = []
    position = 0
    for label in labels:
        starts.append(position)
        position += len(label) + 1
    public = 1  # an unknown TLD counts as public (accept_unknown)
    for index in range(max(0, count - _maxlabel - 1), count):
        kind = rules.get(host[starts[index] :])
        if kind is None:
            continue
        depth = count - index
        if kind == _EXCEPTION:
            public = depth - 1
        elif kind == _WILDCARD:
            public = depth + 1 if index > 0 else depth
        else:
            public = depth
        break
    if not public or count < public + 1:
        return None
    return host[starts[count - public - 1] :]


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
    if ":" in host or host[-1].isdigit() or host[0] == "[":  # only these can be IP literals
        ip = _ip_literal(host)
        if ip is not None:
            return ip
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return None
    # Fast path: a valid first label under a valid parent that has an answer (and the host is
    # not itself a rule) shares the parent's answer; the parent's is cached. Same results as
    # the full check below, which every other host takes.
    dot = host.find(".")
    # (An ASCII letters-and-digits label is valid: the common case, without the expression.)
    if (
        dot > 0
        and host.find(".", dot + 1) > 0
        and (host[:dot].isalnum() or _LABEL_OK.fullmatch(host, 0, dot))
    ):
        rules = _rules_for(host)
        if rules is not None and host not in rules:
            found = _parent_suffix(host[dot + 1 :])
            if found is not None:
                return found
    if not _HOST_OK.match(host):
        return None
    return _private_suffix(host)


def plain_host_domain(host: str) -> str | None:
    """:func:`domain_of_host` of a lower-case host made of ASCII letters, digits, dots and
    hyphens (a plain web URL's host): a host under a parent whose answer is known costs a few
    string operations, without domain_of_host's other checks and without an entry in its
    cache (the caller caches by URL). Same answers; anything else goes to domain_of_host."""
    dot = host.find(".")
    if (
        dot > 0
        and host.find(".", dot + 1) > 0
        and not host[-1].isdigit()  # an IPv4 address
        and host[-1] != "."
        and host[:dot].isalnum()
    ):
        rules = _rules_for(host)
        if rules is not None and host not in rules:
            found = _parent_suffix(host[dot + 1 :])
            if found is not None:
                return found
    return domain_of_host(host)


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
