"""The faster Public Suffix List lookup in catalog.match gives exactly publicsuffixlist's answers."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from publicsuffixlist import PublicSuffixList

from exposure.catalog import match
from tests.catalog.conftest import UPSTREAM


@pytest.fixture(scope="module")
def psl() -> PublicSuffixList:
    return PublicSuffixList()


def test_the_rules_read_from_the_file_are_the_packages(psl: PublicSuffixList) -> None:
    rules = match._get_rules()
    assert rules is not None
    assert rules == match._rules_from(psl._publicsuffix)
    assert match._maxlabel == psl._maxlabel


def test_every_rule_and_its_subdomains_resolve_as_publicsuffixlist_does(psl: PublicSuffixList) -> None:
    rules = match._get_rules()
    assert rules is not None
    hosts = []
    for key in rules:
        if key.isascii():
            hosts += [key, f"a.{key}", f"b.a.{key}", f"c.b.a.{key}"]
    tricky = [
        "city.kobe.jp", "a.city.kobe.jp", "b.kobe.jp", "a.b.kobe.jp", "www.ck", "x.www.ck", "y.x.ck",
        "foo.blogspot.com", "a.b.foo.blogspot.co.uk", "s3.amazonaws.com", "x.s3.amazonaws.com",
        "example.com", "a.example.com", "co.uk", "uk", "a.b.c.d.e.f.g.h.example.co.uk", "foo.unknowntld",
        "a.foo.unknowntld", "xn--55qx5d.cn", "a.xn--55qx5d.cn", "bearblog.dev", "me.bearblog.dev",
    ]  # fmt: skip
    rng = random.Random(3)
    labels = ["www", "mail", "a", "b-c", "x1", "shop"]
    sampled = rng.sample(sorted(rules), 500)
    hosts += tricky + [f"{rng.choice(labels)}.{rng.choice(labels)}.{key}" for key in sampled if key.isascii()]
    # In both orders: the parent cache must not change any answer.
    for ordering in (hosts, list(reversed(hosts))):
        match._parent_suffix.cache_clear()
        mismatches = [(h, match._private_suffix(h), psl.privatesuffix(h)) for h in ordering]
        mismatches = [m for m in mismatches if m[1] != m[2]]
        assert mismatches == []


def test_upstream_domains_resolve_as_publicsuffixlist_does(psl: PublicSuffixList) -> None:
    path = UPSTREAM / "jdm-sites.json"
    if not path.exists():
        pytest.skip("upstream JustDeleteMe file not here")
    hosts = {d.lower() for site in json.loads(path.read_text()) for d in site.get("domains", [])}
    match.domain_of_host.cache_clear()
    for host in sorted(hosts):
        expected = psl.privatesuffix(host) if match._HOST_OK.match(host) else None
        assert match.domain_of_host(host) == expected, host


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("WWW.Example.CO.UK.", "example.co.uk"),
        (" mail.google.com ", "google.com"),
        ("192.168.1.10", "192.168.1.10"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("10.0.0.300", "0.300"),  # not an IP: a host under an unknown TLD, as before
        ("bücher.de", "xn--bcher-kva.de"),
        ("-bad-.example.com", None),
        ("localhost", None),
        ("", None),
    ],
)
def test_domain_of_host_keeps_its_behaviour(host: str, expected: str | None) -> None:
    assert match.domain_of_host(host) == expected


def _original_domain_of_host(psl: PublicSuffixList, host: str) -> str | None:
    """domain_of_host as it was before the speed-up: IP parse, full regex, publicsuffixlist."""
    import ipaddress

    host = host.strip().rstrip(".").lower()
    if not host:
        return None
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        pass
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return None
    if not match._HOST_OK.match(host):
        return None
    result = psl.privatesuffix(host)
    return result if isinstance(result, str) else None


def test_domain_of_host_gives_the_original_answers_for_odd_hosts(psl: PublicSuffixList) -> None:
    rng = random.Random(11)
    rules = sorted(k for k in (match._get_rules() or {}) if k.isascii())
    labels = ["www", "a", "-a", "a-", "_x", "", "A", "b-c", "1", "x\n", "ü", "*", "co", "uk", "com"]
    hosts = [
        ".".join(rng.choice(labels) for _ in range(rng.randint(1, 4))) + "." + rng.choice(rules)
        for _ in range(4000)
    ]
    hosts += ["10.0.0.1", "::1", "[::1]", "1.2.3", "a.1", " x.example.com. ", "..", "a..b.com", "-.com"]
    for ordering in (hosts, list(reversed(hosts))):
        match.domain_of_host.cache_clear()
        match._parent_suffix.cache_clear()
        wrong = [(h, match.domain_of_host(h), _original_domain_of_host(psl, h)) for h in ordering]
        assert [w for w in wrong if w[1] != w[2]] == []


def _reference_entries(text: str) -> set[str]:
    """publicsuffixlist's reading of a list, line by line."""
    entries = {line.lower().split(" ")[0].rstrip() for line in text.splitlines() if not line.startswith("//")}
    return {entry for entry in entries if entry and not entry.startswith("//")}


