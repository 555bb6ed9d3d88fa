"""Google Takeout and Meta downloads: apps and advertisers that got the user's data."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from exposure.core.errors import SourceError
from exposure.sources.meta import fix_mojibake
from exposure.sources.takeout import MBOX_SKIPPED
from tests.sources.helpers import EXPORTS, parse


def _mojibake(text: str) -> str:
    return text.encode("utf-8").decode("latin-1")


TAKEOUT: dict[str, Any] = {
    "Takeout/Google Play Store/Installs.json": [
        {
            "install": {
                "doc": {"documentType": "Android Apps", "title": "Spotify"},
                "firstInstallationTime": "2019-04-02T10:00:00.000Z",
            }
        },
        {
            "install": {
                "doc": {"documentType": "Android Apps", "title": "Deezer Café"},
                "firstInstallationTime": "2018-01-01T00:00:00Z",
            }
        },
        {"install": {"doc": {"documentType": "Books", "title": "A Novel"}}},
        {"install": {}},
    ],
    "Takeout/Google Play Store/Purchase History.json": [
        {
            "purchaseHistory": {
                "invoicePrice": "£9.99",
                "paymentMethodTitle": "Visa-1111",
                "doc": {"documentType": "Android Apps", "title": "Spotify"},
                "purchaseTime": "2020-05-01T00:00:00Z",
            }
        },
    ],
    # localized folder names: matched by file name and shape
    "Takeout/Meine Aktivitäten/Werbung/MyActivity.json": [
        {
            "header": "Google Ads",
            "title": "Visited Argos",
            "titleUrl": "https://www.googleadservices.com/pagead/aclk?sa=L&ai=x&adurl=https://www.argos.co.uk/deals%3Fq%3D1",
            "details": [{"name": "From Google Ads"}],
            "time": "2023-11-24T09:00:00.000Z",
            "products": ["Search"],
        },
        {"header": "Search", "title": "Searched for private things", "time": "2023-11-24T09:00:00Z"},
    ],
    "Takeout/My Activity/Google Play Store/MyActivity.json": [
        {
            "header": "Google Play Store",
            "title": "Installed Spotify: Music and Podcasts",
            "titleUrl": "https://play.google.com/store/apps/details?id=com.spotify.music",
            "time": "2023-01-02T03:04:05.000Z",
            "products": ["Google Play Store"],
        }
    ],
}


def _write_takeout(root: Path, as_zip: bool, with_mail: bool = True) -> Path:
    members = {name: json.dumps(doc).encode() for name, doc in TAKEOUT.items()}
    if with_mail:
        members["Takeout/Mail/All mail Including Spam and Trash.mbox"] = (
            EXPORTS / "takeout_mail.mbox"
        ).read_bytes()
    if as_zip:
        path = root / "takeout-20240501T000000Z-001.zip"
        with zipfile.ZipFile(path, "w") as z:
            for name, data in members.items():
                z.writestr(name, data)
        return path
    for name, data in members.items():
        target = root / "extracted" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root / "extracted"


@pytest.mark.parametrize("as_zip", [True, False])
def test_takeout_apps_and_advertisers(tmp_path: Path, as_zip: bool) -> None:
    parsed = parse(_write_takeout(tmp_path, as_zip))
    assert parsed.format == "google_takeout"
    names = sorted(
        {f.evidence["organization_name"] for f in parsed.findings if "organization_name" in f.evidence}
    )
    assert names == ["Deezer Café", "Spotify"]
    domains = {f.domain: f for f in parsed.findings if f.domain}
    assert set(domains) == {"argos.co.uk", "spotify.com"}
    assert domains["argos.co.uk"].evidence["kind"] == "ad from Google Ads"
    assert domains["argos.co.uk"].confidence < 0.5
    assert domains["spotify.com"].evidence["android_package"] == "com.spotify.music"
    # the mailbox is left to the mail scanner, with a message saying how
    assert MBOX_SKIPPED in parsed.skipped
    assert "books" in parsed.skipped
    # nothing about prices, payment methods or searches is kept
    blob = json.dumps([f.evidence for f in parsed.findings])
    assert "9.99" not in blob and "Visa" not in blob and "private things" not in blob
    assert [e.where for e in parsed.errors] == []


def test_takeout_without_the_parts_we_read(tmp_path: Path) -> None:
    path = tmp_path / "takeout.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("Takeout/archive_browser.html", "<html></html>")
    with pytest.raises(SourceError, match="no Play Store, My Activity or Mail data"):
        parse(path)


def test_takeout_bad_member_is_reported_and_others_read(tmp_path: Path) -> None:
    path = tmp_path / "takeout.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("Takeout/Google Play Store/Installs.json", "[{broken")
        z.writestr(
            "Takeout/Google Play Store/Library.json",
            json.dumps([{"libraryDoc": {"doc": {"documentType": "Android Apps", "title": "Duolingo"}}}]),
        )
    parsed = parse(path)
    assert [f.evidence["organization_name"] for f in parsed.findings] == ["Duolingo"]
    assert len(parsed.errors) == 1 and "not valid JSON" in parsed.errors[0].message


def test_fix_mojibake() -> None:
    assert fix_mojibake("Caf\u00c3\u00a9") == "Café"
    assert fix_mojibake("M\u00c3\u00bcller") == "Müller"
    assert fix_mojibake("Café") == "Café"  # already right: left alone
    assert fix_mojibake("日本") == "日本"


def test_meta_fixture_kinds_and_confidence() -> None:
    findings = parse(EXPORTS / "facebook_dyi.zip").findings
    by_name = {(f.evidence["organization_name"], f.evidence["kind"]): f for f in findings}
    assert by_name[("Argos", "advertiser: uploaded a list with your information")].confidence == 0.8
    assert by_name[("Müller Drogerie", "advertiser: remarketing")].confidence == 0.5
    deezer = by_name[("Deezer Café Edition", "connected app")]
    assert deezer.evidence["status"] == "removed" and deezer.first_seen == "2015-12-13T09:46:40+00:00"
    assert by_name[("argos.co.uk", "off-Meta activity")].evidence["events"] == 1


def test_instagram_and_older_meta_shapes(tmp_path: Path) -> None:
    path = tmp_path / "instagram.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(
            "ads_information/instagram_ads_and_businesses/advertisers_using_your_activity_or_information.json",
            json.dumps(
                {
                    "ig_custom_audiences_all_types": [
                        {
                            "advertiser_name": _mojibake("Zalando Österreich"),
                            "has_data_file_custom_audience": True,
                        }
                    ]
                }
            ),
        )
        z.writestr(
            "ads_information/advertisers_who_uploaded_a_contact_list_with_your_information.json",
            json.dumps({"custom_audiences_v2": ["Old Advertiser", ""]}),
        )
        z.writestr(
            "apps_and_websites_off_of_instagram/apps_and_websites/your_activity_off_meta_technologies.json",
            json.dumps(
                [
                    {
                        "title": "shop.example.com",
                        "label_values": [
                            {
                                "label": "Events",
                                "vec": [{"dict": [{"label": "Received on", "timestamp_value": 1700000000}]}],
                            }
                        ],
                    }
                ]
            ),
        )
    parsed = parse(path)
    assert parsed.format == "meta_dyi"
    names = {f.evidence["organization_name"]: f for f in parsed.findings}
    assert set(names) == {"Zalando Österreich", "Old Advertiser", "shop.example.com"}
    assert names["Zalando Österreich"].evidence["platform"] == "Instagram"
    assert names["shop.example.com"].domain == "example.com"
    assert names["shop.example.com"].first_seen == "2023-11-14T22:13:20+00:00"
    assert parsed.skipped == ["entry without a name"]
