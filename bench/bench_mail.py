#!/usr/bin/env python3
"""Benchmark `exposure scan mail` on a synthetic 1 GiB mbox against mailbox.mbox and grep.

Generates the mbox with ../shared/bench/gen_mbox.py (``OUT --size 1G --seed 42 --truth T.json``)
into a temporary folder (deleted afterwards), warms the page cache, then in one run measures:

  grep          ``cat FILE | grep -c '^From '`` (through cat: grep stops early on /dev/null)
  ours, 1 proc  the whole scan service (read, aggregate, store) in a child process, 1 process
  ours          the same with the default worker processes for a large file (one per CPU, <= 4)
  mailbox.mbox  the standard library reading each message's From header (once: it is slow)

and prints times, MB/s, ratios (goals: >= 25x faster than mailbox.mbox, within 3x of grep),
the peak RSS of our scan (the child's ru_maxrss; with workers, parent + workers summed; goal
<= 150 MB), and checks that our per-domain message counts equal the generator's truth file
exactly. The machine is shared, so each timed run is repeated and the best is shown.

    .venv/bin/python bench/bench_mail.py [--size 1G] [--repeat 3] [--mbox FILE --truth T.json]
                                         [--skip-mailbox] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GEN = ROOT.parent / "shared" / "bench" / "gen_mbox.py"
GOAL_VS_MAILBOX = 25.0
GOAL_VS_GREP = 3.0
GOAL_RSS_MB = 150.0


# -- child modes (run in their own process so their time and memory are their own) ----------------
def child_ours(path: str, workers: int, out: str) -> None:
    sys.path.insert(0, str(ROOT))
    home = tempfile.mkdtemp(prefix="exposure-bench-mail-home-")
    os.environ["EXPOSURE_HOME"] = home
    try:
        from exposure.services import open_store
        from exposure.services.scan_mail import scan_paths

        conn = open_store()
        t = time.perf_counter()
        result = scan_paths(conn, [path], workers=workers)
        seconds = time.perf_counter() - t
        conn.close()
        rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        doc = {
            "seconds": seconds,
            "messages": result["messages"],
            "skipped": result["skipped"],
            "errors": result["errors"],
            "counts": {s["domain"]: s["messages"] for s in result["senders"] if s["messages"]},
            "rss_kb": rss_kb,
            "worker_rss_kb": result.get("worker_rss_kb", []),
        }
        Path(out).write_text(json.dumps(doc))
    finally:
        shutil.rmtree(home, ignore_errors=True)


def child_reader(path: str, workers: int, out: str) -> None:
    """Only the reading: mbox -> per-domain aggregates (what mailbox.mbox + From is compared with)."""
    sys.path.insert(0, str(ROOT))
    from exposure.sources.mail.aggregate import MailAggregator
    from exposure.sources.mail.files import ReadOptions, discover, read_input

    problems: list[tuple[str, str]] = []
    t = time.perf_counter()
    total = MailAggregator()
    options = ReadOptions(workers=workers)
    for inp in discover([Path(path)], lambda w, m: problems.append((w, m))):
        for unit in read_input(inp, lambda w, m: problems.append((w, m)), options):
            total.merge(unit.aggregator)
    seconds = time.perf_counter() - t
    doc = {
        "seconds": seconds,
        "messages": total.messages,
        "skipped": total.skipped,
        "errors": problems,
        "counts": {d: s.messages for d, s in total.domains.items() if s.messages},
        "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "worker_rss_kb": options.rss,
    }
    Path(out).write_text(json.dumps(doc))


def child_mailbox(path: str, out: str) -> None:
    import mailbox

    t = time.perf_counter()
    n = 0
    for message in mailbox.mbox(path, create=False):
        message["From"]
        n += 1
    seconds = time.perf_counter() - t
    Path(out).write_text(json.dumps({"seconds": seconds, "messages": n}))


# -- the parent ---------------------------------------------------------------------------------------
def run_child(args: list[str]) -> dict[str, object]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    try:
        t = time.perf_counter()
        subprocess.run([sys.executable, __file__, *args, "--out", out], check=True)
        wall = time.perf_counter() - t
        doc: dict[str, object] = json.loads(Path(out).read_text())
        doc["wall"] = wall
        return doc
    finally:
        os.unlink(out)


def grep_count(path: Path) -> tuple[float, int]:
    t = time.perf_counter()
    done = subprocess.run(
        f"cat '{path}' | grep -c '^From '", shell=True, check=True, capture_output=True, text=True
    )
    return time.perf_counter() - t, int(done.stdout.strip())


def expected_counts(truth: dict[str, object]) -> dict[str, int]:
    counts: dict[str, int] = {}
    host_to_reg: dict[str, str] = truth["host_to_registrable"]  # type: ignore[assignment]
    for host, n in truth["host_counts"].items():  # type: ignore[attr-defined]
        if host:
            reg = host_to_reg[host]
            counts[reg] = counts.get(reg, 0) + n
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1G", help="mbox size for gen_mbox.py (e.g. 100M for a quick run)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of grep and ours (best shown)")
    parser.add_argument("--mbox", type=Path, help="use this mbox instead of generating one")
    parser.add_argument("--truth", type=Path, help="the truth file of --mbox")
    parser.add_argument("--skip-mailbox", action="store_true", help="do not time mailbox.mbox")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    parser.add_argument("--child", choices=("ours", "reader", "mailbox"), help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("file", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "ours":
        child_ours(args.file, args.workers, args.out)
        return 0
    if args.child == "reader":
        child_reader(args.file, args.workers, args.out)
        return 0
    if args.child == "mailbox":
        child_mailbox(args.file, args.out)
        return 0

    sys.path.insert(0, str(ROOT))
    from exposure.sources.mail.parallel import default_workers

    workdir = None
    if args.mbox:
        path, truth_path = args.mbox, args.truth
        if truth_path is None:
            parser.error("--mbox needs --truth")
    else:
        if not GEN.exists():
            print(f"the generator {GEN} is missing (it lives in ../shared/bench)")
            return 1
        workdir = args.keep or Path(tempfile.mkdtemp(prefix="exposure-bench-mail-"))
        workdir.mkdir(parents=True, exist_ok=True)
        path, truth_path = workdir / "bench.mbox", workdir / "bench.truth.json"
        t = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                str(GEN),
                str(path),
                "--size",
                args.size,
                "--seed",
                str(args.seed),
                "--truth",
                str(truth_path),
            ],
            check=True,
        )
        print(f"generated {path.stat().st_size / 2**20:,.0f} MiB in {time.perf_counter() - t:.0f} s")
    try:
        return measure(path, truth_path, args, default_workers())
    finally:
        if workdir is not None and args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


def measure(path: Path, truth_path: Path, args: argparse.Namespace, workers: int) -> int:
    size_mb = path.stat().st_size / 1e6
    truth = json.loads(truth_path.read_text())
    subprocess.run(f"cat '{path}' > /dev/null", shell=True, check=True)  # warm the page cache
    variants = [("reader", 1), ("ours", 1)]
    if workers > 1:
        variants += [("reader", workers), ("ours", workers)]
    greps: list[tuple[float, int]] = []
    runs: dict[tuple[str, int], list[dict[str, object]]] = {v: [] for v in variants}
    for _ in range(args.repeat):
        greps.append(grep_count(path))
        for mode, n in variants:
            runs[(mode, n)].append(run_child(["--child", mode, "--workers", str(n), str(path)]))
    mailbox = None if args.skip_mailbox else run_child(["--child", "mailbox", str(path)])

    grep_s = min(s for s, _ in greps)
    mailbox_s = float(mailbox["seconds"]) if mailbox is not None else None  # type: ignore[arg-type]
    labels = {
        "reader": "read + aggregate (sources layer)",
        "ours": "scan mail service (+ store)",
    }
    print()
    print(f"{path.stat().st_size / 2**20:,.0f} MiB, {truth['messages']:,} messages; best of {args.repeat} runs "
          f"(mailbox.mbox: 1 run); {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f} at the end")  # fmt: skip
    print(f"{'method':<46} {'seconds':>8} {'MB/s':>6} {'x grep':>7} {'vs mbox':>8}  peak RSS")
    print(f"{'cat | grep -c ^From':<44} {grep_s:>8.2f} {size_mb / grep_s:>6.0f} {1:>7.2f} "
          f"{(f'{mailbox_s / grep_s:.1f}x' if mailbox_s else '-'):>8}  -")  # fmt: skip
    best: dict[str, tuple[float, float]] = {}
    for (mode, n), docs in runs.items():
        doc = min(docs, key=lambda d: float(d["seconds"]))  # type: ignore[arg-type]
        seconds = float(doc["seconds"])  # type: ignore[arg-type]
        rss_mb = (int(doc["rss_kb"]) + sum(doc.get("worker_rss_kb", []))) / 1024  # type: ignore[call-overload, arg-type]
        name = f"ours: {labels[mode]}, {n} proc{'s' if n > 1 else ''}"
        vs = f"{mailbox_s / seconds:.1f}x" if mailbox_s else "-"
        rss_text = f"{rss_mb:.0f} MB" + (" (sum)" if n > 1 else "")
        print(
            f"{name:<46} {seconds:>8.2f} {size_mb / seconds:>6.0f} {seconds / grep_s:>7.2f} {vs:>8}  {rss_text}"
        )
        if mode not in best or seconds < best[mode][0]:
            best[mode] = (seconds, rss_mb)
    if mailbox_s:
        print(f"{'mailbox.mbox + From header':<44} {mailbox_s:>8.2f} {size_mb / mailbox_s:>6.0f} "
              f"{mailbox_s / grep_s:>7.2f} {1:>7.1f}x  -")  # fmt: skip
    print()
    ok = True
    for mode in ("ours", "reader"):
        seconds, rss_mb = best[mode]
        checks = []
        if mailbox_s:
            ratio = mailbox_s / seconds
            checks.append(
                f">= {GOAL_VS_MAILBOX:.0f}x mailbox.mbox: {ratio:.1f}x {'OK' if ratio >= GOAL_VS_MAILBOX else 'MISSED'}"
            )
            ok &= mode != "ours" or ratio >= GOAL_VS_MAILBOX
        ratio = seconds / grep_s
        checks.append(
            f"<= {GOAL_VS_GREP:.0f}x grep: {ratio:.2f}x {'OK' if ratio <= GOAL_VS_GREP else 'MISSED'}"
        )
        checks.append(
            f"RSS <= {GOAL_RSS_MB:.0f} MB: {rss_mb:.0f} MB {'OK' if rss_mb <= GOAL_RSS_MB else 'MISSED'}"
        )
        ok &= mode != "ours" or (ratio <= GOAL_VS_GREP and rss_mb <= GOAL_RSS_MB)
        print(f"goals, {labels[mode]} (best): " + "; ".join(checks))

    # Exactness: per-domain counts equal the generator's truth, in every run.
    expected = expected_counts(truth)
    no_from = truth["host_counts"].get("", 0)
    exact = True
    for docs in runs.values():
        for doc in docs:
            counts: dict[str, int] = doc["counts"]  # type: ignore[assignment]
            if counts != expected or doc["messages"] != truth["messages"] or doc["skipped"] != no_from:
                exact = False
                diff = [
                    (d, expected.get(d), counts.get(d))
                    for d in set(expected) | set(counts)
                    if expected.get(d) != counts.get(d)
                ]
                print(f"MISMATCH: messages {doc['messages']} vs {truth['messages']}, skipped {doc['skipped']} vs "
                      f"{no_from}, {len(diff)} domains differ, e.g. {diff[:5]}")  # fmt: skip
    if exact:
        print(f"counts: {len(expected):,} registrable domains, {truth['messages']:,} messages, {no_from} without From: "
              "equal to the truth file in every run")  # fmt: skip
    greps_ok = all(n == truth["messages"] for _, n in greps)
    print(f"grep counted {greps[0][1]:,} From_ lines ({'=' if greps_ok else '!='} messages)")
    return 0 if ok and exact else 1


if __name__ == "__main__":
    sys.exit(main())
