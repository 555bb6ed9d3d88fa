"""Property tests: random and corrupted input to every parser lets nothing escape but SourceError,
and no error message ever quotes a password from the input."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exposure.core.errors import SourceError
from exposure.core.progress import NullProgress
from exposure.sources.base import Input, RecordError
from exposure.sources.detect import ALL_IMPORTERS, detect
from exposure.sources.passwords import CSV_IMPORTERS
from tests.sources.helpers import EXPECTED, EXPORTS

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FIXTURES = sorted(p.name for p in EXPORTS.iterdir() if p.name != "EXPECTED.json")
SECRETS = (
    "hunter2",
    "correct horse battery staple",
    "P@ssw0rd-2024",
    "tr0ub4dor",
    "espresso",
    "JBSWY3DPEHPK3PXP",
)


def _consume(path: Path, format: str | None = None) -> list[str]:
    """Detect (or force) and parse ``path`` fully; return every message produced."""
    src = Input(path)
    messages: list[str] = []
    try:
        importer = ALL_IMPORTERS[format] if format else detect(src)
        for item in importer.parse(src, NullProgress()):
            if isinstance(item, RecordError):
                messages.append(f"{item.where} {item.message}")
    except SourceError as exc:
        messages.append(str(exc))
    return messages


def _no_secret_in(messages: list[str]) -> None:
    for message in messages:
        for secret in SECRETS:
            assert secret not in message


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("prop")


@SETTINGS
@given(data=st.binary(max_size=3000), fmt=st.sampled_from([None, *sorted(ALL_IMPORTERS)]))
def test_random_bytes(scratch: Path, data: bytes, fmt: str | None) -> None:
    path = scratch / "random.bin"
    path.write_bytes(data)
    _consume(path, fmt)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(FIXTURES))
    data = bytearray((EXPORTS / name).read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "dup"]))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "truncate":
            del data[pos:]
        elif op == "flip" and data:
            data[pos] ^= draw(st.integers(1, 255))
        elif op == "insert":
            data[pos:pos] = draw(
                st.sampled_from(
                    [b",", b'"', b"\n", b"\r\n", b";", b"\t", b"\x00", b"{", b"]", b"<", b"\xff\xfe"]
                )
            )
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 20))]
        else:
            end = min(len(data), pos + draw(st.integers(1, 200)))
            data[pos:pos] = data[pos:end]
    return name, bytes(data)


@SETTINGS
@given(case=mutated())
def test_corrupted_fixtures(scratch: Path, case: tuple[str, bytes]) -> None:
    name, data = case
    path = scratch / name
    path.write_bytes(data)
    _no_secret_in(_consume(path))
    fmt = EXPECTED["_formats"].get(name)
    if fmt:
        _no_secret_in(_consume(path, fmt))


cell = st.text(alphabet=st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    [
        "",
        '"',
        '""',
        ",",
        "\n",
        "http://",
        "androidapp://com.x.y",
        "https://a.example.co.uk/x",
        "login",
        "password",
    ]
)


@SETTINGS
@given(
    importer=st.sampled_from(CSV_IMPORTERS),
    rows=st.lists(st.lists(cell, max_size=14), max_size=8),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_csv_with_a_valid_header_and_random_rows(
    scratch: Path, importer: Any, rows: list[list[str]], delimiter: str
) -> None:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(importer.headers[0])
    writer.writerows(rows)
    path = scratch / "rows.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    _consume(path, importer.format)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
KEYS = ["items", "vaults", "accounts", "login", "uris", "data", "content", "fields", "type", "category",
        "template_type", "urls", "autofillUrls", "overview", "details", "loginFields", "state", "name",
        "itemEmail", "deletedDate", "creationDate", "createTime"]  # fmt: skip
shaped = st.recursive(
    json_values,
    lambda children: (
        st.dictionaries(st.sampled_from(KEYS), children, max_size=5) | st.lists(children, max_size=3)
    ),
    max_leaves=30,
)


@SETTINGS
@given(
    doc=st.dictionaries(st.sampled_from(KEYS), shaped, max_size=4),
    encrypted=st.sampled_from([False, None, True]),
    fmt=st.sampled_from(["bitwarden_json", "protonpass_json", "enpass_json", "1password_1pux", None]),
)
def test_json_importers_with_odd_shapes(
    scratch: Path, doc: dict[str, Any], encrypted: Any, fmt: str | None
) -> None:
    if encrypted is not None:
        doc["encrypted"] = encrypted
    path = scratch / "odd.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    _consume(path, fmt)


MEMBERS = [
    "Takeout/Google Play Store/Installs.json",
    "Takeout/Google Play Store/Library.json",
    "Takeout/Google Play Store/Purchase History.json",
    "Takeout/My Activity/Ads/MyActivity.json",
    "ads_information/advertisers_using_your_activity_or_information.json",
    "apps_and_websites_off_of_facebook/connected_apps_and_websites.json",
    "apps_and_websites_off_of_facebook/your_activity_off_meta_technologies.json",
    "ads_information/advertisers_who_uploaded_a_contact_list_with_your_information.json",
]


@SETTINGS
@given(member=st.sampled_from(MEMBERS), doc=shaped)
def test_platform_downloads_with_odd_shapes(scratch: Path, member: str, doc: Any) -> None:
    path = scratch / "platform.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(member, json.dumps(doc))
    _consume(path)


@SETTINGS
@given(
    entries=st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "String": st.lists(
                    st.tuples(
                        st.sampled_from(["Title", "UserName", "URL", "KP2A_URL_1", "Password"]),
                        st.text(max_size=20),
                    ),
                    max_size=4,
                ),
                "Times": st.tuples(st.text(max_size=12), st.text(max_size=12)),
            },
        ),
        max_size=5,
    )
)
def test_keepass_xml_with_random_entries(scratch: Path, entries: list[dict[str, Any]]) -> None:
    from xml.sax.saxutils import escape

    parts = ["<KeePassFile><Meta><RecycleBinUUID>x</RecycleBinUUID></Meta><Root><Group><UUID>x</UUID>"]
    for entry in entries:
        parts.append("<Entry>")
        for key, value in entry.get("String", []):
            clean = "".join(c for c in value if c.isprintable())
            parts.append(f"<String><Key>{key}</Key><Value>{escape(clean)}</Value></String>")
        if "Times" in entry:
            a, b = (escape("".join(c for c in t if c.isprintable())) for t in entry["Times"])
            parts.append(
                f"<Times><CreationTime>{a}</CreationTime><LastModificationTime>{b}</LastModificationTime></Times>"
            )
        parts.append("</Entry>")
    parts.append("</Group></Root></KeePassFile>")
    path = scratch / "k.xml"
    path.write_text("".join(parts), encoding="utf-8")
    _consume(path, "keepass2_xml")


url_parts = st.tuples(
    st.sampled_from(
        ["http://", "https://", "HTTPS://", "ftp://", "", "androidapp://", "android://h@", "chrome://"]
    ),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789.-_@:[]ÄÖü", min_size=0, max_size=25),
    st.sampled_from(["", "/", "/login?x=1", ":8080/", "#frag", "?q", ".", " "]),
)


@SETTINGS
@given(parts=url_parts)
def test_fast_url_reading_agrees_with_the_catalog_matcher(parts: tuple[str, str, str]) -> None:
    from exposure.catalog.match import registrable_domain
    from exposure.sources.passwords.common import url_target

    url = "".join(parts).strip()
    assert url_target(url)[0] == (registrable_domain(url) if url else None)
