"""Scanning one large mbox file with several processes.

The file is cut into byte ranges; each worker process reads the messages whose From_ line
starts in its range (:func:`mbox.iter_header_blocks` with ``start``/``stop``), so together they
see every message exactly once, and returns its :class:`MailAggregator`. The parent merges
them in file order, reports progress from shared byte counters and stops the workers on
cancel. Workers are forked when that is safe (a single-threaded parent on Linux), else
spawned (the TUI runs scans from a thread).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

from exposure.catalog.match import domain_of_host
from exposure.core.progress import CancelToken
from exposure.sources.mail.aggregate import MailAggregator, MailFlags
from exposure.sources.mail.mbox import CHUNK, MAX_HEADER, iter_header_blocks

#: Files smaller than this are read by one process (starting workers costs ~0.3 s).
PARALLEL_MIN = 192 << 20

_counters: Any = None


def default_workers() -> int:
    """Processes to use for one big file: the CPUs this process may run on, at most 4."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(4, cpus))


def _start_method() -> str:
    """``fork`` (fast: workers start in milliseconds with everything loaded) when this process
    runs one thread on Linux; ``spawn`` otherwise (forking a threaded process, such as the
    TUI with its workers, is not safe)."""
    import sys
    import threading

    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return "fork"
    return "spawn"


def _init(counters: Any) -> None:
    global _counters
    _counters = counters


def _scan_range(
    path: str,
    index: int,
    start: int,
    stop: int,
    where: str,
    own: list[str],
    sent: bool,
    spam: bool,
    max_header: int,
) -> tuple[MailAggregator, list[tuple[str, str]], int]:
    problems: list[tuple[str, str]] = []
    agg = MailAggregator(own, MailFlags(sent=sent, spam=spam))
    counters = _counters

    def on_bytes(n: int) -> None:
        if counters is not None:
            counters[index] += n

    with open(path, "rb", buffering=0) as stream:
        for block in iter_header_blocks(
            stream,
            where,
            lambda where, message: problems.append((where, message)),
            chunk_size=CHUNK,
            max_header=max_header,
            on_bytes=on_bytes,
            start=start,
            stop=stop,
        ):
            agg.add_block(block)
    import resource

    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    agg.drop_caches()
    return agg, problems, rss_kb


def scan_mbox_parallel(
    path: Path,
    where: str,
    agg: MailAggregator,
    report: Callable[[str, str], None],
    *,
    workers: int,
    on_bytes: Callable[[int], None] | None = None,
    cancel: CancelToken | None = None,
    max_header: int = MAX_HEADER,
) -> list[int]:
    """Scan ``path`` with ``workers`` processes into ``agg``; returns the workers' peak RSS (KB)."""
    import multiprocessing

    size = path.stat().st_size
    cuts = [size * i // workers for i in range(workers + 1)]
    ctx = multiprocessing.get_context(_start_method())
    domain_of_host("example.com")  # load the suffix list once: forked workers inherit it
    counters = ctx.Array("q", workers, lock=False)
    seen = [0] * workers
    own = sorted(agg.own)
    futures: list[Future[tuple[MailAggregator, list[tuple[str, str]], int]]] = []
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init, initargs=(counters,)) as pool:
        try:
            for i in range(workers):
                futures.append(
                    pool.submit(
                        _scan_range,
                        str(path),
                        i,
                        cuts[i],
                        cuts[i + 1],
                        where,
                        own,
                        agg.flags.sent,
                        agg.flags.spam,
                        max_header,
                    )
                )
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=0.1, return_when=FIRST_EXCEPTION)
                if on_bytes is not None:
                    for i in range(workers):
                        now = counters[i]
                        if now != seen[i]:
                            on_bytes(now - seen[i])
                            seen[i] = now
                for future in done:
                    future.result()  # raise a worker's error here
                if cancel is not None:
                    cancel.check()
        except BaseException:
            for future in futures:
                future.cancel()
            _kill(pool)
            raise
    rss = []
    for future in futures:
        part, problems, rss_kb = future.result()
        agg.merge(part)
        for where, message in problems:
            report(where, message)
        rss.append(rss_kb)
    return rss


def _kill(pool: ProcessPoolExecutor) -> None:
    """Stop the workers now (cancel or error): terminate them by their own PIDs."""
    processes = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        try:
            process.terminate()
        except (OSError, ValueError):
            pass
    deadline = time.monotonic() + 2
    for process in list(processes.values()):
        process.join(max(0.0, deadline - time.monotonic()))
