"""Just enough PDF reading to get the text back out of the letters fpdf2 writes (no pdftotext).

Handles what fpdf2 produces: Flate-compressed streams, ``(...) Tj`` strings, embedded TrueType
subsets with a ToUnicode CMap (two-byte codes, one CMap per font), and the Latin-1 core fonts.
"""

from __future__ import annotations

import re
import zlib

_OBJ = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_ESC = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}


def _stream(obj: bytes) -> bytes | None:
    match = _STREAM.search(obj)
    if match is None:
        return None
    raw = match.group(1)
    try:
        return zlib.decompress(raw) if b"/FlateDecode" in obj else raw
    except zlib.error:
        return raw


def _literal(data: bytes, start: int) -> tuple[bytes, int]:
    """The PDF literal string starting after ``(`` at ``start``; returns (bytes, index after ``)``)."""
    out = bytearray()
    depth = 1
    i = start
    while i < len(data):
        ch = data[i : i + 1]
        if ch == b"\\":
            nxt = data[i + 1 : i + 2]
            if nxt in _ESC:
                out += _ESC[nxt]
                i += 2
                continue
            octal = re.match(rb"[0-7]{1,3}", data[i + 1 : i + 4])
            if octal:
                out.append(int(octal.group(0), 8) & 0xFF)
                i += 1 + len(octal.group(0))
                continue
            i += 2  # line continuation or unknown escape
            continue
        if ch == b"(":
            depth += 1
        elif ch == b")":
            depth -= 1
            if depth == 0:
                return bytes(out), i + 1
        out += ch
        i += 1
    raise ValueError("unterminated string")


def _cmap(data: bytes) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            base = int(dst, 16)
            for code in range(int(lo, 16), int(hi, 16) + 1):
                mapping[code] = chr(base + code - int(lo, 16))
    return mapping


def pdf_text(data: bytes) -> str:
    """The text of every ``Tj`` in page order, one line per text object."""
    objects = {int(m.group(1)): m.group(2) for m in _OBJ.finditer(data)}
    fonts: dict[bytes, dict[int, str] | None] = {}
    for body in objects.values():
        for block in re.findall(rb"/Font\s*<<(.*?)>>", body, re.S):
            for name, ref in re.findall(rb"/(\w+)\s+(\d+)\s+0\s+R", block):
                font = objects.get(int(ref), b"")
                uni = re.search(rb"/ToUnicode\s+(\d+)\s+0\s+R", font)
                cmap_stream = _stream(objects.get(int(uni.group(1)), b"")) if uni else None
                fonts[name] = _cmap(cmap_stream) if cmap_stream else None
    lines: list[str] = []
    for body in objects.values():
        content = _stream(body)
        if content is None or b"Tj" not in content:
            continue
        font: dict[int, str] | None = None
        i = 0
        while i < len(content):
            tf = re.compile(rb"/(\w+)\s+[\d.]+\s+Tf").match(content, i)
            if tf:
                font = fonts.get(tf.group(1))
                i = tf.end()
                continue
            if content[i : i + 1] == b"(":
                raw, i = _literal(content, i + 1)
                if font is not None:
                    text = "".join(
                        font.get(int.from_bytes(raw[k : k + 2], "big"), "?") for k in range(0, len(raw), 2)
                    )
                else:
                    text = raw.decode("latin-1")
                lines.append(text)
                continue
            i += 1
    return "\n".join(lines)
