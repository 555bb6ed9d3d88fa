"""Scanning mail for the organizations that hold your data: archives on disk and IMAP.

``scan_paths`` reads mbox files, Maildir folders, .eml folders and Takeout archives;
``scan_imap`` reads a mailbox over IMAP, read-only and incrementally. Both aggregate headers
per sender registrable domain (never bodies), turn every organization domain into ONE finding
per archive or mailbox (a stable key, so a rescan replaces counts instead of adding them), store
them with :func:`services.inventory.ingest`, and record the scan in the ``scan`` table.

Incremental IMAP keeps, per account and folder, the UIDVALIDITY and the last UID read, and the
per-domain evidence read so far (tables ``mail_folder`` and ``mail_sender``). New mail is added
to those totals in the same transaction that moves the last UID, so each message counts exactly
once whatever fails when; a changed UIDVALIDITY drops that folder's totals and reads it again.
"""

from __future__ import annotations

import json
import sqlite3
import ssl
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from exposure.core.errors import Cancelled, NetworkError, SecretError
from exposure.core.progress import CancelToken, NullProgress, Progress
from exposure.sources.mail.aggregate import DomainStats, MailAggregator, finding_for, iso_date
from exposure.sources.mail.classify import confidence
from exposure.store.db import now, transaction

#: IMAP: messages read between two commits of the running totals (a failure re-reads at most these).
COMMIT_EVERY = 5000

#: Live counters a UI may poll while a scan runs (plain ints: safe to read from another thread).
Live = dict[str, float]


def _new_result() -> dict[str, Any]:
    return {
        "messages": 0,
        "skipped": 0,
        "sent": 0,
        "bytes": 0,
        "seconds": 0.0,
        "senders": [],
        "errors": [],
        "sources": [],
        "findings": 0,
        "new_findings": 0,
        "organizations": 0,
        "new_organizations": 0,
        "cancelled": False,
    }


def _own_addresses(conn: sqlite3.Connection) -> tuple[str, ...]:
    from exposure.services.profile import get_profile

    return tuple(email.lower() for email in get_profile(conn).emails)


# -- senders and findings -----------------------------------------------------------------------
def _org_names(conn: sqlite3.Connection, domains: Iterable[str]) -> dict[str, str]:
    from exposure.catalog.match import Matcher

    matcher = Matcher(conn)
    ids = {domain: matcher.match_domain(domain) for domain in domains}
    wanted = {org_id for org_id in ids.values() if org_id is not None}
    names: dict[int, str] = {}
    if wanted:
        marks = ",".join("?" * len(wanted))
        names = {
            row[0]: row[1]
            for row in conn.execute(
                f"SELECT id, name FROM organization WHERE id IN ({marks})", sorted(wanted)
            )
        }
    return {domain: names[org_id] for domain, org_id in ids.items() if org_id is not None and org_id in names}


def senders(conn: sqlite3.Connection, agg: MailAggregator) -> list[dict[str, Any]]:
    """The ``senders`` list of the JSON output: every domain seen, people with organization null."""
    names = _org_names(conn, [d for d in agg.domains if not agg.is_person(d)])
    out: list[dict[str, Any]] = []
    for domain, stats in agg.domains.items():
        person = agg.is_person(domain)
        out.append(
            {
                "domain": domain,
                "organization": None if person else names.get(domain, domain),
                "messages": stats.messages,
                "sent": stats.sent,
                "first_seen": iso_date(stats.first),
                "last_seen": iso_date(stats.last),
                "kinds": [] if person else [k for k in _kinds(stats) if k != "other"],
                "confidence": None if person else confidence(stats.kind_bits()),
            }
        )
    out.sort(key=lambda s: (-s["messages"], -s["sent"], s["domain"]))
    return out


def _kinds(stats: DomainStats) -> list[str]:
    from exposure.sources.mail.classify import kind_names

    return kind_names(stats.kind_bits())


def _store_findings(
    conn: sqlite3.Connection,
    agg: MailAggregator,
    *,
    source: str,
    location: str,
    complete: bool,
    result: dict[str, Any],
) -> None:
    """One finding per organization domain; stale ones of this location go when it was read whole."""
    from exposure.services.inventory import ingest

    findings = [
        finding_for(stats, source=source, location=location, key=f"{location}|{stats.domain}")
        for stats in agg.organizations()
    ]
    with transaction(conn):
        stats = ingest(conn, findings)
        if complete:
            keys = {f.key for f in findings}
            stale = [
                row[0]
                for row in conn.execute(
                    "SELECT id, key FROM finding WHERE source = ? AND location = ?", (source, location)
                )
                if row[1] not in keys
            ]
            conn.executemany("DELETE FROM finding WHERE id = ?", [(i,) for i in stale])
    result["findings"] += stats.findings
    result["new_findings"] += stats.new_findings
    result["organizations"] += len(stats.organizations)
    result["new_organizations"] += len(stats.new_organizations)


