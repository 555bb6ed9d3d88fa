"""Detection is by content; encrypted exports are refused with what to do; non-exports are named."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from exposure.core.errors import SourceError, ValidationError
from exposure.sources.base import Input
from exposure.sources.detect import SUPPORTED, detect, formats, importer_for
from tests.sources.helpers import EXPECTED, EXPORTS, parse, write


def _refused(path: Path) -> SourceError:
    with pytest.raises(SourceError) as caught:
        detect(Input(path))
    return caught.value


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


class TestRefusals:
    def test_kdbx(self, tmp_path: Path) -> None:
        error = _refused(write(tmp_path, "vault.kdbx", bytes.fromhex("03d9a29a67fb4bb5") + b"\x00" * 100))
        assert error.format == "kdbx"
        assert "Export" in str(error) and "refused" in str(error)

    def test_kdbx_is_refused_whatever_its_name(self, tmp_path: Path) -> None:
        error = _refused(write(tmp_path, "passwords.csv", bytes.fromhex("03d9a29a67fb4bb5") + b"junk"))
        assert error.format == "kdbx"

    @pytest.mark.parametrize(
        ("name", "data"),
        [
            ("export.dash", b"\x01\x02" * 40),
            ("backup.bin", b"Dashlane secure archive\nData BEGIN\nQUJD\n"),
            ("old.aes", b"s" * 32 + b"KWC3" + b"\x00" * 40),
        ],
    )
    def test_dashlane_dash(self, tmp_path: Path, name: str, data: bytes) -> None:
        error = _refused(write(tmp_path, name, data))
        assert error.format == "dashlane_dash"
        assert "CSV" in str(error)

    def test_proton_zip_with_pgp_member(self, tmp_path: Path) -> None:
        path = _zip(tmp_path / "proton.zip", {"Proton Pass/data.pgp": b"-----BEGIN PGP MESSAGE-----\n"})
        error = _refused(path)
        assert error.format == "protonpass_pgp" and "without PGP encryption" in str(error)

    def test_the_refused_message_is_one_line(self) -> None:
        for name in EXPECTED["_must_refuse"]:
            assert "\n" not in str(_refused(EXPORTS / name))


class TestNotAnExport:
    @pytest.mark.parametrize(
        ("name", "data", "what"),
        [
            ("notes.txt", b"just some notes\nnothing here\n", "matches no known export header"),
            ("a.bin", bytes(range(256)) * 4, "binary file"),
            ("a.json", b'{"hello": "world"}', "JSON file that is not a known export"),
            ("a.xml", b"<?xml version='1.0'?><root/>", "XML file that is not a KeePass"),
            ("list.json", b"[1, 2, 3]", "JSON file"),
        ],
    )
    def test_names_the_supported_formats(self, tmp_path: Path, name: str, data: bytes, what: str) -> None:
        error = _refused(write(tmp_path, name, data))
        assert error.format is None
        assert what in str(error)
        assert SUPPORTED in str(error)

    def test_empty_file(self, tmp_path: Path) -> None:
        assert "empty" in str(_refused(write(tmp_path, "e.csv", b"")))

    def test_missing_file(self, tmp_path: Path) -> None:
        assert "no such file" in str(_refused(tmp_path / "nope.csv"))

    def test_plain_folder(self, tmp_path: Path) -> None:
        (tmp_path / "d").mkdir()
        assert "not an extracted Google Takeout or Meta" in str(_refused(tmp_path / "d"))

    def test_unknown_zip(self, tmp_path: Path) -> None:
        path = _zip(tmp_path / "x.zip", {"readme.txt": b"hi"})
        assert "zip archive that holds no known export" in str(_refused(path))

    def test_broken_zip(self, tmp_path: Path) -> None:
        data = (EXPORTS / "dashlane.zip").read_bytes()[:60]
        assert "cannot read the zip archive" in str(_refused(write(tmp_path, "d.zip", data)))

    def test_truncated_json_says_where(self, tmp_path: Path) -> None:
        data = (EXPORTS / "bitwarden.json").read_text()[:500]
        error = _refused(write(tmp_path, "b.json", data))
        assert "not valid JSON" in str(error) and "line" in str(error)

    def test_xml_with_doctype_is_not_parsed(self, tmp_path: Path) -> None:
        bomb = (
            '<?xml version="1.0"?><!DOCTYPE k [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            "<KeePassFile><Root><Group><Entry/></Group></Root></KeePassFile>"
        )
        error = _refused(write(tmp_path, "k.xml", bomb))
        assert "KeePass" in str(error)
        with pytest.raises(SourceError, match="DOCTYPE"):
            parse(tmp_path / "k.xml", format="keepass2_xml")


class TestByContent:
    def test_the_file_name_does_not_matter(self, tmp_path: Path) -> None:
        shutil.copy(EXPORTS / "chrome.csv", tmp_path / "export.json")
        shutil.copy(EXPORTS / "bitwarden.json", tmp_path / "vault.csv")
        assert parse(tmp_path / "export.json").format == "chrome_csv"
        assert parse(tmp_path / "vault.csv").format == "bitwarden_json"

    def test_bitwarden_zip(self, tmp_path: Path) -> None:
        data = (EXPORTS / "bitwarden.json").read_bytes()
        path = _zip(tmp_path / "bw.zip", {"data.json": data, "attachments/x/y.txt": b"secret file"})
        parsed = parse(path)
        assert parsed.format == "bitwarden_zip"
        assert parsed.pairs == EXPECTED["bitwarden.json"]
        assert parsed.findings[0].location == f"{path}:data.json"

    def test_bitwarden_zip_without_attachments_folder(self, tmp_path: Path) -> None:
        path = _zip(tmp_path / "bw.zip", {"data.json": (EXPORTS / "bitwarden.json").read_bytes()})
        assert parse(path).format == "bitwarden_zip"

    def test_bare_1pux_export_data(self, tmp_path: Path) -> None:
        with zipfile.ZipFile(EXPORTS / "1password.1pux") as z:
            data = z.read("export.data")
        parsed = parse(write(tmp_path, "export.data", data))
        assert parsed.format == "1password_1pux"
        assert parsed.pairs == EXPECTED["1password.1pux"]

    def test_json_with_utf8_bom(self, tmp_path: Path) -> None:
        data = b"\xef\xbb\xbf" + (EXPORTS / "enpass.json").read_bytes()
        assert parse(write(tmp_path, "e.json", data)).pairs == EXPECTED["enpass.json"]

    def test_bitwarden_item_types(self, tmp_path: Path) -> None:
        doc = {
            "encrypted": False,
            "items": [
                {"type": 2, "name": "note", "notes": "n"},
                {"type": 4, "name": "me", "identity": {"email": "x@y.com"}},
                {"type": 1, "name": "broken"},
                "not an item",
                {"type": 1, "name": "ok", "login": {"uris": [{"uri": "https://ok.com"}], "username": "u"}},
            ],
        }
        parsed = parse(write(tmp_path, "b.json", json.dumps(doc)))
        assert parsed.pairs == [["ok.com", "u"]]
        assert parsed.skipped == ["note", "identity"]
        assert [e.where for e in parsed.errors] == ["item 3", "item 4"]


def test_every_format_can_be_forced() -> None:
    assert len(formats()) == 21
    for fmt in formats():
        assert importer_for(fmt).format == fmt
    with pytest.raises(ValidationError, match="chrome_csv"):
        importer_for("nope")
