"""Building test mail: messages, mbox files, Maildir folders."""

from __future__ import annotations

from pathlib import Path

FROM_LINE = b"From 1790000000000000001@xxx Sat Nov 25 10:00:00 +0000 2023"


def message(
    sender: str = "Shop <news@shop.example.com>",
    subject: str = "Hello",
    date: str = "Thu, 02 Nov 2023 18:05:00 +0000",
    *,
    to: str = "alice@example.net",
    extra: list[str] | None = None,
    body: str = "Body line.\n",
) -> bytes:
    """One RFC 5322 message (LF line endings)."""
    lines = []
    if sender:
        lines.append(f"From: {sender}")
    lines += [f"To: {to}", f"Subject: {subject}", f"Date: {date}", "Message-ID: <x@example>"]
    lines += extra or []
    return ("\n".join(lines) + "\n\n" + body).encode("utf-8")


def mbox(*messages: bytes, crlf: bool | list[bool] = False, from_line: bytes = FROM_LINE) -> bytes:
    """An mboxrd file of the messages (bodies escaped); crlf per message or for all."""
    import re

    out = []
    for i, msg in enumerate(messages):
        head, _, body = msg.partition(b"\n\n")
        body = re.sub(rb"(?m)^(>*From )", rb">\1", body)
        entry = from_line + b"\n" + head + b"\n\n" + body
        if not entry.endswith(b"\n"):
            entry += b"\n"
        entry += b"\n"
        use_crlf = crlf[i] if isinstance(crlf, list) else crlf
        if use_crlf:
            entry = entry.replace(b"\n", b"\r\n")
        out.append(entry)
    return b"".join(out)


def maildir(root: Path, messages: list[bytes], sub: str = "cur") -> Path:
    for name in ("cur", "new", "tmp"):
        (root / name).mkdir(parents=True, exist_ok=True)
    for i, msg in enumerate(messages):
        (root / sub / f"1700000000.M{i}P1.host,S={len(msg)}:2,S").write_bytes(msg)
    return root