def _record_scan(
    conn: sqlite3.Connection,
    kind: str,
    location: str,
    started: str,
    stats: dict[str, Any],
    state: dict[str, Any] | None = None,
) -> None:
    with transaction(conn):
        conn.execute(
            "INSERT INTO scan (kind, location, started_at, finished_at, stats, state) VALUES (?, ?, ?, ?, ?, ?)",
            (kind, location, started, now(), json.dumps(stats), json.dumps(state or {})),
        )


class _Ticker:
    """Progress in bytes, plus a live message count (throttled)."""

    def __init__(self, progress: Progress, live: Live | None, total: int) -> None:
        self.progress = progress
        self.live = live if live is not None else {}
        self.live.update({"messages": 0, "bytes": 0, "total": total, "started": time.monotonic()})
        self.done_messages = 0
        self.options: Any = None  #: the ReadOptions, whose ``current`` aggregator is being filled
        self.last_message = 0.0

    def on_bytes(self, n: int) -> None:
        self.progress.advance(n)
        live = self.live
        live["bytes"] += n
        current = self.options.current if self.options is not None else None
        messages = self.done_messages + (current.messages if current is not None else 0)
        live["messages"] = messages
        t = time.monotonic()
        if t - self.last_message > 0.25:
            self.last_message = t
            self.progress.message(f"Reading mail: {messages:,} messages")


# -- archives on disk ---------------------------------------------------------------------------
def scan_paths(
    conn: sqlite3.Connection,
    paths: Iterable[Path | str],
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    *,
    workers: int | None = None,
    live: Live | None = None,
) -> dict[str, Any]:
    """Scan mail archives; returns the ``scan mail --json`` document.

    ``workers`` is the number of processes for one large plain mbox (None: one per CPU, at
    most 4). ``live`` (optional) is updated with ``messages``, ``bytes``, ``total`` while
    reading. A cancelled or broken scan keeps every unit read up to that point.
    """
    from exposure.sources.mail.files import MailUnit, ReadOptions, discover, read_input
    from exposure.sources.mail.parallel import default_workers

    progress = progress or NullProgress()
    result = _new_result()
    errors: list[dict[str, str]] = result["errors"]
    t0 = time.perf_counter()

    def report(where: str, message: str) -> None:
        errors.append({"where": where, "message": message})

    own = _own_addresses(conn)
    # Absolute paths: they name the archive in findings' keys (a rescan from elsewhere is the same).
    inputs = discover([Path(p).expanduser().absolute() for p in paths], report)
    total_bytes = sum(inp.size for inp in inputs)
    progress.start("Reading mail", total_bytes or None)
    ticker = _Ticker(progress, live, total_bytes)
    options = ReadOptions(
        own=own,
        on_bytes=ticker.on_bytes,
        cancel=cancel,
        workers=default_workers() if workers is None else max(1, workers),
    )
    ticker.options = options
    everything = MailAggregator(own)

    def keep(unit: MailUnit, started: str) -> None:
        agg = unit.aggregator
        _store_findings(
            conn, agg, source=unit.source, location=unit.location, complete=unit.complete, result=result
        )
        everything.merge(agg)
        ticker.done_messages += agg.messages
        options.current = None
        ticker.live["messages"] = ticker.done_messages
        result["sources"].append(
            {
                "kind": unit.source,
                "location": unit.location,
                "messages": agg.messages,
                "skipped": agg.skipped,
                "complete": unit.complete,
            }
        )
        _record_scan(
            conn,
            unit.source,
            unit.location,
            started,
            {
                "messages": agg.messages,
                "skipped": agg.skipped,
                "sent": agg.sent,
                "domains": len(agg.domains),
                "organizations": sum(1 for _ in agg.organizations()),
                "complete": unit.complete,
            },
        )

    try:
        for inp in inputs:
            started = now()
            units = read_input(inp, report, options)
            while True:
                try:
                    unit = next(units)
                except StopIteration:
                    break
                keep(unit, started)
                started = now()
    except Cancelled:
        result["cancelled"] = True
        report("scan", "cancelled: the mail read before was kept")
    progress.done()
    result["messages"] = everything.messages
    result["skipped"] = everything.skipped
    result["sent"] = everything.sent
    result["bytes"] = int(ticker.live.get("bytes", 0))
    result["seconds"] = round(time.perf_counter() - t0, 3)
    result["senders"] = senders(conn, everything)
    if options.rss:
        result["worker_rss_kb"] = options.rss
    return result


