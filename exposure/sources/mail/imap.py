"""Reading header fields from an IMAP mailbox: read-only, fast, resumable.

Folders are opened with EXAMINE (read-only: nothing is marked as read, moved or deleted) and
only ``BODY.PEEK[HEADER.FIELDS (...)]`` is fetched, in UID ranges of about a thousand
messages, two commands in flight. The standard library's imaplib does the session (TLS,
login, LIST, EXAMINE, SEARCH); the FETCH answers, the bulk of the traffic, are read straight
from its socket, which is several times faster than imaplib's own parser and 5-10x faster
than imapclient's (see ``bench/bench_imap.py``). Range syntax (``1000:1999``) keeps the
commands short.

Every failure becomes a one-line :class:`NetworkError` that says what to do: no route, refused
connection, TLS failure, timeout, wrong password, dropped connection. Nothing secret is ever
put in a message.
"""

from __future__ import annotations

import imaplib
import re
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from exposure.core.errors import NetworkError
from exposure.sources.mail.headers import FIELDS

SECURITY = ("ssl", "starttls", "none")
DEFAULT_PORTS = {"ssl": 993, "starttls": 143, "none": 143}
BATCH = 1000

_FETCH_ITEM = "(UID BODY.PEEK[HEADER.FIELDS (" + " ".join(f.upper() for f in FIELDS) + ")])"
_UID = re.compile(rb"UID (\d+)")
_LIST = re.compile(rb'\((?P<flags>[^)]*)\) (?P<delim>"(?:[^"\\]|\\.)*"|NIL) (?P<name>.*)$', re.S)
_STATUS_WORD = re.compile(r"\[[A-Z-]+\]\s*")


# -- modified UTF-7 (RFC 3501 5.1.3) ---------------------------------------------------------------
def decode_mutf7(name: bytes) -> str:
    """An IMAP folder name as sent on the wire to text (``Entw&APw-rfe`` -> ``Entwürfe``)."""
    import base64

    out: list[str] = []
    i = 0
    text = name.decode("ascii", errors="replace")
    while i < len(text):
        ch = text[i]
        if ch != "&":
            out.append(ch)
            i += 1
            continue
        end = text.find("-", i)
        if end < 0:
            out.append(text[i:])
            break
        if end == i + 1:
            out.append("&")
        else:
            chunk = text[i + 1 : end].replace(",", "/")
            try:
                raw = base64.b64decode(chunk + "=" * (-len(chunk) % 4), validate=True)
                out.append(raw.decode("utf-16-be"))
            except (ValueError, UnicodeDecodeError):
                out.append(text[i : end + 1])
        i = end + 1
    return "".join(out)


def encode_mutf7(name: str) -> bytes:
    """Text to an IMAP folder name on the wire (modified UTF-7)."""
    import base64

    out: list[bytes] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            raw = "".join(pending).encode("utf-16-be")
            out.append(b"&" + base64.b64encode(raw).rstrip(b"=").replace(b"/", b",") + b"-")
            pending.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append(b"&-" if ch == "&" else ch.encode("ascii"))
        else:
            pending.append(ch)
    flush()
    return b"".join(out)


def quote(mailbox: bytes) -> bytes:
    """A mailbox name as an IMAP quoted string."""
    return b'"' + mailbox.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


class FolderError(NetworkError):
    """The server refused one folder (the session itself is fine: other folders can be read)."""


@dataclass(frozen=True)
class Folder:
    name: str  #: decoded, for people
    wire: bytes  #: as the server spells it (modified UTF-7)
    flags: frozenset[str]  #: lower case, e.g. {"\\noselect", "\\sent"}
    delimiter: str | None

    @property
    def selectable(self) -> bool:
        return not self.flags & {"\\noselect", "\\nonexistent"}


def parse_list(data: list[bytes | tuple[bytes, bytes] | None]) -> list[Folder]:
    """Folders from an imaplib LIST answer (quoted, atom and literal names)."""
    folders = []
    for item in data:
        if item is None:
            continue
        if isinstance(item, tuple):
            line, literal = item[0], item[1]
        else:
            line, literal = item, None
        match = _LIST.match(line)
        if not match:
            continue
        if literal is not None:
            wire = literal
        else:
            raw = match.group("name").strip()
            if raw.startswith(b'"') and raw.endswith(b'"') and len(raw) >= 2:
                wire = re.sub(rb"\\(.)", rb"\1", raw[1:-1])
            else:
                wire = raw
        delim = match.group("delim")
        delimiter = (
            None if delim == b"NIL" else re.sub(rb"\\(.)", rb"\1", delim[1:-1]).decode("ascii", "replace")
        )
        flags = frozenset(f.lower() for f in match.group("flags").decode("ascii", "replace").split())
        folders.append(Folder(decode_mutf7(wire), wire, flags, delimiter))
    return folders


