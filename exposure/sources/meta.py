"""Meta "Download your information" (Facebook and Instagram, JSON): who got your data.

- connected apps and websites (apps that received Facebook Login data),
- activity off Meta technologies (businesses that sent your activity to Meta),
- advertisers using your activity or information (custom audiences: uploaded lists, remarketing).

Files are found by their path suffix (newer downloads nest them under
``your_activity_across_facebook/``). Every string in these files is mojibake (each UTF-8 byte
escaped as a code point); :func:`fix_mojibake` repairs it. Names are companies, not domains:
the finding names the company in ``evidence[NAME_KEY]`` and ``services.import_file`` matches it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from exposure.catalog.match import registrable_domain
from exposure.core.progress import CancelToken
from exposure.sources.base import NAME_KEY, Input, Item, Record, RecordError
from exposure.sources.download import DownloadImporter
from exposure.sources.passwords.common import iso_from_epoch, text

_APPS = ("connected_apps_and_websites.json", "apps_and_websites.json")
_OFF_META = ("your_activity_off_meta_technologies.json", "your_off-facebook_activity.json")
_ADVERTISERS = ("advertisers_using_your_activity_or_information.json",)
_UPLOADED = ("advertisers_who_uploaded_a_contact_list_with_your_information.json",)


def fix_mojibake(value: str) -> str:
    """Undo Meta's escaping of UTF-8 bytes as code points (``Caf\\u00c3\\u00a9`` -> ``Café``)."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def is_meta_member(name: str) -> bool:
    return "ads_information/" in name or "apps_and_websites_off_of_" in name


def _kind_of(name: str) -> str | None:
    base = name.rsplit("/", 1)[-1]
    for kind, names in (
        ("apps", _APPS),
        ("off_meta", _OFF_META),
        ("ads", _ADVERTISERS),
        ("uploaded", _UPLOADED),
    ):
        if base in names:
            return kind
    return None


def _name_domain(name: str) -> str | None:
    """A name that is a web address (``argos.co.uk``) names its domain too."""
    if " " in name or "." not in name:
        return None
    return registrable_domain(name)


class MetaDownload(DownloadImporter):
    format = "meta_dyi"
    label = "Meta download"
    nothing_found = "no apps, off-Meta activity or advertiser files in this Meta download"
    nothing_found_hint = (
        "request the download in JSON format with 'Apps and websites off of Facebook' "
        "and 'Ads information' selected"
    )

    def role(self, name: str) -> str | None:
        return _kind_of(name)

    def read(
        self, src: Input, member: str, kind: str, doc: Any, cancel: CancelToken | None
    ) -> Iterator[Item]:
        platform = "Instagram" if "instagram" in member.lower() else "Facebook"
        entries: Any = None
        if isinstance(doc, dict):
            for key in (
                "installed_apps_v2",
                "off_facebook_activity_v2",
                "custom_audiences_all_types_v2",
                "ig_custom_audiences_all_types",
                "custom_audiences_v2",
                "apps_and_websites_off_meta",
            ):
                if isinstance(doc.get(key), list):
                    entries = doc[key]
                    break
            if entries is None:  # unknown wrapper key: take the first list
                entries = next((v for v in doc.values() if isinstance(v, list)), None)
        elif isinstance(doc, list):
            entries = doc
        if entries is None:
            yield RecordError(member, "no list of entries in this file; skipped")
            return
        short = member.rsplit("/", 1)[-1]
        for n, entry in enumerate(entries, 1):
            where = f"{short} entry {n}"
            try:
                yield self._entry(src, where, kind, platform, entry)
            except (TypeError, ValueError, AttributeError, KeyError):
                yield RecordError(where, "unexpected entry shape; skipped")

    def _entry(self, src: Input, where: str, kind: str, platform: str, entry: Any) -> Record | RecordError:
        evidence: dict[str, Any] = {"platform": platform}
        first = last = None
        if kind == "apps":
            if not isinstance(entry, dict):
                return RecordError(where, "not an app entry; skipped")
            name = entry.get("name")
            evidence["kind"] = "connected app"
            status = text(entry.get("category"))
            if status:
                evidence["status"] = status
            first = iso_from_epoch(entry.get("added_timestamp"))
            removed = iso_from_epoch(entry.get("removed_timestamp"))
            if removed:
                evidence["removed"] = removed
            last = removed or first
            confidence = 0.85
        elif kind == "off_meta":
            if not isinstance(entry, dict):
                return RecordError(where, "not an activity entry; skipped")
            name = entry.get("name") or entry.get("title")
            times = _event_times(entry)
            evidence["kind"] = "off-Meta activity"
            evidence["events"] = len(times)
            if times:
                first, last = iso_from_epoch(min(times)), iso_from_epoch(max(times))
            confidence = 0.7
        elif kind == "uploaded":
            name = entry if isinstance(entry, str) else None
            evidence["kind"] = "advertiser: uploaded a list with your information"
            confidence = 0.8
        else:  # ads
            if isinstance(entry, str):
                name, uploaded, others = entry, False, []
            elif isinstance(entry, dict):
                name = entry.get("advertiser_name")
                uploaded = entry.get("has_data_file_custom_audience") is True
                others = [
                    label
                    for key, label in (
                        ("has_remarketing_custom_audience", "remarketing"),
                        ("has_in_person_store_visit", "store visit"),
                    )
                    if entry.get(key) is True
                ]
            else:
                return RecordError(where, "not an advertiser entry; skipped")
            how = (["uploaded a list with your information"] if uploaded else []) + others
            evidence["kind"] = "advertiser" + (": " + ", ".join(how) if how else "")
            confidence = 0.8 if uploaded else 0.5
        if not isinstance(name, str) or not name.strip():
            return Record(where, skipped="entry without a name")
        company = " ".join(fix_mojibake(name).split())[:200]
        evidence[NAME_KEY] = company
        finding = self.finding(
            src,
            evidence,
            domain=_name_domain(company),
            first_seen=first,
            last_seen=last,
            confidence=confidence,
            key=f"{platform}|{evidence['kind']}|{company}",
        )
        return Record(where, findings=(finding,))


def _event_times(entry: dict[str, Any]) -> list[float]:
    times: list[float] = []
    events = entry.get("events")
    if isinstance(events, list):
        times += [e["timestamp"] for e in events if isinstance(e, dict) and _is_time(e.get("timestamp"))]
    labels = entry.get("label_values")
    if isinstance(labels, list):  # the newest shape
        for label in labels:
            vec = label.get("vec") if isinstance(label, dict) else None
            for event in vec if isinstance(vec, list) else []:
                parts = event.get("dict") if isinstance(event, dict) else None
                for part in parts if isinstance(parts, list) else []:
                    if isinstance(part, dict) and _is_time(part.get("timestamp_value")):
                        times.append(part["timestamp_value"])
    return times


def _is_time(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def is_meta_dir(path: Path) -> bool:
    return any(
        (path / sub).is_dir()
        for sub in (
            "ads_information",
            "apps_and_websites_off_of_facebook",
            "your_activity_across_facebook",
            "apps_and_websites_off_of_instagram",
        )
    )