def failed(result: dict[str, Any]) -> bool:
    """Nothing was read and something went wrong: the CLI exits 1."""
    return result["messages"] == 0 and bool(result["errors"])


# -- IMAP -----------------------------------------------------------------------------------------
def account_id(host: str, user: str) -> str:
    """The mailbox's identity: the same whatever port or security it is reached with."""
    return f"imap://{user}@{host.lower()}"


def _credentials(oauth: bool | None) -> tuple[str, str]:
    """("password" | "oauth2", secret) from the keyring; a clear SecretError when missing."""
    from exposure.secrets import NAMES, get_secret

    if oauth is not False:
        token = get_secret("imap_token")
        if token:
            return "oauth2", token
        if oauth:
            raise SecretError(
                f"no {NAMES['imap_token']} is stored", hint="run `exposure secrets set imap_token`"
            )
    password = get_secret("imap")
    if not password:
        raise SecretError(
            f"no {NAMES['imap']} is stored",
            hint="run `exposure secrets set imap`, or `exposure secrets set imap_token` for an OAuth2 token",
        )
    return "password", password


def choose_folders(folders: list[Any], wanted: list[str] | None) -> list[Any]:
    """The folders to read: those asked for, or all that hold distinct mail.

    Without a choice, every selectable folder is read except drafts; when the server has an
    "All Mail" folder (``\\All``, Gmail), only it, Spam/Junk and Trash are read, as the other
    folders are views of the same messages.
    """
    from exposure.sources.mail.files import folder_flags

    selectable = [f for f in folders if f.selectable]
    if wanted:
        by_name = {f.name: f for f in selectable}
        by_lower = {f.name.lower(): f for f in selectable}
        chosen = []
        missing = []
        for name in wanted:
            folder = by_name.get(name) or by_lower.get(name.lower())
            if folder is None:
                missing.append(name)
            elif folder not in chosen:
                chosen.append(folder)
        if missing:
            known = ", ".join(sorted(f.name for f in selectable)[:20])
            raise NetworkError(f"no folder {', '.join(map(repr, missing))} on the server (folders: {known})")
        return chosen
    all_mail = [f for f in selectable if "\\all" in f.flags]
    if all_mail:
        return [
            f
            for f in selectable
            if f in all_mail or f.flags & {"\\junk", "\\trash"} or folder_flags(f.name).spam
        ]
    return [f for f in selectable if "\\drafts" not in f.flags and f.name.lower() not in ("drafts", "draft")]


def _flags_for(folder: Any) -> Any:
    from exposure.sources.mail.aggregate import MailFlags
    from exposure.sources.mail.files import folder_flags

    by_name = folder_flags(folder.name)
    return MailFlags(
        sent=by_name.sent or "\\sent" in folder.flags,
        spam=by_name.spam or "\\junk" in folder.flags,
    )


def _load_own(conn: sqlite3.Connection, account: str) -> set[str]:
    row = conn.execute("SELECT own FROM mail_account WHERE account = ?", (account,)).fetchone()
    return set(json.loads(row[0])) if row else set()


def _add_batch(
    conn: sqlite3.Connection,
    account: str,
    folder: str,
    uidvalidity: int,
    last_uid: int,
    agg: MailAggregator,
    own_before: set[str],
) -> None:
    """Add one batch's counts to the stored totals and move the folder's last UID: one transaction."""
    with transaction(conn):
        for domain, stats in agg.domains.items():
            row = conn.execute(
                "SELECT stats FROM mail_sender WHERE account = ? AND folder = ? AND domain = ?",
                (account, folder, domain),
            ).fetchone()
            if row is not None:
                stored = DomainStats.from_json(domain, json.loads(row[0]))
                stored.merge(stats)
                stats = stored
            conn.execute(
                "INSERT INTO mail_sender (account, folder, domain, stats) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(account, folder, domain) DO UPDATE SET stats = excluded.stats",
                (account, folder, domain, json.dumps(stats.to_json(), ensure_ascii=False)),
            )
        conn.execute(
            "INSERT INTO mail_folder (account, folder, uidvalidity, last_uid, messages, skipped, sent, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(account, folder) DO UPDATE SET "
            "uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid, "
            "messages = messages + excluded.messages, skipped = skipped + excluded.skipped, "
            "sent = sent + excluded.sent, updated_at = excluded.updated_at",
            (account, folder, uidvalidity, last_uid, agg.messages, agg.skipped, agg.sent, now()),
        )
        if agg.own - own_before:
            own = sorted(own_before | agg.own)
            conn.execute(
                "INSERT INTO mail_account (account, own, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT(account) DO UPDATE SET own = excluded.own, updated_at = excluded.updated_at",
                (account, json.dumps(own), now()),
            )
            own_before |= agg.own


