"""Reading the few header fields we need out of a raw header block, fast.

A *header block* is the bytes between a message's first line and the blank line that ends its
header (mbox, Maildir and .eml files, and IMAP ``BODY.PEEK[HEADER.FIELDS (...)]`` answers all
give one). We never parse the whole message: one lower-cased copy of the block is searched for
each wanted field name at a line start, the value is unfolded, and RFC 2047 encoded words are
decoded only when ``=?`` occurs in it. Bodies are never looked at.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field

#: Header fields the scanner reads (IMAP asks the server for exactly these).
FIELDS: tuple[str, ...] = (
    "From",
    "Date",
    "Subject",
    "Message-ID",
    "List-Id",
    "List-Unsubscribe",
    "Precedence",
    "To",
    "Cc",
    "Delivered-To",
    "X-Gmail-Labels",
)

_MONTHS = {
    b"jan": 1,
    b"feb": 2,
    b"mar": 3,
    b"apr": 4,
    b"may": 5,
    b"jun": 6,
    b"jul": 7,
    b"aug": 8,
    b"sep": 9,
    b"oct": 10,
    b"nov": 11,
    b"dec": 12,
}
_ZONES = {
    b"ut": 0,
    b"utc": 0,
    b"gmt": 0,
    b"z": 0,
    b"est": -300,
    b"edt": -240,
    b"cst": -360,
    b"cdt": -300,
    b"mst": -420,
    b"mdt": -360,
    b"pst": -480,
    b"pdt": -420,
}
#: Dates outside this window (1980 .. 2100) are garbage and ignored.
_MIN_TS = 315532800
_MAX_TS = 4102444800

_WS = re.compile(rb"\s+")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_ENCODED_GAP = re.compile(r"(\?=)\s+(=\?)")


@dataclass(slots=True)
class MailHeader:
    """What one message's header says, as far as the inventory cares."""

    from_addr: str | None = None  #: lower-cased address of the (first) From mailbox
    from_host: str | None = None  #: its host part (lower case, no trailing dot)
    date: int | None = None  #: seconds since the epoch (UTC), None when missing or unreadable
    subject: str = ""  #: decoded, whitespace collapsed
    message_id: str | None = None
    list_id: str | None = None
    list_unsubscribe: bool = False
    precedence: str | None = None  #: "bulk", "list", "junk" ... (lower case)
    delivered_to: str | None = None
    labels: tuple[str, ...] = ()  #: X-Gmail-Labels, split
    to: tuple[str, ...] = field(default_factory=tuple)  #: To and Cc addresses (only when asked)
    truncated: bool = False  #: the header block was cut (over the size limit)


def to_text(value: bytes) -> str:
    """Header bytes to text: UTF-8 (raw 8-bit headers are common), else Latin-1."""
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        text = value.decode("latin-1")
    if "=?" in text:
        text = decode_words(text)
    return text


def decode_words(text: str) -> str:
    """Decode RFC 2047 encoded words (``=?charset?B|Q?...?=``); bad ones are left as they are."""
    text = _ENCODED_GAP.sub(r"\1\2", text)  # whitespace between two encoded words is dropped
    return _ENCODED_WORD.sub(_decode_word, text)


def _decode_word(match: re.Match[str]) -> str:
    import base64
    import binascii
    import codecs
    import quopri

    charset, encoding, payload = match.group(1), match.group(2).lower(), match.group(3)
    charset = charset.split("*", 1)[0].lower()  # RFC 2231 language suffix
    try:
        if encoding == "b":
            data = base64.b64decode(payload + "=" * (-len(payload) % 4))
        else:
            data = quopri.decodestring(payload.replace("_", " ").encode("ascii"), header=True)
        try:
            codecs.lookup(charset)
        except LookupError:
            charset = "utf-8"
        return data.decode(charset, errors="replace")
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return match.group(0)


def address_of(value: bytes) -> bytes | None:
    """The address in a From-like value: ``"Name" <a@b>``, ``a@b (Name)``, ``<a@b>``, ``a@b``."""
    lt = value.rfind(b"<")
    if lt >= 0:
        gt = value.find(b">", lt)
        addr = value[lt + 1 : gt] if gt >= 0 else value[lt + 1 :]
        addr = addr.strip()
        if b"@" in addr:
            return addr
        # "<>" or "<local>": fall through to look for a bare address before it
        value = value[:lt]
    if b"(" in value:
        value = re.sub(rb"\([^()]*\)", b" ", value)
    at = value.find(b"@")
    if at < 0:
        return None
    # the whitespace/comma-separated token holding the @
    start = max(value.rfind(b" ", 0, at), value.rfind(b",", 0, at), value.rfind(b"\t", 0, at)) + 1
    end = len(value)
    for sep in (b" ", b",", b"\t", b">"):
        j = value.find(sep, at)
        if 0 <= j < end:
            end = j
    addr = value[start:end].strip(b"\"'<>;")
    return addr or None