def _server_text(exc: BaseException) -> str:
    """The server's words from an imaplib error, one line, bytes-safe, without status codes."""
    text = exc.args[0] if exc.args else ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = " ".join(str(text).split())
    return _STATUS_WORD.sub("", text)[:200]


class ImapReader:
    """A read-only IMAP session. Use as a context manager; every error is a NetworkError."""

    def __init__(
        self,
        host: str,
        port: int | None = None,
        *,
        security: str = "ssl",
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if security not in SECURITY:
            raise NetworkError(f"unknown IMAP security {security!r}: use ssl, starttls or none")
        self.host = host
        self.port = port or DEFAULT_PORTS[security]
        self.security = security
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.conn: imaplib.IMAP4 | None = None
        self.where = f"{host}:{self.port}"
        self._midway = False  #: a FETCH was abandoned with answers still unread

    # -- errors -----------------------------------------------------------------------------
    @contextmanager
    def errors(self, doing: str) -> Iterator[None]:
        """Turn whatever the socket, TLS or imaplib raise into one clear NetworkError."""
        where = self.where
        try:
            yield
        except NetworkError:
            raise
        except ssl.SSLCertVerificationError as exc:
            reason = getattr(exc, "verify_message", None) or "certificate not trusted"
            raise NetworkError(
                f"TLS failed with {where}: {reason}",
                hint="check the host name; a self-signed server needs its certificate trusted",
            ) from None
        except ssl.SSLError as exc:
            reason = getattr(exc, "reason", None) or type(exc).__name__
            hint = (
                "is this the right port for --security? (993 is ssl, 143 is starttls)"
                if self.security == "ssl"
                else None
            )
            raise NetworkError(f"TLS failed with {where} ({reason})", hint=hint) from None
        except TimeoutError:
            raise NetworkError(
                f"{where} did not answer within {self.timeout:g} s while {doing}",
                hint="what was read so far is kept; run the scan again to resume",
            ) from None
        except socket.gaierror:
            raise NetworkError(f"cannot find the IMAP server {self.host!r} (unknown host name)") from None
        except ConnectionRefusedError:
            raise NetworkError(f"{where} refused the connection (is the host and port right?)") from None
        except imaplib.IMAP4.abort as exc:
            raise NetworkError(
                f"the connection to {where} dropped while {doing} ({_server_text(exc) or 'no reason given'})",
                hint="what was read so far is kept; run the scan again to resume",
            ) from None
        except (ConnectionError, EOFError, OSError) as exc:
            raise NetworkError(
                f"the connection to {where} failed while {doing} "
                f"({getattr(exc, 'strerror', None) or type(exc).__name__})",
                hint="what was read so far is kept; run the scan again to resume",
            ) from None
        except imaplib.IMAP4.error as exc:
            raise NetworkError(f"{where} refused {doing}: {_server_text(exc) or 'no reason given'}") from None

    # -- session ----------------------------------------------------------------------------
    def connect(self) -> None:
        with self.errors("connecting"):
            if self.security == "ssl":
                context = self.ssl_context or ssl.create_default_context()
                self.conn = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=context, timeout=self.timeout)
            else:
                self.conn = imaplib.IMAP4(self.host, self.port, timeout=self.timeout)
                if self.security == "starttls":
                    if "STARTTLS" not in self.conn.capabilities:
                        raise NetworkError(
                            f"{self.where} does not offer STARTTLS",
                            hint="use --security ssl (port 993), or none only on a trusted network",
                        )
                    self.conn.starttls(self.ssl_context or ssl.create_default_context())

    def login(self, user: str, password: str) -> None:
        conn = self._conn()
        try:
            with self.errors("logging in"):
                conn.login(user, password)
        except NetworkError as exc:
            if "refused logging in" in str(exc):
                raise NetworkError(
                    f"{self.where} refused the login for {user}: {exc.message.split(': ', 1)[-1]}",
                    hint="check the user name and the password stored with `exposure secrets set imap`",
                ) from None
            raise

    def login_oauth2(self, user: str, token: str) -> None:
        """XOAUTH2 (Gmail, Outlook.com): an OAuth2 access token instead of a password."""
        conn = self._conn()
        auth = f"user={user}\x01auth=Bearer {token}\x01\x01".encode()
        try:
            with self.errors("logging in"):
                conn.authenticate("XOAUTH2", lambda _challenge: auth)
        except NetworkError as exc:
            if "refused logging in" in str(exc):
                raise NetworkError(
                    f"{self.where} refused the OAuth2 login for {user}",
                    hint="the access token may have expired: store a fresh one with "
                    "`exposure secrets set imap_token`",
                ) from None
            raise

    def _conn(self) -> imaplib.IMAP4:
        if self.conn is None:
            raise NetworkError("not connected")
        return self.conn

    def close(self) -> None:
        conn, self.conn = self.conn, None
        if conn is None:
            return
        if self._midway:  # answers still in flight: do not wait for them
            try:
                conn.shutdown()
            except OSError:
                pass
            return
        try:
            conn.logout()
        except (imaplib.IMAP4.error, OSError, EOFError):
            try:
                conn.shutdown()
            except OSError:
                pass

    def __enter__(self) -> ImapReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ----------------------------------------------------------------------------
    def folders(self) -> list[Folder]:
        conn = self._conn()
        with self.errors("listing folders"):
            typ, data = conn.list()
            if typ != "OK":
                raise NetworkError(f"{self.where} refused to list the folders")
        return parse_list(data)  # type: ignore[arg-type]

    def examine(self, folder: Folder) -> tuple[int, int]:
        """Open a folder read-only (EXAMINE); returns (UIDVALIDITY, number of messages)."""
        conn = self._conn()
        try:
            mailbox = quote(folder.wire).decode("ascii")
        except UnicodeDecodeError:
            raise NetworkError(
                f"cannot open the folder {folder.name!r}: its name is not ASCII on the wire"
            ) from None
        with self.errors(f"opening {folder.name}"):
            typ, data = conn.select(mailbox, readonly=True)
            if typ != "OK":
                raise FolderError(f"{self.where} cannot open the folder {folder.name!r}: {_answer(data)}")
            _, validity = conn.response("UIDVALIDITY")
        count = int(data[-1]) if data and data[-1] else 0  # type: ignore[arg-type]
        uidvalidity = int(validity[-1]) if validity and validity[-1] else 0
        return uidvalidity, count

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs of the messages with a UID above ``last_uid``, ascending."""
        conn = self._conn()
        with self.errors("listing messages"):
            typ, data = conn.uid("SEARCH", f"UID {last_uid + 1}:*")
            if typ != "OK":
                raise NetworkError(f"{self.where} refused to list the messages: {_answer(data)}")
        uids = sorted({int(x) for line in data if line for x in line.split()})
        return [uid for uid in uids if uid > last_uid]

    def fetch_headers(
        self, uids: list[int], batch: int = BATCH, window: int = 2
    ) -> Iterator[tuple[int, bytes]]:
        """(UID, header block) of each message with a UID in ``uids`` (ascending), in UID order.

        The UIDs are asked for in ranges of about ``batch`` messages, ``window`` commands in
        flight at once (the server prepares the next answer while this one is read). The
        answers are read straight from imaplib's socket, not through its line-by-line parser,
        which is what makes this several times faster. Raises NetworkError on any failure;
        every message yielded before it was read in full.
        """
        if not uids:
            return
        conn = self._conn()
        ranges = [(uids[i], uids[min(i + batch, len(uids)) - 1]) for i in range(0, len(uids), batch)]
        pending: list[bytes] = []
        sent = 0
        stream: IO[bytes] = conn.file  # type: ignore[assignment]
        readline = stream.readline
        read = stream.read

        def send_next() -> None:
            nonlocal sent
            low, high = ranges[sent]
            tag = f"EXF{sent}".encode()
            conn.send(tag + f" UID FETCH {low}:{high} {_FETCH_ITEM}\r\n".encode())
            pending.append(tag)
            sent += 1

        self._midway = True
        with self.errors("reading headers"):
            while sent < min(window, len(ranges)):
                send_next()
            while pending:
                line = readline(1 << 20)
                if not line:
                    raise imaplib.IMAP4.abort("the server closed the connection")
                if line.startswith(b"* "):
                    if line.endswith(b"}\r\n") and b"FETCH" in line:
                        brace = line.rfind(b"{")
                        size = int(line[brace + 1 : -3])
                        data = read(size)
                        if len(data) < size:
                            raise imaplib.IMAP4.abort("the server closed the connection")
                        rest = readline(1 << 20)
                        match = _UID.search(line) or _UID.search(rest)
                        if match is not None:
                            yield int(match.group(1)), b"\n" + data
                    elif b"FETCH" in line and b"BODY[" in line:  # NIL or "": no such fields
                        match = _UID.search(line)
                        if match is not None:
                            yield int(match.group(1)), b"\n"
                    elif line.startswith(b"* BYE"):
                        raise imaplib.IMAP4.abort(line[6:].decode("utf-8", "replace").strip())
                    continue
                if line.startswith(pending[0] + b" "):
                    pending.pop(0)
                    status = line.split(b" ", 2)
                    if len(status) < 2 or status[1] != b"OK":
                        text = status[2].decode("utf-8", "replace") if len(status) > 2 else ""
                        raise NetworkError(
                            f"{self.where} refused to send headers: {_STATUS_WORD.sub('', text).strip()}"
                        )
                    if sent < len(ranges):
                        send_next()
        self._midway = False


def _answer(data: list[bytes | None] | None) -> str:
    if not data:
        return "no reason given"
    first = data[0]
    if isinstance(first, bytes):
        return " ".join(first.decode("utf-8", "replace").split())[:200]
    return "no reason given"