def test_the_list_is_read_as_publicsuffixlist_reads_it_line_by_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (
        "// ===BEGIN ICANN DOMAINS===\r\n\r\nCOM\r\nco.UK  // a comment after a space\r\n"
        "*.kawasaki.jp\n!city.kawasaki.jp\n  indented.example\n\n// *.commented.out\n"
        "tab\there\nsuffix.with.trailing.tab\t\n*.ck\n!www.ck\n公司.cn\n!例.公司.cn\nlast.entry"
    )
    path = tmp_path / "list.dat"
    path.write_text(text, encoding="utf-8", newline="")
    monkeypatch.setattr(match, "_psl_file", lambda: str(path))
    parsed = match._read_list(idna=False)
    assert parsed is not None
    assert parsed[0] == _reference_entries(text)
    assert parsed[1] == 4  # suffix.with.trailing.tab: four labels
    rules = match._rules_from(parsed[0])
    assert rules["kawasaki.jp"] == match._WILDCARD and rules["city.kawasaki.jp"] == match._EXCEPTION
    assert rules["com"] == rules["co.uk"] == match._EXACT
    with_idna = match._read_list(idna=True)
    assert (
        with_idna is not None and "xn--55qx5d.cn" in with_idna[0] and "!xn--fsq.xn--55qx5d.cn" in with_idna[0]
    )


def test_a_plain_hosts_domain_is_domain_of_hosts() -> None:
    rules = match._get_rules()
    assert rules is not None
    rng = random.Random(5)
    labels = ["www", "login", "a-b", "x1", "1", "shop", "-bad", "bad-", "xn--55qx5d", "mail"]
    keys = [key for key in sorted(rules) if key.isascii() and "*" not in key and "!" not in key]
    hosts = [
        "www.example.com", "example.com", "com", "a.b.c.example.co.uk", "www.city.kobe.jp",
        "x.www.ck", "1.2.3.4", "www.example.com.", "a..b.com", ".example.com", "example",
        "www.xn--55qx5d.cn", "foo.blogspot.com", "a.foo.blogspot.com", "192.168.0.1",
        "www.site12.co.jp", "login.site3.com.au", "-x.example.com", "x-.example.com",
    ]  # fmt: skip
    hosts += [f"{rng.choice(labels)}.{rng.choice(labels)}.{key}" for key in rng.sample(keys, 800)]
    hosts += [f"{rng.choice(labels)}.{key}" for key in rng.sample(keys, 800)]
    for host in hosts:
        match.domain_of_host.cache_clear()
        match._parent_suffix.cache_clear()
        expected = match.domain_of_host(host)
        match._parent_suffix.cache_clear()
        assert match.plain_host_domain(host) == expected, host
        assert match.plain_host_domain(host) == expected, host  # with the parent cached