def split_address(addr: bytes) -> tuple[str, str] | None:
    """(lower-cased address, host) of an address; None when there is no usable host."""
    at = addr.rfind(b"@")
    if at <= 0:
        return None
    host = addr[at + 1 :].strip().rstrip(b".").lower()
    if not host or b"." not in host:
        return None
    try:
        host_s = host.decode("ascii")
    except UnicodeDecodeError:
        try:
            host_s = host.decode("utf-8").encode("idna").decode("ascii")
        except UnicodeError:
            return None
    local = addr[:at].strip().strip(b'"')
    try:
        local_s = local.decode("utf-8").lower()
    except UnicodeDecodeError:
        local_s = local.decode("latin-1").lower()
    return f"{local_s}@{host_s}", host_s


def addresses_of(value: bytes) -> list[str]:
    """Every address in an address-list value (To, Cc), lower case."""
    out = []
    for part in _split_list(value):
        addr = address_of(part)
        if addr:
            parsed = split_address(addr)
            if parsed:
                out.append(parsed[0])
    return out


def _split_list(value: bytes) -> list[bytes]:
    """Split an address list at commas outside quotes and angle brackets."""
    if b'"' not in value:
        return value.split(b",")
    parts, buf, quoted = [], bytearray(), False
    for ch in value:
        if ch == 34:
            quoted = not quoted
        if ch == 44 and not quoted:
            parts.append(bytes(buf))
            buf.clear()
        else:
            buf.append(ch)
    parts.append(bytes(buf))
    return parts


def parse_date(value: bytes) -> int | None:
    """RFC 5322 date (and the usual deviations) to epoch seconds; None if unreadable."""
    parts = value.replace(b",", b" ").split()
    if parts and parts[0][:1].isalpha():
        parts = parts[1:]  # weekday
    try:
        if len(parts) >= 4:
            day_b, mon_b, year_b, time_b = parts[0], parts[1], parts[2], parts[3]
            month = _MONTHS.get(mon_b[:3].lower())
            if month is None:  # "Nov 25 2023" style
                month = _MONTHS.get(day_b[:3].lower())
                day_b, mon_b = mon_b, day_b
            if month is not None:
                day, year = int(day_b), int(year_b)
                if year < 100:
                    year += 2000 if year < 50 else 1900
                hms = time_b.split(b":")
                hour, minute = int(hms[0]), int(hms[1])
                second = int(hms[2][:2]) if len(hms) > 2 else 0
                offset = 0
                if len(parts) > 4:
                    zone = parts[4]
                    if zone[:1] in (b"+", b"-") and len(zone) >= 5 and zone[1:5].isdigit():
                        offset = int(zone[1:3]) * 60 + int(zone[3:5])
                        if zone[:1] == b"-":
                            offset = -offset
                    else:
                        offset = _ZONES.get(zone.lower(), 0)
                if 1 <= day <= 31 and 1 <= month <= 12 and hour < 24 and minute < 60 and second < 61:
                    ts = calendar.timegm((year, month, day, hour, minute, second)) - offset * 60
                    return ts if _MIN_TS <= ts <= _MAX_TS else None
    except (ValueError, IndexError, OverflowError):
        pass
    return _parse_date_slow(value)


def _parse_date_slow(value: bytes) -> int | None:
    from email.utils import mktime_tz, parsedate_tz

    try:
        parsed = parsedate_tz(value.decode("ascii", errors="replace"))
        if parsed is None:
            return None
        ts = int(mktime_tz(parsed))
    except (ValueError, OverflowError, TypeError, IndexError):
        return None
    return ts if _MIN_TS <= ts <= _MAX_TS else None


def split_labels(value: str) -> tuple[str, ...]:
    """X-Gmail-Labels: comma-separated; a label holding a comma is double-quoted."""
    if '"' not in value:
        return tuple(label.strip() for label in value.split(",") if label.strip())
    out: list[str] = []
    buf: list[str] = []
    quoted = False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            out.append("".join(buf).strip())
            buf = []
        else:
            buf.append(ch)
    out.append("".join(buf).strip())
    return tuple(label for label in out if label)


_FIELD = re.compile(
    rb"\n(from|date|subject|message-id|list-id|list-unsubscribe|precedence|to|cc|delivered-to|x-gmail-labels)"
    rb"[ \t]*:"
)


def value_at(block: bytes, start: int) -> bytes:
    """The unfolded value starting at ``start`` in ``block`` (up to the next unfolded line)."""
    end = block.find(b"\n", start)
    if end < 0:
        return block[start:].strip()
    size = len(block)
    while end + 1 < size and block[end + 1] in (32, 9):
        nxt = block.find(b"\n", end + 1)
        if nxt < 0:
            end = size
            break
        end = nxt
    value = block[start:end]
    if b"\n" in value:
        return _WS.sub(b" ", value).strip()
    return value.strip()


def field_positions(block: bytes) -> dict[bytes, int]:
    """Where the value of each wanted field starts in ``block`` (first occurrence only)."""
    found: dict[bytes, int] = {}
    for match in _FIELD.finditer(b"\n" + block.lower()):
        name = match.group(1)
        if name not in found:
            found[name] = match.end() - 1
    return found