def _reset_folder(conn: sqlite3.Connection, account: str, folder: str, uidvalidity: int) -> None:
    with transaction(conn):
        conn.execute("DELETE FROM mail_sender WHERE account = ? AND folder = ?", (account, folder))
        conn.execute(
            "INSERT INTO mail_folder (account, folder, uidvalidity, last_uid, messages, skipped, sent, updated_at) "
            "VALUES (?, ?, ?, 0, 0, 0, 0, ?) ON CONFLICT(account, folder) DO UPDATE SET "
            "uidvalidity = excluded.uidvalidity, last_uid = 0, messages = 0, skipped = 0, sent = 0, "
            "updated_at = excluded.updated_at",
            (account, folder, uidvalidity, now()),
        )


def account_totals(conn: sqlite3.Connection, account: str, own: Iterable[str] = ()) -> MailAggregator:
    """Everything stored for an IMAP account, as one aggregator (all folders summed)."""
    agg = MailAggregator(set(own) | _load_own(conn, account))
    for row in conn.execute(
        "SELECT COALESCE(SUM(messages), 0), COALESCE(SUM(skipped), 0), COALESCE(SUM(sent), 0) "
        "FROM mail_folder WHERE account = ?",
        (account,),
    ):
        agg.messages, agg.skipped, agg.sent = int(row[0]), int(row[1]), int(row[2])
    for domain, stats_json in conn.execute(
        "SELECT domain, stats FROM mail_sender WHERE account = ? ORDER BY folder, domain", (account,)
    ):
        stats = DomainStats.from_json(domain, json.loads(stats_json))
        mine = agg.domains.get(domain)
        if mine is None:
            agg.domains[domain] = stats
        else:
            mine.merge(stats)
    return agg


