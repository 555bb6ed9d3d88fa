"""From header blocks to per-domain evidence, and from there to findings.

:class:`MailAggregator` is fed header blocks (``add_block``, the hot path of a 1 GiB scan) or
parsed headers (``add_header``). It keeps, per sender registrable domain: the message count,
first and last date, the kinds of mail seen (account, purchase, marketing ...) and a few sample
subjects, never bodies. Mail the user sent counts for the recipients' domains. Free-mail
providers and the user's own domains are people: they are counted in ``senders`` but give no
finding.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from exposure.catalog.match import domain_of_host
from exposure.core.models import Finding
from exposure.sources.mail import classify as C
from exposure.sources.mail.headers import (
    DateParser,
    address_of,
    addresses_of,
    field_positions,
    split_address,
    split_labels,
    to_text,
    value_at,
)

#: (date, subject, kinds) of a sample message; the subject stays bytes until shown.
Sample = tuple[int | None, bytes | str, int]
#: Sample subjects kept per domain.
SAMPLES = 3
_CACHE_LIMIT = 200_000


@dataclass(slots=True)
class DomainStats:
    """Evidence for one registrable domain."""

    domain: str
    messages: int = 0  #: messages received from the domain
    sent: int = 0  #: messages the user sent to the domain
    first: int | None = None  #: epoch seconds
    last: int | None = None
    kinds: dict[str, int] = field(default_factory=dict)  #: kind name -> messages
    samples: list[Sample] = field(default_factory=list)  #: (date, subject, kinds)
    identifiers: dict[str, int] = field(default_factory=dict)  #: the user's address -> messages
    sample_kinds: int = 0  #: kinds of the samples kept (to skip needless sampling work)

    def see(self, ts: int | None) -> None:
        if ts is not None:
            if self.first is None or ts < self.first:
                self.first = ts
            if self.last is None or ts > self.last:
                self.last = ts

    def merge(self, other: DomainStats) -> None:
        self.messages += other.messages
        self.sent += other.sent
        self.see(other.first)
        self.see(other.last)
        for name, count in other.kinds.items():
            self.kinds[name] = self.kinds.get(name, 0) + count
        for address, count in other.identifiers.items():
            self.identifiers[address] = self.identifiers.get(address, 0) + count
        for sample in other.samples:
            _add_sample(self, *sample)

    def kind_bits(self) -> int:
        bits = 0
        for bit, name in C.KIND_NAMES.items():
            if self.kinds.get(name):
                bits |= bit
        return bits

    def subjects(self) -> list[dict[str, str | None]]:
        return [{"date": iso_date(ts), "subject": _text(subject)} for ts, subject, _ in self.samples]

    def to_json(self) -> dict[str, Any]:
        """A plain dict (stored for incremental IMAP scans; see :meth:`from_json`)."""
        return {
            "messages": self.messages,
            "sent": self.sent,
            "first": self.first,
            "last": self.last,
            "kinds": self.kinds,
            "samples": [[ts, _text(subject), kinds] for ts, subject, kinds in self.samples],
            "identifiers": self.identifiers,
        }

    @classmethod
    def from_json(cls, domain: str, data: dict[str, Any]) -> DomainStats:
        stats = cls._from_json(domain, data)
        for _, _, kinds in stats.samples:
            stats.sample_kinds |= kinds
        return stats

    @classmethod
    def _from_json(cls, domain: str, data: dict[str, Any]) -> DomainStats:
        return cls(
            domain=domain,
            messages=int(data.get("messages", 0)),
            sent=int(data.get("sent", 0)),
            first=data.get("first"),
            last=data.get("last"),
            kinds={str(k): int(v) for k, v in dict(data.get("kinds", {})).items()},
            samples=[(s[0], str(s[1]), int(s[2])) for s in list(data.get("samples", []))[:SAMPLES]],
            identifiers={str(k): int(v) for k, v in dict(data.get("identifiers", {})).items()},
        )


def _text(subject: bytes | str) -> str:
    return subject if isinstance(subject, str) else to_text(subject)[:300]


def _add_sample(stats: DomainStats, ts: int | None, subject: bytes | str, kinds: int) -> None:
    samples = stats.samples
    if not subject:
        return
    for _, existing, _ in samples:
        if existing == subject:
            return
    if len(samples) < SAMPLES:
        samples.append((ts, subject, kinds))
        stats.sample_kinds |= kinds
        return
    # Full: make room for a stronger kind (an account or purchase mail beats a newsletter).
    if kinds & _STRONG & ~stats.sample_kinds:
        for index, (_, _, k) in enumerate(samples):
            if not k & _STRONG:
                samples[index] = (ts, subject, kinds)
                have = 0
                for _, _, k2 in samples:
                    have |= k2
                stats.sample_kinds = have
                return


_STRONG = C.ACCOUNT | C.PURCHASE


_NAMES: dict[int, list[str]] = {}


def _names(kinds: int) -> list[str]:
    names = _NAMES.get(kinds)
    if names is None:
        names = _NAMES[kinds] = C.kind_names(kinds)
    return names


def iso_date(ts: int | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat()


@dataclass
class MailFlags:
    """What the folder a message came from says about it."""

    sent: bool = False  #: a Sent folder: every message is mail the user sent
    spam: bool = False  #: a Junk / Spam folder


class MailAggregator:
    """Per-domain evidence of a set of messages (one archive, one mailbox or one IMAP folder)."""

    def __init__(self, own_addresses: Iterable[str] = (), flags: MailFlags | None = None) -> None:
        self.own: set[str] = set()
        self._own_b: set[bytes] = set()
        self.own_domains: set[str] = set()
        for address in own_addresses:
            self._learn_own(address.lower())
        self.flags = flags or MailFlags()
        self.messages = 0  #: every message read
        self.skipped = 0  #: messages without a usable sender address
        self.sent = 0  #: messages the user sent
        self.domains: dict[str, DomainStats] = {}
        self._hosts: dict[bytes, str | None] = {}
        self._locals: dict[bytes, int] = {}
        self._labels: dict[bytes, tuple[int, bool]] = {}
        self._addresses: dict[bytes, tuple[bytes, str] | None] = {}
        self._recipients: dict[bytes, list[str]] = {}
        self._date = DateParser()

    # -- the user's own addresses -------------------------------------------------------------
    def _learn_own(self, address: str) -> None:
        self.own.add(address)
        self._own_b.add(address.encode("utf-8"))
        domain = domain_of_host(address.rsplit("@", 1)[-1])
        if domain and not C.is_freemail(domain):
            self.own_domains.add(domain)

    def is_person(self, domain: str) -> bool:
        """Free-mail providers and the user's own domains are people, not organizations."""
        return C.is_freemail(domain) or domain in self.own_domains

    # -- caches -------------------------------------------------------------------------------
    def _host_domain(self, host: bytes) -> str | None:
        found = self._hosts.get(host, _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[no-any-return]
        result = None
        parsed = split_address(b"x@" + host)
        if parsed:
            result = domain_of_host(parsed[1])
        if len(self._hosts) > _CACHE_LIMIT:
            self._hosts.clear()
        self._hosts[host] = result
        return result

    def _local_kinds(self, local: bytes) -> int:
        found = self._locals.get(local)
        if found is None:
            found = C.classify_local(local.decode("utf-8", "replace").lower())
            if len(self._locals) > _CACHE_LIMIT:
                self._locals.clear()
            self._locals[local] = found
        return found

    def _label_kinds(self, raw: bytes) -> tuple[int, bool]:
        found = self._labels.get(raw)
        if found is None:
            labels = split_labels(to_text(raw.strip()))
            found = (C.classify_labels(labels), C.is_sent_label(labels))
            if len(self._labels) > _CACHE_LIMIT:
                self._labels.clear()
            self._labels[raw] = found
        return found

    def _address(self, raw: bytes) -> tuple[bytes, str] | None:
        """(lower-cased address as bytes, and as text) of a one-address field, cached."""
        found = self._addresses.get(raw, _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[no-any-return]
        addr = address_of(raw)
        parsed = split_address(addr) if addr else None
        result = (parsed[0].encode("utf-8"), parsed[0]) if parsed else None
        if len(self._addresses) > _CACHE_LIMIT:
            self._addresses.clear()
        self._addresses[raw] = result
        return result

    def _recipient_list(self, raw: bytes) -> list[str]:
        found = self._recipients.get(raw)
        if found is None:
            found = addresses_of(raw)
            if len(self._recipients) > _CACHE_LIMIT:
                self._recipients.clear()
            self._recipients[raw] = found
        return found

    # -- reading ------------------------------------------------------------------------------
    def add_block(self, block: bytes) -> None:
        """Count one message from its raw header block (which must start with a newline).

        This is the hot path of a 1 GiB scan. Field names are looked up in their usual
        spelling first (``From:``), which is fast; if one of From, Date and Subject is not
        found that way, a case-insensitive search finds any other spelling (``FROM:``).
        """
        self.messages += 1
        i = block.rfind(b"\nFrom:")
        j = block.rfind(b"\nDate:")
        k = block.rfind(b"\nSubject:")
        if i < 0 or j < 0 or k < 0:
            found = field_positions(block)
            i, j, k = found.get(b"from", -1), found.get(b"date", -1), found.get(b"subject", -1)
        else:
            i, j, k = i + 6, j + 6, k + 9
        size = len(block)
        # From -> address -> registrable domain
        if i < 0:
            self.skipped += 1
            return
        e = block.find(b"\n", i)
        if e < 0:
            e = size
        raw = value_at(block, i) if e + 1 < size and block[e + 1] in _FOLD else block[i:e]
        lt = raw.rfind(b"<")
        addr: bytes | None = None
        if lt >= 0:
            gt = raw.find(b">", lt)
            addr = raw[lt + 1 : gt] if gt > 0 else raw[lt + 1 :]
            at = addr.rfind(b"@")
            if at <= 0:
                addr = address_of(raw)
                at = addr.rfind(b"@") if addr else -1
        else:
            addr = address_of(raw)
            at = addr.rfind(b"@") if addr else -1
        if addr is None or at <= 0:
            self.skipped += 1
            return
        domain = self._host_domain(addr[at + 1 :])
        if domain is None:
            self.skipped += 1
            return
        stats = self.domains.get(domain)
        if stats is None:
            stats = self.domains[domain] = DomainStats(domain)
        stats.messages += 1
        # Date: a message whose day lies well inside what is known of the domain cannot
        # move its first or last date, so the time of day is parsed only when it could.
        ts = None
        exact = True  # False: ts is only the day (enough for the first/last test)
        value = b""
        if j >= 0:
            e = block.find(b"\n", j)
            if e < 0:
                e = size
            value = value_at(block, j) if e + 1 < size and block[e + 1] in _FOLD else block[j:e]
            first, last = stats.first, stats.last
            c = value.find(b":")
            day0 = self._date.days.get(value[: c - 2]) if c > 8 else None
            if day0 is None or first is None or last is None or not first + 86400 < day0 < last - 2 * 86400:
                ts = self._date(value)
                if ts is not None:
                    if first is None or ts < first:
                        stats.first = ts
                    if last is None or ts > last:
                        stats.last = ts
            else:
                ts, exact = day0, False
        # Subject
        subject = b""
        if k >= 0:
            e = block.find(b"\n", k)
            if e < 0:
                e = size
            subject = value_at(block, k) if e + 1 < size and block[e + 1] in _FOLD else block[k:e].strip()
            if b"=?" in subject:
                subject = to_text(subject).encode("utf-8")
        # Gmail labels, Delivered-To: who the user is, what was sent, what is spam
        label_kinds, label_sent = 0, False
        p = block.find(b"\nX-Gmail-Labels:")
        if p >= 0:
            e = block.find(b"\n", p + 16)
            raw = block[p + 16 : e if e >= 0 else size]
            found_labels = self._labels.get(raw)
            label_kinds, label_sent = found_labels if found_labels is not None else self._label_kinds(raw)
        delivered = None
        p = block.find(b"\nDelivered-To:")
        if p >= 0:
            e = block.find(b"\n", p + 14)
            raw = block[p + 14 : e if e >= 0 else size]
            delivered = self._addresses.get(raw, _MISSING)
            if delivered is _MISSING:
                delivered = self._address(raw)
        flags = self.flags
        if flags.sent or label_sent or delivered is not None or self._own_b:
            lower = addr.strip().lower()
            if (
                flags.sent
                or label_sent
                or (delivered is not None and lower == delivered[0])
                or lower in self._own_b
            ):
                if not exact:
                    ts = self._date(value)
                self._add_sent(block, lower.decode("utf-8", "replace"), stats, ts, subject)
                return
        # A message received: what it says about the sender
        local = addr[:at]
        kinds = self._locals.get(local)
        if kinds is None:
            kinds = self._local_kinds(local)
        if subject:
            low = subject.lower()
            m = _KIND_WORDS.search(low)
            if m is not None:
                if m.lastgroup == "account":
                    kinds |= C.ACCOUNT
                    if _PURCHASE_WORDS.search(low):
                        kinds |= C.PURCHASE
                else:
                    kinds |= C.PURCHASE
                    if _ACCOUNT_WORDS.search(low):
                        kinds |= C.ACCOUNT
        if _is_bulk(block):
            kinds |= C.MARKETING
        kinds |= label_kinds
        if flags.spam or kinds & C.SPAM:
            kinds = C.SPAM  # spam proves nothing, whatever it claims to be
        elif not kinds:
            kinds = C.OTHER
        counts = stats.kinds
        names = _NAMES.get(kinds)
        for name in names if names is not None else _names(kinds):
            counts[name] = counts.get(name, 0) + 1
        if delivered is not None:
            identifier: str | None = delivered[1]
        elif self._own_b:
            identifier = None
            t = block.rfind(b"\nTo:")
            if t >= 0:
                for candidate in self._recipient_list(value_at(block, t + 4)):
                    if candidate in self.own:
                        identifier = candidate
                        break
        else:
            identifier = None
        if identifier is not None:
            stats.identifiers[identifier] = stats.identifiers.get(identifier, 0) + 1
        if len(stats.samples) < SAMPLES or kinds & _STRONG & ~stats.sample_kinds:
            _add_sample(stats, ts if exact else self._date(value), subject, kinds)

    def _add_sent(
        self, block: bytes, address: str, stats: DomainStats, ts: int | None, subject: bytes
    ) -> None:
        """Mail the user sent: evidence for each recipient's domain."""
        self.sent += 1
        if address not in self.own:
            self._learn_own(address)
        stats.kinds["own"] = stats.kinds.get("own", 0) + 1
        seen: set[str] = set()
        for name in (b"\nTo:", b"\nCc:", b"\nCC:"):
            p = block.rfind(name)
            if p < 0:
                continue
            for recipient in self._recipient_list(value_at(block, p + len(name))):
                if recipient in self.own:
                    continue
                rdomain = domain_of_host(recipient.rsplit("@", 1)[-1])
                if not rdomain or rdomain in seen:
                    continue
                seen.add(rdomain)
                rstats = self.domains.get(rdomain)
                if rstats is None:
                    rstats = self.domains[rdomain] = DomainStats(rdomain)
                rstats.sent += 1
                rstats.see(ts)
                rstats.kinds["sent"] = rstats.kinds.get("sent", 0) + 1
                rstats.identifiers[address] = rstats.identifiers.get(address, 0) + 1
                _add_sample(rstats, ts, subject, C.SENT)

    def drop_caches(self) -> None:
        """Forget the parsing caches (before handing the aggregator to another process)."""
        self._hosts, self._locals, self._labels = {}, {}, {}
        self._addresses, self._recipients = {}, {}
        self._date = DateParser()

    # -- results ------------------------------------------------------------------------------
    def merge(self, other: MailAggregator) -> None:
        self.messages += other.messages
        self.skipped += other.skipped
        self.sent += other.sent
        for address in other.own:
            if address not in self.own:
                self._learn_own(address)
        for domain, stats in other.domains.items():
            mine = self.domains.get(domain)
            if mine is None:
                mine = self.domains[domain] = DomainStats(domain)
            mine.merge(stats)

    def organizations(self) -> Iterator[DomainStats]:
        """Domains that are organizations (not free-mail, not the user's own), with evidence."""
        for domain, stats in self.domains.items():
            if not self.is_person(domain):
                yield stats


_MISSING: Any = object()
_FOLD = (32, 9)
_ACCOUNT_WORDS = C.ACCOUNT_WORDS
_PURCHASE_WORDS = C.PURCHASE_WORDS
_KIND_WORDS = C.KIND_WORDS


def _is_bulk(block: bytes) -> bool:
    """A List-* field (any case), or Precedence: bulk / list / junk.

    Searched from the end: the List-* fields of the message itself come after the trace
    fields, whose DKIM/ARC signatures also name ``list-unsubscribe``.
    """
    p = block.rfind(b"ist-")
    while p >= 2:
        if block[p - 2 : p] in (b"\nL", b"\nl"):
            return True
        p = block.rfind(b"ist-", 0, p)
    p = block.find(b"recedence:")
    while p >= 2:
        if block[p - 2 : p] in (b"\nP", b"\np"):
            e = block.find(b"\n", p)
            value = block[p + 10 : e if e >= 0 else len(block)].strip().lower()
            return value in (b"bulk", b"list", b"junk")
        p = block.find(b"recedence:", p + 10)
    return False


def finding_for(
    stats: DomainStats,
    *,
    source: str,
    location: str,
    key: str,
    own: set[str] | None = None,
) -> Finding:
    """The one finding of a domain in one archive or mailbox (``key`` makes rescans replace it)."""
    bits = stats.kind_bits()
    identifier = None
    if stats.identifiers:
        identifier = max(stats.identifiers.items(), key=lambda item: (item[1], item[0]))[0]
    kinds = C.kind_names(bits)
    evidence: dict[str, Any] = {
        "messages": stats.messages,
        "sent": stats.sent,
        "kinds": kinds,
        "kind_counts": {name: stats.kinds[name] for name in kinds if stats.kinds.get(name)},
        "subjects": stats.subjects(),
        "title": _title(stats, kinds),
    }
    return Finding(
        source=source,
        domain=stats.domain,
        identifier=identifier,
        location=location,
        evidence=evidence,
        first_seen=iso_date(stats.first),
        last_seen=iso_date(stats.last),
        confidence=C.confidence(bits),
        key=key,
    )


def _title(stats: DomainStats, kinds: list[str]) -> str:
    parts = []
    if stats.messages:
        parts.append(f"{stats.messages} message{'s' if stats.messages != 1 else ''} from {stats.domain}")
    if stats.sent:
        parts.append(f"{stats.sent} sent by you")
    shown = [k for k in kinds if k not in ("other", "sent")]
    if shown:
        parts.append(", ".join(shown))
    return "; ".join(parts)
