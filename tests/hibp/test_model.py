"""The breach model and its HTML description, parsed without any network."""

from __future__ import annotations

import pytest

from exposure.core.errors import NetworkError
from exposure.net.hibp import Breach, html_to_text, parse_breaches, parse_range, sha1_split
from tests.hibp import data


def test_full_breach_model_is_parsed() -> None:
    b = Breach.from_api(data.ADOBE)
    assert (b.name, b.title, b.domain) == ("Adobe", "Adobe", "adobe.com")
    assert b.breach_date == "2013-10-04"
    assert b.added_date == "2013-12-04T00:00:00Z"
    assert b.modified_date == "2022-05-15T23:52:49Z"
    assert b.pwn_count == 152445165
    assert b.data_classes == ("Email addresses", "Password hints", "Passwords", "Usernames")
    assert b.flags == {
        "verified": True, "fabricated": False, "sensitive": False, "retired": False, "spam_list": False,
        "malware": False, "subscription_free": False, "stealer_log": False,
    }  # fmt: skip
    assert b.logo_path and b.logo_path.endswith("Adobe.png")
    assert b.description_text.startswith("In October 2013, 153 million Adobe accounts")
    assert "encrypted password" in b.description_text
    assert "disclosed much about the passwords adding further" in b.description_text
    assert "<" not in b.description_text and "troyhunt" not in b.description_text


def test_model_is_lenient() -> None:
    # unknown attributes ignored, missing ones defaulted, wrong types tolerated
    b = Breach.from_api({"Name": "X", "PwnCount": "many", "DataClasses": "nope", "Brand-new": {"a": 1}})
    assert (b.title, b.domain, b.pwn_count, b.data_classes, b.breach_date) == ("X", "", None, (), None)
    with pytest.raises(NetworkError):
        Breach.from_api({"Title": "no name"})
    # a list with a bad entry keeps the good ones
    assert [x.name for x in parse_breaches([data.ADOBE, {"Title": "?"}, 3, data.SHOP], "h")] == [
        "Adobe",
        "ExampleShop",
    ]
    with pytest.raises(NetworkError, match="list of breaches"):
        parse_breaches({"Name": "Adobe"}, "h")


def test_domain_is_lower_cased_and_control_characters_dropped() -> None:
    b = Breach.from_api({"Name": "Evil\r\nBcc: x", "Title": "A\x1b[31mB", "Domain": "Shop.Example.TEST"})
    assert b.name == "Evil Bcc: x" and b.title == "A [31mB" and b.domain == "shop.example.test"


@pytest.mark.parametrize(
    ("html", "text"),
    [
        (None, ""),
        ("", ""),
        ("plain", "plain"),
        ("<em>bold</em> move", "bold move"),
        ('see <a href="https://evil.test/x" target="_blank">this report</a>.', "see this report."),
        ("Tom &amp; Jerry &quot;quoted&quot; &#8217;s &lt;b&gt;", 'Tom & Jerry "quoted" ’s <b>'),
        ("double &amp;quot;escaped&amp;quot;", 'double "escaped"'),
        ("a<br>b<br/>c<p>d</p>e", "a b c d e"),
        ("x<script>alert(1)</script>y<style>p{}</style>z", "xyz"),
        ("line\r\nbreak\ttab\x00nul\u2028sep", "line break tab nul sep"),
        ("<img src=x onerror=alert(1)>after", "after"),
        ("unclosed <b>tag", "unclosed tag"),
        ("[bold]not markup[/bold]", "[bold]not markup[/bold]"),  # plain text: the UI shows it literally
    ],
)
def test_html_to_text(html: str | None, text: str) -> None:
    assert html_to_text(html) == text


def test_html_to_text_bounds_its_length() -> None:
    out = html_to_text("<p>" + "word " * 5000 + "</p>", max_length=100)
    assert len(out) == 100 and out.endswith("…")


def test_shop_description_from_the_fixture() -> None:
    text = Breach.from_api(data.SHOP).description_text
    assert text == (
        'In March 2019, the online store "Example Shop" suffered a breach & the data was sold. '
        "Affected: names <and> addresses."
    )


def test_range_parsing_ignores_padding_and_junk() -> None:
    body = data.padded_range({data.PASSWORD_SUFFIX: data.PASSWORD_COUNT, "A" * 35: 3})
    body += "\r\nnot a line\r\nSHORT:5\r\n" + "B" * 35 + ":x"
    parsed = parse_range(body)
    assert parsed == {data.PASSWORD_SUFFIX: data.PASSWORD_COUNT, "A" * 35: 3}


def test_sha1_split() -> None:
    assert sha1_split("password") == (data.PASSWORD_PREFIX, data.PASSWORD_SUFFIX)
