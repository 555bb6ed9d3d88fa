"""IMAP pieces that need no server: folder names, LIST parsing, which folders to read."""

from __future__ import annotations

import pytest

from exposure.core.errors import NetworkError
from exposure.services.scan_mail import choose_folders
from exposure.sources.mail.imap import Folder, decode_mutf7, encode_mutf7, parse_list, quote


@pytest.mark.parametrize(
    ("text", "wire"),
    [
        ("INBOX", b"INBOX"),
        ("Entwürfe", b"Entw&APw-rfe"),
        ("日本語", b"&ZeVnLIqe-"),
        ("Tom & Jerry", b"Tom &- Jerry"),
        ("Rechnungen €", b"Rechnungen &IKw-"),
    ],
)
def test_modified_utf7_both_ways(text: str, wire: bytes) -> None:
    assert encode_mutf7(text) == wire
    assert decode_mutf7(wire) == text


def test_broken_mutf7_is_kept_readable() -> None:
    assert decode_mutf7(b"A&bad") == "A&bad"
    assert decode_mutf7(b"&!!!-x") == "&!!!-x"


def test_parse_list_quoted_atom_literal_and_flags() -> None:
    data = [
        b'(\\HasNoChildren) "." INBOX',
        b'(\\HasNoChildren \\Sent) "/" "[Gmail]/Sent Mail"',
        b'(\\Noselect \\HasChildren) "/" "[Gmail]"',
        (b'(\\HasNoChildren) "/" {12}', b"Entw&APw-rfe"),
        b'(\\HasNoChildren) "/" "with \\"quote\\""',
        b"(\\HasNoChildren) NIL Flat",
        None,
        b"garbage",
    ]
    folders = parse_list(data)  # type: ignore[arg-type]
    assert [f.name for f in folders] == [
        "INBOX",
        "[Gmail]/Sent Mail",
        "[Gmail]",
        "Entwürfe",
        'with "quote"',
        "Flat",
    ]
    assert "\\sent" in folders[1].flags and not folders[2].selectable
    assert folders[0].delimiter == "." and folders[5].delimiter is None
    assert quote(b'a "b" \\c') == b'"a \\"b\\" \\\\c"'


def folder(name: str, *flags: str) -> Folder:
    return Folder(name, encode_mutf7(name), frozenset(f.lower() for f in flags), "/")


def test_choose_all_folders_but_drafts() -> None:
    folders = [folder("INBOX"), folder("Sent", "\\Sent"), folder("Drafts", "\\Drafts"), folder("Entwürfe"),
               folder("Parent", "\\Noselect")]  # fmt: skip
    assert [f.name for f in choose_folders(folders, None)] == ["INBOX", "Sent", "Entwürfe"]


def test_gmail_reads_all_mail_spam_and_trash_only() -> None:
    folders = [folder("INBOX"), folder("[Gmail]/All Mail", "\\All"), folder("[Gmail]/Sent Mail", "\\Sent"),
               folder("[Gmail]/Spam", "\\Junk"), folder("[Gmail]/Trash", "\\Trash"), folder("Receipts")]  # fmt: skip
    chosen = [f.name for f in choose_folders(folders, None)]
    assert chosen == ["[Gmail]/All Mail", "[Gmail]/Spam", "[Gmail]/Trash"]


def test_chosen_folders_by_name_any_case() -> None:
    folders = [folder("INBOX"), folder("Rechnungen €")]
    assert [f.name for f in choose_folders(folders, ["rechnungen €", "INBOX"])] == ["Rechnungen €", "INBOX"]
    with pytest.raises(
        NetworkError, match="no folder 'Nope' on the server \\(folders: INBOX, Rechnungen €\\)"
    ):
        choose_folders(folders, ["Nope"])