def scan_imap(
    conn: sqlite3.Connection,
    host: str,
    port: int | None,
    user: str,
    folders: list[str] | None = None,
    security: str = "ssl",
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    *,
    password: str | None = None,
    token: str | None = None,
    oauth: bool | None = None,
    ssl_context: ssl.SSLContext | None = None,
    timeout: float = 30.0,
    batch: int = 1000,
    live: Live | None = None,
    reader_factory: Callable[..., Any] | None = None,
) -> dict[str, Any]:
    """Read new mail headers from an IMAP account; returns the ``scan imap --json`` document.

    The secret comes from the keyring unless ``password`` or ``token`` is given: the OAuth2
    token (``imap_token``) when one is stored, else the password (``imap``); ``oauth`` True
    or False forces one. ``messages`` counts the messages read in this run; ``senders`` are
    the account's totals so far. A failure after login keeps everything read before it and is
    listed in ``errors`` (the scan can be run again to resume).
    """
    from exposure.sources.mail.imap import DEFAULT_PORTS, FolderError, ImapReader

    progress = progress or NullProgress()
    result = _new_result()
    result.update({"account": None, "folders": [], "new_messages": 0})
    errors: list[dict[str, str]] = result["errors"]
    t0 = time.perf_counter()
    port = port or DEFAULT_PORTS.get(security, 993)
    account = account_id(host, user)
    result["account"] = account
    if token:
        method, secret = "oauth2", token
    elif password:
        method, secret = "password", password
    else:
        method, secret = _credentials(oauth)
    profile_own = set(_own_addresses(conn))
    if "@" in user:
        profile_own.add(user.lower())
    own = profile_own | _load_own(conn, account)
    started = now()
    run = MailAggregator(own)  # this run's messages, for the counts
    make = reader_factory or ImapReader
    reader = make(host, port, security=security, timeout=timeout, ssl_context=ssl_context)
    state: dict[str, Any] = {}
    live_d = live if live is not None else {}
    live_d.update({"messages": 0, "total": 0, "started": time.monotonic()})  # total: messages
    failure: BaseException | None = None
    try:
        reader.connect()
        if method == "oauth2":
            reader.login_oauth2(user, secret)
        else:
            reader.login(user, secret)
        chosen = choose_folders(reader.folders(), folders)
        plan = []
        for folder in chosen:
            if cancel is not None:
                cancel.check()
            try:
                uidvalidity, _count = reader.examine(folder)
            except FolderError as exc:  # one folder refused: read the others
                errors.append({"where": f"{account}/{folder.name}", "message": str(exc)})
                continue
            row = conn.execute(
                "SELECT uidvalidity, last_uid FROM mail_folder WHERE account = ? AND folder = ?",
                (account, folder.name),
            ).fetchone()
            last_uid = 0
            if row is not None and int(row[0]) == uidvalidity:
                last_uid = int(row[1])
            elif row is not None:
                _reset_folder(conn, account, folder.name, uidvalidity)
                errors.append(
                    {
                        "where": f"{account}/{folder.name}",
                        "message": "the folder's UIDVALIDITY changed: it is read again from the start",
                    }
                )
            uids = reader.uids_after(last_uid)
            plan.append((folder, uidvalidity, last_uid, uids))
        total = sum(len(p[3]) for p in plan)
        live_d["total"] = total
        progress.start(f"Reading {host}", total or None)
        for folder, uidvalidity, last_uid, uids in plan:
            info = {"folder": folder.name, "uidvalidity": uidvalidity, "new": 0, "last_uid": last_uid}
            result["folders"].append(info)
            if not uids:
                continue
            if len(plan) > 1:
                reader.examine(folder)
            last_uid = _read_folder(
                conn, reader, account, folder, uidvalidity, last_uid, uids, own, run, info,
                progress, cancel, live_d, batch,
            )  # fmt: skip
            state[folder.name] = {"uidvalidity": uidvalidity, "last_uid": last_uid}
    except Cancelled:
        result["cancelled"] = True
        errors.append({"where": account, "message": "cancelled: the mail read before was kept"})
    except NetworkError as exc:
        failure = exc
        if not result["folders"] and run.messages == 0 and not state:
            reader.close()
            raise
        errors.append({"where": account, "message": str(exc)})
    finally:
        reader.close()
    progress.done()
    totals = account_totals(conn, account, profile_own)
    _store_findings(conn, totals, source="imap", location=account, complete=True, result=result)
    result["messages"] = run.messages
    result["new_messages"] = run.messages
    result["skipped"] = run.skipped
    result["sent"] = run.sent
    result["total_messages"] = totals.messages
    result["seconds"] = round(time.perf_counter() - t0, 3)
    result["senders"] = senders(conn, totals)
    _record_scan(
        conn,
        "imap",
        account,
        started,
        {
            "messages": run.messages,
            "skipped": run.skipped,
            "total_messages": totals.messages,
            "domains": len(totals.domains),
            "complete": failure is None and not result["cancelled"],
        },
        {"folders": state},
    )
    return result


def _read_folder(
    conn: sqlite3.Connection,
    reader: Any,
    account: str,
    folder: Any,
    uidvalidity: int,
    last_uid: int,
    uids: list[int],
    own: set[str],
    run: MailAggregator,
    info: dict[str, Any],
    progress: Progress,
    cancel: CancelToken | None,
    live: Live,
    batch: int,
) -> int:
    """Read one folder's new messages, adding them to the stored totals every COMMIT_EVERY
    messages and when anything stops the reading; returns the last UID stored."""
    flags = _flags_for(folder)
    window = MailAggregator(own, flags)  # read since the last commit
    top = last_uid
    reported = 0

    def commit() -> None:
        nonlocal window, last_uid, reported
        if not window.messages:
            return
        _add_batch(conn, account, folder.name, uidvalidity, top, window, own)
        own.update(window.own)
        run.merge(window)
        last_uid = top
        info["new"] += window.messages
        info["last_uid"] = top
        progress.advance(window.messages - reported)
        reported = 0
        live["messages"] = run.messages
        window = MailAggregator(own, flags)

    try:
        # Answers come in UID order, so after any failure every message up to ``top`` has
        # been counted: storing them with last UID = top is exact.
        for uid, block in reader.fetch_headers(uids, batch=batch):
            window.add_block(block)
            if uid > top:
                top = uid
            n = window.messages
            if n >= COMMIT_EVERY:
                commit()
            elif n - reported >= 500:
                progress.advance(n - reported)
                reported = n
                live["messages"] = run.messages + n
                if cancel is not None:
                    cancel.check()
    finally:
        commit()
    return last_uid