def parse_header(block: bytes, *, want_recipients: bool = False) -> MailHeader:
    """Read the fields of :data:`FIELDS` from one header block (bytes, LF or CRLF)."""
    head = MailHeader()
    found = field_positions(block)
    pos = found.get(b"from")
    if pos is not None:
        addr = address_of(value_at(block, pos))
        if addr:
            parsed = split_address(addr)
            if parsed:
                head.from_addr, head.from_host = parsed
    pos = found.get(b"date")
    if pos is not None:
        head.date = parse_date(value_at(block, pos))
    pos = found.get(b"subject")
    if pos is not None:
        head.subject = to_text(value_at(block, pos))
    if b"list-unsubscribe" in found:
        head.list_unsubscribe = True
    pos = found.get(b"list-id")
    if pos is not None:
        head.list_id = to_text(value_at(block, pos))[:200]
    pos = found.get(b"precedence")
    if pos is not None:
        head.precedence = value_at(block, pos).decode("ascii", "replace").lower()[:20]
    pos = found.get(b"delivered-to")
    if pos is not None:
        addr = address_of(value_at(block, pos))
        parsed = split_address(addr) if addr else None
        if parsed:
            head.delivered_to = parsed[0]
    pos = found.get(b"x-gmail-labels")
    if pos is not None:
        head.labels = split_labels(to_text(value_at(block, pos)))
    pos = found.get(b"message-id")
    if pos is not None:
        head.message_id = value_at(block, pos).decode("ascii", "replace")[:300]
    if want_recipients:
        head.to = tuple(recipients(block, found))
    return head


def recipients(block: bytes, found: dict[bytes, int]) -> list[str]:
    """To and Cc addresses of a header block (``found`` from :func:`field_positions`)."""
    out: list[str] = []
    for name in (b"to", b"cc"):
        pos = found.get(name)
        if pos is not None:
            out.extend(addresses_of(value_at(block, pos)))
    return out


_MISSING = object()


def _day_start(head: bytes) -> int | None:
    """Epoch seconds of midnight UTC of a date like ``Thu, 02 Nov 2023`` (weekday optional)."""
    parts = head.replace(b",", b" ").split()
    if parts and parts[0][:1].isalpha() and len(parts) > 3:
        parts = parts[1:]
    if len(parts) != 3:
        return None
    day_b, mon_b, year_b = parts
    month = _MONTHS.get(mon_b[:3].lower())
    if month is None:
        month = _MONTHS.get(day_b[:3].lower())
        day_b = mon_b
    if month is None or not day_b.isdigit() or not year_b.isdigit():
        return None
    day, year = int(day_b), int(year_b)
    if year < 100:
        year += 2000 if year < 50 else 1900
    if not 1 <= day <= 31 or not 1900 <= year <= 2100:
        return None
    return calendar.timegm((year, month, day, 0, 0, 0))


def _zone_offset(rest: bytes) -> int:
    """Seconds east of UTC of what follows the time (``+0100``, ``GMT``, ``-0500 (EST)``)."""
    parts = rest.split()
    if not parts:
        return 0
    zone = parts[0]
    if zone[:1] in (b"+", b"-") and len(zone) >= 5 and zone[1:5].isdigit():
        offset = int(zone[1:3]) * 3600 + int(zone[3:5]) * 60
        return -offset if zone[:1] == b"-" else offset
    return _ZONES.get(zone.lower(), 0) * 60


class DateParser:
    """:func:`parse_date` with caches of the day part and the zone: a few microseconds a date."""

    __slots__ = ("days", "zones")

    def __init__(self) -> None:
        self.days: dict[bytes, int | None] = {}
        self.zones: dict[bytes, int] = {}

    def __call__(self, value: bytes) -> int | None:
        c = value.find(b":")
        if c < 8:
            return parse_date(value)
        head = value[: c - 2]
        day0 = self.days.get(head, _MISSING)
        if day0 is _MISSING:
            if len(self.days) > 100_000:
                self.days.clear()
            day0 = self.days[head] = _day_start(head)
        if day0 is None:
            return parse_date(value)
        try:
            hours = int(value[c - 2 : c])
            minutes = int(value[c + 1 : c + 3])
            if value[c + 3 : c + 4] == b":":
                seconds = int(value[c + 4 : c + 6])
                rest = value[c + 6 :]
            else:
                seconds = 0
                rest = value[c + 3 :]
        except ValueError:
            return parse_date(value)
        if hours > 23 or minutes > 59 or seconds > 60:
            return None
        offset = self.zones.get(rest)
        if offset is None:
            if len(self.zones) > 10_000:
                self.zones.clear()
            offset = self.zones[rest] = _zone_offset(rest)
        ts = int(day0) + hours * 3600 + minutes * 60 + seconds - offset  # type: ignore[call-overload]
        return ts if _MIN_TS <= ts <= _MAX_TS else None
