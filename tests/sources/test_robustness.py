"""CSV robustness: encodings, delimiters, quoted newlines, ragged and bad rows, header variants."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from exposure.core.errors import SourceError
from tests.sources.helpers import EXPECTED, EXPORTS, parse, write

CHROME = (EXPORTS / "chrome.csv").read_text(encoding="utf-8")
CHROME_PAIRS = EXPECTED["chrome.csv"]


def _pairs(path: Path) -> list[list[str | None]]:
    return parse(path).pairs


class TestEncodings:
    def test_utf8_with_bom(self, tmp_path: Path) -> None:
        path = write(tmp_path, "a.csv", codecs.BOM_UTF8 + CHROME.encode("utf-8"))
        assert _pairs(path) == CHROME_PAIRS

    @pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
    def test_utf16_with_bom(self, tmp_path: Path, codec: str) -> None:
        bom = {"utf-16": b"", "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}[codec]
        path = write(tmp_path, "a.csv", bom + CHROME.encode(codec))
        parsed = parse(path)
        assert parsed.format == "chrome_csv"
        assert parsed.pairs == CHROME_PAIRS
        titles = {f.evidence.get("title") for f in parsed.findings}
        assert "Spotify – Musik & Podcasts" in titles

    def test_cp1252(self, tmp_path: Path) -> None:
        text = "name,url,username,password\r\nCafé,https://www.cafe.fr/,zoë@example.org,pässword\r\n"
        path = write(tmp_path, "a.csv", text, encoding="cp1252")
        finding = parse(path).findings[0]
        assert finding.identifier == "zoë@example.org"
        assert finding.evidence["title"] == "Café"

    def test_cp1252_byte_late_in_a_large_file(self, tmp_path: Path) -> None:
        rows = "".join(f"site{i},https://site{i}.example.com/,user{i},pw\n" for i in range(3000))
        data = ("name,url,username,password\n" + rows).encode(
            "ascii"
        ) + "Zürich,https://zurich.ch/,zoë,pw\n".encode("cp1252")
        path = write(tmp_path, "a.csv", data)
        parsed = parse(path)
        assert len(parsed.findings) == 3001
        assert ("zurich.ch", "zoë") in {(f.domain, f.identifier) for f in parsed.findings}

    def test_undefined_cp1252_bytes_do_not_break(self, tmp_path: Path) -> None:
        data = b"name,url,username,password\nx\x81y,https://a.example.com/,u\x8d,pw\n"
        assert parse(write(tmp_path, "a.csv", data)).pairs == [["example.com", "u\ufffd"]]


class TestDelimiters:
    @pytest.mark.parametrize("delimiter", [";", "\t"])
    def test_spreadsheet_resaves(self, tmp_path: Path, delimiter: str) -> None:
        import csv
        import io

        rows = list(csv.reader(io.StringIO(CHROME, newline="")))
        out = io.StringIO()
        csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
        parsed = parse(write(tmp_path, "a.csv", out.getvalue()))
        assert parsed.format == "chrome_csv"
        assert parsed.pairs == CHROME_PAIRS

    def test_excel_trailing_empty_header_columns(self, tmp_path: Path) -> None:
        text = "name;url;username;password;note;;\nA;https://a.example.com/;alice;pw;;;\n"
        assert _pairs(write(tmp_path, "a.csv", text)) == [["example.com", "alice"]]


class TestRows:
    def test_quoted_newlines_and_commas_keep_rows_apart(self, tmp_path: Path) -> None:
        text = (
            'name,url,username,password,note\nA,https://a.com/,u1,"p,\n1","n\n\nx"\nB,https://b.com/,u2,p,\n'
        )
        parsed = parse(write(tmp_path, "a.csv", text))
        assert parsed.pairs == [["a.com", "u1"], ["b.com", "u2"]]
        assert [r.where for r in parsed.records] == ["row 2", "row 3 (line 6)"]

    def test_short_rows_are_padded(self, tmp_path: Path) -> None:
        text = "name,url,username,password,note\nA,https://a.com/,u1\n"
        assert _pairs(write(tmp_path, "a.csv", text)) == [["a.com", "u1"]]

    def test_blank_lines_and_header_only(self, tmp_path: Path) -> None:
        text = "name,url,username,password\n\n\nA,https://a.com/,u1,p\n\n"
        assert _pairs(write(tmp_path, "a.csv", text)) == [["a.com", "u1"]]
        assert parse(write(tmp_path, "b.csv", "name,url,username,password\n")).records == []

    def test_half_bad_file_keeps_good_rows_and_names_bad_ones(self, tmp_path: Path) -> None:
        # Dashlane puts url after password and note: an unquoted comma there shifts it.
        text = (
            "username,username2,username3,title,password,note,url,category,otpSecret\n"
            "alice,,,A,pw,,https://a.com/,,\n"
            "bob,,,B,secret,with,comma,https://b.com/,,\n"
            "carol,,,C,pw,,https://c.com/,,\n"
        )
        parsed = parse(write(tmp_path, "a.csv", text))
        assert parsed.pairs == [["a.com", "alice"], ["c.com", "carol"]]
        assert len(parsed.errors) == 1
        error = parsed.errors[0]
        assert error.where == "row 3"
        assert "10 fields" in error.message and "header has 9" in error.message
        assert "secret" not in error.message and "comma" not in error.message.replace("unquoted comma", "")

    def test_extra_cells_beyond_the_header_are_an_error_even_when_empty(self, tmp_path: Path) -> None:
        # A shifted row often ends in an empty cell: it is reported, not guessed at.
        text = "name,url,username,password,note\nA,https://a.com/,u1,p,,\nB,https://b.com/,u2,p,\n"
        parsed = parse(write(tmp_path, "a.csv", text))
        assert parsed.pairs == [["b.com", "u2"]]
        assert [e.where for e in parsed.errors] == ["row 2"]

    def test_lastpass_unquoted_comma_is_recovered_from_both_ends(self, tmp_path: Path) -> None:
        text = (
            "url,username,password,totp,extra,name,grouping,fav\n"
            "https://a.com/,alice,pa,ss,,note, with comma,Site A,Group,0\n"
        )
        parsed = parse(write(tmp_path, "a.csv", text))
        assert parsed.pairs == [["a.com", "alice"]]
        assert parsed.findings[0].evidence["title"] == "Site A"

    def test_nul_bytes_do_not_escape(self, tmp_path: Path) -> None:
        text = "name,url,username,password\nA\x00,https://a.com/,u\x00x,p\n"
        parsed = parse(write(tmp_path, "a.csv", text))
        assert parsed.findings and parsed.findings[0].identifier is None  # control chars: not an identifier

    def test_roboform_escape_and_bookmark(self) -> None:
        parsed = parse(EXPORTS / "roboform.csv")
        assert ["facebook.com", "@alice.example"] in parsed.pairs
        assert "bookmark" in parsed.skipped


class TestHeaders:
    def test_exact_case_separates_safari_from_1password(self, tmp_path: Path) -> None:
        safari_old = "Title,Url,Username,Password\nA,https://a.com/,u,p\n"
        assert parse(write(tmp_path, "s.csv", safari_old)).format == "apple_passwords_csv"
        onepw = (
            "Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes\nA,https://a.com/,u,p,,,,,\n"
        )
        assert parse(write(tmp_path, "o.csv", onepw)).format == "1password8_csv"

    def test_lower_case_lookalike_is_not_an_export(self, tmp_path: Path) -> None:
        with pytest.raises(SourceError, match="not a supported export"):
            parse(write(tmp_path, "x.csv", "title,URL,username,password\nA,https://a.com/,u,p\n"))

    @pytest.mark.parametrize(
        ("header", "row", "fmt"),
        [
            ("url,username,password,extra,name,grouping,fav", "https://a.com/,u,p,,A,,0", "lastpass_csv"),
            (
                "collections,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp",
                ",login,A,,,0,https://a.com/,u,p,",
                "bitwarden_csv",
            ),
            (
                '"Group","Title","Username","Password","URL","Notes"',
                '"Root","A","u","p","https://a.com/",""',
                "keepassxc_csv",
            ),
            (
                "type,name,url,username,password,note,totp,createTime,modifyTime",
                "login,A,https://a.com/,u,p,,,1600000000,1600000000",
                "protonpass_csv",
            ),
            ("name,url,username,password", "A,https://a.com/,u,p", "chrome_csv"),
            (
                "Name,Url,MatchUrl,Login,Pwd,Note,Folder,Rf_fields",
                "A,https://a.com/,,u,p,,,",
                "roboform_csv",
            ),
        ],
    )
    def test_older_headers(self, tmp_path: Path, header: str, row: str, fmt: str) -> None:
        parsed = parse(write(tmp_path, "a.csv", f"{header}\n{row}\n"))
        assert parsed.format == fmt
        assert parsed.pairs == [["a.com", "u"]]

    def test_firefox_with_a_new_column_is_read_as_a_superset(self, tmp_path: Path) -> None:
        header = '"url","username","password","httpRealm","formActionOrigin","guid","timeCreated","timeLastUsed","timePasswordChanged","newColumn"'
        row = '"https://a.com","u","p",,"https://a.com","{g}","1","1","1","x"'
        parsed = parse(write(tmp_path, "a.csv", f"{header}\r\n{row}"))
        assert parsed.format == "firefox_csv" and parsed.pairs == [["a.com", "u"]]

    def test_nordpass_legacy_header(self, tmp_path: Path) -> None:
        header = "name,url,username,password,note,cardholdername,cardnumber,cvc,expirydate,zipcode,folder,full_name,phone_number,email,address1,address2,city,country,state,type"
        row = "A,https://a.com/,u,p" + "," * 16 + "password"
        parsed = parse(write(tmp_path, "a.csv", f"{header}\n{row}\n"))
        assert parsed.format == "nordpass_csv" and parsed.pairs == [["a.com", "u"]]

    def test_proton_without_email_column_reads_username(self, tmp_path: Path) -> None:
        header = "type,name,url,username,password,note,totp,createTime,modifyTime,vault"
        row = "login,A,https://a.com/,alice@example.com,p,,,1600000000,1600000001,Personal"
        parsed = parse(write(tmp_path, "a.csv", f"{header}\n{row}\n"))
        assert parsed.pairs == [["a.com", "alice@example.com"]]
        assert parsed.findings[0].first_seen == "2020-09-13T12:26:40+00:00"

    def test_keepassxc_csv_recycle_bin(self, tmp_path: Path) -> None:
        header = '"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created"'
        row = '"Root/Recycle Bin","Old","u","p","https://a.com/","","","0","2021-03-14T09:26:53Z","2020-01-01T00:00:00Z"'
        finding = parse(write(tmp_path, "a.csv", f"{header}\n{row}\n")).findings[0]
        assert finding.evidence["state"] == "trashed"
        assert finding.first_seen == "2020-01-01T00:00:00+00:00"

    def test_forced_format_with_the_wrong_header_says_what_it_expected(self, tmp_path: Path) -> None:
        with pytest.raises(SourceError, match="expected the columns name,url,username,password") as caught:
            parse(EXPORTS / "lastpass.csv", format="chrome_csv")
        assert caught.value.format == "chrome_csv"
