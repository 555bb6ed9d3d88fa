"""Google Takeout (zip or extracted folder): apps and advertisers that got your data.

- Google Play Store ``Installs.json``, ``Library.json``, ``Purchase History.json``: app and
  item names (names only: matched to organizations by ``services.import_file``).
- My Activity ``MyActivity.json`` (any product folder; folder names are localized, so files
  are found by name and shape): ads marked "From Google Ads" (the advertiser's site) and Play
  Store activity naming an app package (mapped to a domain like Android vault entries).
- ``Takeout/Mail/*.mbox`` is a mailbox: it is reported for the mail scanner, not read here.

Prices, payment methods, search terms and visited pages are never kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from exposure.catalog.match import android_package_domain, registrable_domain
from exposure.core.errors import SourceError
from exposure.core.progress import CancelToken
from exposure.sources.base import NAME_KEY, Input, Item, Record, RecordError, open_archive
from exposure.sources.download import DownloadImporter
from exposure.sources.passwords.common import clean_title, iso_from_text, text

_PLAY_FILES = {"Installs.json": "install", "Library.json": "library", "Purchase History.json": "purchase"}
_GOOGLE_AD_HOSTS = ("googleadservices.com", "doubleclick.net", "google.com", "googlesyndication.com")

#: How a Takeout mailbox is reported when no mail scanner takes it.
MBOX_SKIPPED = "a Gmail mailbox: scan it with `exposure scan mail` (extract it from the zip first)"


def is_takeout_member(name: str) -> bool:
    return name.startswith("Takeout/")


def is_takeout_dir(path: Path) -> bool:
    return (path / "Takeout").is_dir() or (
        path.name == "Takeout" and (path / "archive_browser.html").exists()
    )


def _role(name: str) -> str | None:
    base = name.rsplit("/", 1)[-1]
    if base in _PLAY_FILES:
        return _PLAY_FILES[base]
    if base == "MyActivity.json":
        return "activity"
    if base.endswith(".mbox") and "/Mail/" in f"/{name}":
        return "mbox"
    return None


class GoogleTakeout(DownloadImporter):
    format = "google_takeout"
    label = "Google Takeout"
    nothing_found = "no Play Store, My Activity or Mail data in this Takeout"
    nothing_found_hint = "export 'Google Play Store', 'My Activity' (JSON) and 'Mail' in Google Takeout"
    not_read = {"mbox": MBOX_SKIPPED}

    def role(self, name: str) -> str | None:
        return _role(name)

    def mailboxes(self, src: Input) -> list[str]:
        """The Gmail mbox members of this Takeout (for the mail scanner)."""
        try:
            archive = open_archive(src)
        except SourceError:
            return []
        try:
            return [name for name, role in self.members(archive) if role == "mbox"]
        finally:
            archive.close()

    def read(self, src: Input, name: str, role: str, doc: Any, cancel: CancelToken | None) -> Iterator[Item]:
        if not isinstance(doc, list):
            yield RecordError(name, "not a list of entries; skipped")
            return
        short = name.rsplit("/", 1)[-1]
        for n, entry in enumerate(doc, 1):
            if cancel is not None and n % 1024 == 0:
                cancel.check()
            where = f"{short} entry {n}"
            if not isinstance(entry, dict):
                yield RecordError(where, "not an entry object; skipped")
            elif role == "activity":
                yield self._activity(src, where, entry)
            else:
                yield self._play(src, where, role, entry)

    def _play(self, src: Input, where: str, role: str, entry: dict[str, Any]) -> Record:
        wrapper = {"install": "install", "library": "libraryDoc", "purchase": "purchaseHistory"}[role]
        inner = entry.get(wrapper)
        doc = inner.get("doc") if isinstance(inner, dict) else None
        if not isinstance(doc, dict):
            return Record(where, skipped="entry without an app")
        kind = text(doc.get("documentType"))
        if role != "purchase" and kind and kind != "Android Apps":
            return Record(where, skipped=kind.lower())
        title = clean_title(doc.get("title"))
        if not title:
            return Record(where, skipped="entry without a name")
        assert isinstance(inner, dict)
        when = iso_from_text(
            inner.get("firstInstallationTime") or inner.get("acquisitionTime") or inner.get("purchaseTime")
        )
        label = {
            "install": "Play Store install",
            "library": "Play Store library",
            "purchase": "Play Store purchase",
        }
        finding = self.finding(
            src,
            domain=None,
            evidence={NAME_KEY: title, "kind": label[role]},
            first_seen=when,
            last_seen=when,
            confidence=0.6 if role == "purchase" else 0.5,
            key=f"play|{title}",
        )
        return Record(where, findings=(finding,))

    def _activity(self, src: Input, where: str, entry: dict[str, Any]) -> Record:
        url = text(entry.get("titleUrl"))
        when = iso_from_text(entry.get("time"))
        details = entry.get("details")
        is_ad = isinstance(details, list) and any(
            isinstance(d, dict) and d.get("name") == "From Google Ads" for d in details
        )
        if is_ad:
            domain = _advertiser_domain(url)
            if not domain:
                return Record(where, skipped="ad without an advertiser address")
            finding = self.finding(
                src,
                domain=domain,
                evidence={"kind": "ad from Google Ads"},
                first_seen=when,
                last_seen=when,
                confidence=0.4,
                key=f"ad|{domain}",
            )
            return Record(where, findings=(finding,))
        package = _play_package(url)
        if package:
            domain = android_package_domain(package)
            if domain:
                finding = self.finding(
                    src,
                    domain=domain,
                    evidence={"kind": "Play Store activity", "android_package": package},
                    first_seen=when,
                    last_seen=when,
                    confidence=0.6,
                    key=f"app|{package}",
                )
                return Record(where, findings=(finding,))
        return Record(where, skipped="activity naming no third party")


def _advertiser_domain(url: str) -> str | None:
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    domain = registrable_domain(url)
    if domain in _GOOGLE_AD_HOSTS:
        target = parse_qs(parts.query).get("adurl", [""])[0]
        target_domain = registrable_domain(target) if target else None
        return target_domain if target_domain not in _GOOGLE_AD_HOSTS else None
    return domain


def _play_package(url: str) -> str | None:
    if "play.google.com" not in url or "id=" not in url:
        return None
    try:
        package = parse_qs(urlsplit(url).query).get("id", [""])[0].strip().lower()
    except ValueError:
        return None
    if not package or len(package) > 200 or not all(c.isalnum() or c in "._" for c in package):
        return None
    return package
