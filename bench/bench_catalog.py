#!/usr/bin/env python3
"""Benchmark the catalog at scale: import + merge, search, and matching hosts to organizations.

Reads the real public files in ../shared/upstream in place (skips what is absent; nothing is
copied or downloaded) into a fresh temporary store and prints, for each goal, the measured time,
the goal, and measured / goal (below 1.00 meets it):

- importing and merging all sources (datarequests, JustDeleteMe, Eraser, DuckDuckGo): <= 5 s.
  The first run in the process is "cold" (Public Suffix List and modules loaded on first use);
  the median is over ``--repeat`` fresh stores;
- a catalog search on the merged catalog: <= 20 ms (median over many searches);
- matching 100,000 hosts to organizations (``Matcher.match_domain``): <= 1 s, hosts all
  distinct, half under catalog domains. The baseline is the original lookup (an IP parse for
  every host and publicsuffixlist's own ``privatesuffix``), to show the speed-up.

    .venv/bin/python bench/bench_catalog.py [--repeat 3] [--searches 400] [--hosts 100000]
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
UPSTREAM = ROOT.parent / "shared" / "upstream"
FILES = {
    "datarequests": UPSTREAM / "datarequests-offline-data.json",
    "justdeleteme": UPSTREAM / "jdm-sites.json",
    "eraser": UPSTREAM / "eraser-brokers.yaml",
    "duckduckgo": UPSTREAM / "ddg-pir-brokers",
}
GOAL_IMPORT = 5.0
GOAL_SEARCH = 0.020
GOAL_MATCH = 1.0
QUERIES = [
    "spokeo", "google", "amazon", "bank", "datenschutz", "people", "gmx", "facebook", "acxiom",
    "whitepages", "no such organization zz", "telekom", "mail", "search", "credit", "apple.com",
    "deutsche", "insurance", "news", "peoplewhiz",
]  # fmt: skip


def fresh_store() -> object:
    os.environ["EXPOSURE_HOME"] = tempfile.mkdtemp(prefix="exposure-bench-")
    from exposure.services import open_store

    return open_store()


def bench_import(repeat: int) -> tuple[list[float], object, dict[str, int]]:
    from exposure.services.update_catalog import import_catalogs

    items = [(path, source) for source, path in FILES.items() if path.exists()]
    times: list[float] = []
    conn = None
    counts: dict[str, int] = {}
    for _ in range(repeat):
        conn = fresh_store()
        started = time.perf_counter()
        result = import_catalogs(conn, items)  # type: ignore[arg-type]
        times.append(time.perf_counter() - started)
        assert result.ok, result.as_json()
        counts = {s.source: s.records for s in result.sources}
        counts["organizations"] = result.merge.organizations if result.merge else 0
    return times, conn, counts


def bench_search(conn: object, searches: int) -> list[float]:
    from exposure.services.catalog import search

    for query in QUERIES:  # warm the page cache and statements
        search(conn, query)  # type: ignore[arg-type]
    times = []
    for index in range(searches):
        query = QUERIES[index % len(QUERIES)]
        started = time.perf_counter()
        search(conn, query)  # type: ignore[arg-type]
        times.append(time.perf_counter() - started)
    return times


def make_hosts(conn: object, count: int, seed: int = 5, distinct: int | None = None) -> list[str]:
    """``count`` hosts, half under catalog domains; all distinct, or cycling ``distinct`` of them."""
    if distinct is not None:
        pool = make_hosts(conn, distinct, seed)
        return [pool[i % distinct] for i in range(count)]
    rng = random.Random(seed)
    domains = [r[0] for r in conn.execute("SELECT domain FROM org_domain")]  # type: ignore[attr-defined]
    suffixes = ["com", "co.uk", "de", "fr", "com.au", "io", "net", "org", "co.jp", "es"]
    hosts = []
    for i in range(count):
        prefix = rng.choice(["www", "mail", "login", "accounts", "id", "my", "api", "m"])
        if i % 2 == 0:
            hosts.append(f"{prefix}{i}.{rng.choice(domains)}")
        else:
            n = rng.randrange(count // 4)
            hosts.append(f"{prefix}{i}.site{n}.{suffixes[n % len(suffixes)]}")
    return hosts


def _baseline_domain_of_host() -> Callable[[str], str | None]:
    """The lookup before this issue: an IP parse for every host, then publicsuffixlist itself."""
    from functools import lru_cache

    from exposure.catalog.match import _HOST_OK, _get_psl

    psl = _get_psl()

    @lru_cache(maxsize=200_000)
    def domain_of_host(host: str) -> str | None:
        host = host.strip().rstrip(".").lower()
        if not host:
            return None
        try:
            return str(ipaddress.ip_address(host.strip("[]")))
        except ValueError:
            pass
        if not _HOST_OK.match(host):
            return None
        result = psl.privatesuffix(host)  # type: ignore[attr-defined]
        return result if isinstance(result, str) else None

    return domain_of_host


def bench_match(conn: object, hosts: list[str]) -> tuple[float, float, float, int]:
    from exposure.catalog import match

    started = time.perf_counter()
    matcher = match.Matcher(conn)  # type: ignore[arg-type]
    build = time.perf_counter() - started
    match.domain_of_host.cache_clear()
    match._parent_suffix.cache_clear()
    started = time.perf_counter()
    found = sum(1 for host in hosts if matcher.match_domain(host) is not None)
    ours = time.perf_counter() - started
    baseline_lookup = _baseline_domain_of_host()
    original = match.domain_of_host
    match.domain_of_host = baseline_lookup  # type: ignore[assignment]
    try:
        started = time.perf_counter()
        baseline_found = sum(1 for host in hosts if matcher.match_domain(host) is not None)
        baseline = time.perf_counter() - started
    finally:
        match.domain_of_host = original
    assert baseline_found == found, (baseline_found, found)  # same answers
    return build, ours, baseline, found


def row(name: str, measured: float, goal: float, unit: str, extra: str = "") -> str:
    scale = 1000.0 if unit == "ms" else 1.0
    return (
        f"{name:<52} {measured * scale:>10.2f} {unit:<2} {goal * scale:>8.2f} {unit:<2} "
        f"{measured / goal:>6.2f}  {extra}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--searches", type=int, default=400)
    parser.add_argument("--hosts", type=int, default=100_000)
    args = parser.parse_args()
    missing = [source for source, path in FILES.items() if not path.exists()]
    if len(missing) == len(FILES):
        print(f"no upstream files in {UPSTREAM}: nothing to measure")
        return 0
    times, conn, counts = bench_import(args.repeat)
    searches = bench_search(conn, args.searches)
    hosts = make_hosts(conn, args.hosts)
    build, ours, baseline, found = bench_match(conn, hosts)
    repeated = make_hosts(conn, args.hosts, distinct=args.hosts // 10)
    _build2, ours2, baseline2, found2 = bench_match(conn, repeated)
    print(
        f"sources: {', '.join(f'{k} {v}' for k, v in counts.items())}"
        + (f"; missing: {missing}" if missing else "")
    )
    print(
        f"{'measurement':<52} {'measured':>13} {'goal':>11} {'ratio':>6}  (ratio = measured / goal, <= 1 meets it)"
    )
    print(row("import + merge all sources, cold (first run)", times[0], GOAL_IMPORT, "s"))
    print(
        row(f"import + merge all sources, median of {len(times)}", statistics.median(times), GOAL_IMPORT, "s")
    )
    print(
        row(
            f"catalog search, median of {len(searches)}",
            statistics.median(searches),
            GOAL_SEARCH,
            "ms",
            f"p95 {sorted(searches)[int(len(searches) * 0.95) - 1] * 1000:.1f} ms",
        )
    )
    print(
        row(
            f"match {len(hosts):,} distinct hosts to organizations",
            ours,
            GOAL_MATCH,
            "s",
            f"{found:,} matched; baseline {baseline:.2f} s = {baseline / ours:.1f}x slower; matcher built in {build * 1000:.0f} ms",
        )
    )
    print(
        row(
            f"match {len(repeated):,} hosts ({len(repeated) // 10:,} distinct)",
            ours2,
            GOAL_MATCH,
            "s",
            f"{found2:,} matched; baseline {baseline2:.2f} s = {baseline2 / ours2:.1f}x slower",
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
