"""Every fixture gives exactly its EXPECTED.json pairs; the must-refuse files are refused."""

from __future__ import annotations

import pytest

from exposure.core.errors import SourceError
from exposure.sources.base import Input
from exposure.sources.detect import detect
from tests.sources.helpers import EXPECTED, EXPORTS, parse

FORMATS: dict[str, str] = EXPECTED["_formats"]


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_fixture_gives_exactly_its_expected_pairs(name: str) -> None:
    parsed = parse(EXPORTS / name)
    assert parsed.format == FORMATS[name]
    assert parsed.pairs == EXPECTED[name]
    assert parsed.errors == []


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_url_less_logins_give_no_finding(name: str) -> None:
    parsed = parse(EXPORTS / name)
    no_domain = [i for i in EXPECTED["_no_domain"][name] if not i.startswith("<")]
    assert not {f.identifier for f in parsed.findings} & set(no_domain)
    assert "no web address" in parsed.skipped or name == "firefox.csv"  # Firefox has none
    if name == "firefox.csv":
        assert parsed.skipped == ["Firefox internal entry"]  # chrome://FirefoxAccounts
    assert all(f.domain for f in parsed.findings)


@pytest.mark.parametrize("name", sorted(EXPECTED["_must_refuse"]))
def test_must_refuse_files_are_refused_with_what_to_do(name: str) -> None:
    with pytest.raises(SourceError) as caught:
        detect(Input(EXPORTS / name))
    error = caught.value
    assert error.format in ("bitwarden_encrypted_json", "protonpass_pgp")
    assert "refused" in str(error) and "export again" in str(error)
    assert "\n" not in str(error)


def test_refusal_names_what_was_recognised() -> None:
    with pytest.raises(SourceError, match="password-protected Bitwarden"):
        detect(Input(EXPORTS / "bitwarden_password_protected.json"))
    with pytest.raises(SourceError, match="account-restricted"):
        detect(Input(EXPORTS / "bitwarden_encrypted.json"))
    with pytest.raises(SourceError, match="PGP-encrypted Proton Pass"):
        detect(Input(EXPORTS / "protonpass_encrypted.pgp"))


def test_the_takeout_mailbox_is_sent_to_the_mail_scanner() -> None:
    with pytest.raises(SourceError, match="exposure scan mail") as caught:
        detect(Input(EXPORTS / "takeout_mail.mbox"))
    assert caught.value.format == "mbox"


def test_meta_download_names_its_companies_with_mojibake_fixed() -> None:
    parsed = parse(EXPORTS / "facebook_dyi.zip")
    assert parsed.format == "meta_dyi"
    names = sorted({f.evidence["organization_name"] for f in parsed.findings})
    assert names == EXPECTED["_account_exports"]["facebook_dyi.zip"]["companies"]
    # a name that is a web address also gives its domain
    assert {f.domain for f in parsed.findings if f.domain} == {"argos.co.uk"}


class TestEvidence:
    def test_titles_dates_and_hosts_are_kept(self) -> None:
        findings = {f.domain: f for f in parse(EXPORTS / "bitwarden.json").findings}
        spotify = findings["spotify.com"]
        assert spotify.evidence["title"] == "Spotify"
        assert spotify.evidence["created"] == "2021-03-14T09:26:53+00:00"
        assert spotify.evidence["modified"] == "2023-11-02T18:04:11+00:00"
        assert spotify.first_seen == "2021-03-14T09:26:53+00:00"
        assert spotify.evidence["host"] == "accounts.spotify.com"
        assert spotify.evidence["file"] == "bitwarden.json"
        assert spotify.evidence["format"] == "Bitwarden JSON"
        # the same item's Android URI keeps its package as evidence
        assert spotify.evidence["android_package"] == "com.spotify.music"
        assert findings["microsoftonline.com"].evidence["title"] == "Büro – Microsoft 365"

    def test_android_app_keeps_its_package_and_is_less_sure(self) -> None:
        findings = {(f.domain, f.identifier): f for f in parse(EXPORTS / "chrome.csv").findings}
        app = findings[("spotify.com", "alice.mobile@example.com")]
        assert app.evidence["android_package"] == "com.spotify.music"
        assert "host" not in app.evidence
        assert app.confidence < findings[("spotify.com", "alice@example.com")].confidence

    def test_ip_literal_is_kept_with_low_confidence(self) -> None:
        router = next(f for f in parse(EXPORTS / "chrome.csv").findings if f.domain == "192.168.1.1")
        assert router.identifier == "admin" and router.confidence <= 0.5

    @pytest.mark.parametrize("name", ["keepass2.xml", "keepassxc.xml"])
    def test_keepass_xml_dates_iso_and_base64_agree_and_history_is_skipped(self, name: str) -> None:
        parsed = parse(EXPORTS / name)
        spotify = next(f for f in parsed.findings if f.domain == "spotify.com")
        assert spotify.evidence["created"] == "2021-03-14T09:26:53+00:00"
        assert spotify.evidence["modified"] == "2023-11-02T18:04:11+00:00"
        assert all("spotify-old" not in (f.evidence.get("host") or "") for f in parsed.findings)
        assert "spotify-old.example" not in {f.domain for f in parsed.findings}

    @pytest.mark.parametrize("name", ["keepass2.xml", "keepassxc.xml"])
    def test_recycle_bin_logins_are_reported_as_trashed(self, name: str) -> None:
        states = {f.domain: f.evidence.get("state") for f in parse(EXPORTS / name).findings}
        assert "trashed" in states.values()
        trashed = [d for d, s in states.items() if s == "trashed"]
        assert trashed  # and they are still findings
        assert all(d in {p[0] for p in EXPECTED[name]} for d in trashed)

    def test_archived_and_trashed_items_count(self) -> None:
        onepux = {f.domain: f for f in parse(EXPORTS / "1password.1pux").findings}
        assert onepux["facebook.com"].evidence["state"] == "archived"
        onecsv = {f.domain: f for f in parse(EXPORTS / "1password.csv").findings}
        assert onecsv["facebook.com"].evidence["state"] == "archived"
        proton = parse(EXPORTS / "protonpass.json").findings
        assert any(f.evidence.get("state") == "trashed" for f in proton)

    def test_firefox_times_are_epoch_milliseconds(self) -> None:
        google = next(f for f in parse(EXPORTS / "firefox.csv").findings if f.domain == "google.com")
        assert google.first_seen == "2019-07-01T08:00:00+00:00"
        assert google.evidence["last_used"] == "2024-01-15T10:30:00+00:00"

    def test_enpass_deleted_field_is_ignored(self) -> None:
        domains = {f.domain for f in parse(EXPORTS / "enpass.json").findings}
        assert "spotify-old.example" not in domains

    def test_lastpass_values_are_html_unescaped(self) -> None:
        google = next(f for f in parse(EXPORTS / "lastpass.csv").findings if f.domain == "google.com")
        assert google.evidence["host"] == "accounts.google.com"

    def test_same_item_gives_the_same_key_in_two_exports(self) -> None:
        chrome = {f.key for f in parse(EXPORTS / "chrome.csv").findings}
        edge = {f.key for f in parse(EXPORTS / "edge.csv").findings}
        assert chrome == edge

    def test_no_finding_carries_a_secret_field(self) -> None:
        for name in FORMATS:
            for finding in parse(EXPORTS / name).findings:
                assert set(finding.evidence) <= {
                    "title",
                    "format",
                    "file",
                    "host",
                    "created",
                    "modified",
                    "last_used",
                    "state",
                    "android_package",
                }
