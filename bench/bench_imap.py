#!/usr/bin/env python3
"""Benchmark the IMAP header fetch against a real Dovecot on loopback (20,000 messages).

Starts a private Dovecot (the test fixture in tests/integration/dovecot.py), writes N Maildir
messages with realistic Gmail-like headers straight to disk, lets Dovecot index them, then
measures, each a few times (best run shown), cold (Dovecot's header cache deleted first, so
it reads the message files to answer) and warm (the same again right after):

  imaplib raw   UID FETCH of the header fields in batches, responses not looked at
  reader        exposure's ImapReader.fetch_headers + MailAggregator.add_block (no database)
  scan_imap     the whole `exposure scan imap` service: fetch, aggregate, store incrementally

Goal: at least 20,000 messages/s for the header fetch. Client and server share the machine's
cores, so the numbers depend on what else runs.

    .venv/bin/python bench/bench_imap.py [--messages 20000] [--batch 1000] [--repeat 3] [--profile]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL = 20_000


def make_message(rng: random.Random, i: int, domains: list[str]) -> bytes:
    domain = domains[min(int(rng.paretovariate(1.2)) - 1, len(domains) - 1)]
    host = rng.choice(["", "mail.", "news.", "em."]) + domain
    day = 1 + i % 28
    b64 = "".join(
        rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") for _ in range(200)
    )
    headers = [
        "Delivered-To: me@example.test",
        f"Received: by 2002:a05:6a10:{i:x} with SMTP id x;\r\n        Thu, {day:02d} Feb 2024 10:00:00 -0800",
        f"ARC-Seal: i=1; a=rsa-sha256; t=1700000000; cv=none; d=google.com; s=arc-20160816;\r\n        b={b64[:70]}\r\n"
        f"         {b64[70:140]}",
        f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={domain}; s=s1;\r\n        b={b64[:76]}",
        f"Return-Path: <bounce-{i}@{host}>",
        f'From: "{domain.split(".")[0].title()} News" <news@{host}>',
        "To: me@example.test",
        f"Subject: {rng.choice(['Your order', 'Weekly news', 'Welcome', 'Your receipt', 'Sale'])} #{i}",
        f"Date: Thu, {day:02d} Feb 2024 10:{i % 60:02d}:00 +0000",
        f"Message-ID: <{i}.{rng.getrandbits(40):x}@{host}>",
    ]
    if rng.random() < 0.7:
        headers.append(f"List-Unsubscribe: <mailto:u-{i}@{host}>, <https://{host}/u/{i}>")
    headers += ["MIME-Version: 1.0", 'Content-Type: text/plain; charset="UTF-8"']
    body = "Hello,\r\n" + ("Lorem ipsum dolor sit amet. " * rng.randint(5, 60)) + "\r\n"
    return ("\r\n".join(headers) + "\r\n\r\n" + body).encode()


def best(runs: list[float]) -> float:
    return min(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print the top functions of a scan_imap run")
    args = parser.parse_args()

    import trustme

    from tests.integration.dovecot import dovecot_binary, start_dovecot

    if dovecot_binary() is None:
        print("Dovecot is not installed (apt-get install dovecot-imapd): nothing to measure")
        return 0
    os.environ["EXPOSURE_HOME"] = tempfile.mkdtemp(prefix="exposure-bench-imap-")
    server = start_dovecot(trustme.CA())
    try:
        user = server.new_user()
        rng = random.Random(42)
        domains = [f"company{n}.example" for n in range(1500)]
        t = time.perf_counter()
        messages = [make_message(rng, i, domains) for i in range(args.messages)]
        server.deliver(user, messages)
        size = sum(len(m) for m in messages)
        print(f"wrote {len(messages):,} messages ({size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        client = server.client(user)
        client.select("INBOX", readonly=True)
        client.logout()
        print(f"first SELECT (Dovecot indexes the folder): {time.perf_counter() - t:.2f} s")
        rows = measure(server, user, args)
        n = args.messages
        print()
        print(f"{'what':<44} {'cold s':>7} {'msg/s':>9} {'warm s':>7} {'msg/s':>9} {'cold vs goal':>13}")
        for name, cold, warm in rows:
            c, w = best(cold), best(warm)
            print(f"{name:<44} {c:>7.2f} {n / c:>9,.0f} {w:>7.2f} {n / w:>9,.0f} {n / c / GOAL:>12.2f}x")
        print(
            f"(goal: {GOAL:,} messages/s; best of {args.repeat} runs each; cold = Dovecot's header cache "
            f"deleted before the run, warm = run again right after; batch {args.batch} UIDs)"
        )
    finally:
        server.stop()
        import shutil

        shutil.rmtree(server.root, ignore_errors=True)
        shutil.rmtree(os.environ["EXPOSURE_HOME"], ignore_errors=True)
    return 0


def measure(
    server: object, user: object, args: argparse.Namespace
) -> list[tuple[str, list[float], list[float]]]:
    """(name, cold runs, warm runs) per method. Cold: Dovecot's header cache deleted first."""
    import imaplib
    import shutil

    from exposure.services import open_store
    from exposure.services.scan_mail import scan_imap
    from exposure.sources.mail.aggregate import MailAggregator
    from exposure.sources.mail.imap import _FETCH_ITEM, ImapReader

    port, name, password = server.port, user.name, user.password  # type: ignore[attr-defined]
    cache = user.maildir / "dovecot.index.cache"  # type: ignore[attr-defined]

    def raw() -> None:
        conn = imaplib.IMAP4("127.0.0.1", port)
        conn.login(name, password)
        conn.select("INBOX", readonly=True)
        _, data = conn.uid("SEARCH", "ALL")
        uids = [int(x) for x in data[0].split()]
        for i in range(0, len(uids), args.batch):
            part = uids[i : i + args.batch]
            conn.uid("FETCH", f"{part[0]}:{part[-1]}", _FETCH_ITEM)
        conn.logout()

    def ours() -> None:
        reader = ImapReader("127.0.0.1", port, security="none")
        reader.connect()
        reader.login(name, password)
        folder = next(f for f in reader.folders() if f.name == "INBOX")
        reader.examine(folder)
        agg = MailAggregator()
        for _uid, block in reader.fetch_headers(reader.uids_after(0), batch=args.batch):
            agg.add_block(block)
        reader.close()
        assert agg.messages == args.messages, agg.messages

    def full() -> None:
        home = tempfile.mkdtemp(prefix="exposure-bench-imap-home-")
        store = open_store(Path(home) / "exposure.db")
        try:
            profiler = None
            if args.profile and not profiled:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            result = scan_imap(
                store, "127.0.0.1", port, name, security="none", password=password, batch=args.batch
            )
            if profiler is not None:
                import pstats

                profiler.disable()
                pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
                profiled.append(True)
            assert result["messages"] == args.messages, result["messages"]
        finally:
            store.close()
            shutil.rmtree(home, ignore_errors=True)

    profiled: list[bool] = []
    rows = [
        ("imaplib raw UID FETCH (no parsing)", raw),
        ("ImapReader + MailAggregator (no database)", ours),
        ("scan_imap (fetch, aggregate, store)", full),
    ]
    out = []
    for label, fn in rows:
        cold, warm = [], []
        for _ in range(args.repeat):
            cache.unlink(missing_ok=True)  # Dovecot reads the messages again to answer
            t = time.perf_counter()
            fn()
            cold.append(time.perf_counter() - t)
            t = time.perf_counter()
            fn()
            warm.append(time.perf_counter() - t)
        out.append((label, cold, warm))
    return out


if __name__ == "__main__":
    sys.exit(main())
