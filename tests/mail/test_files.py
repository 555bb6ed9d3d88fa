"""Finding and reading mail on disk: Maildir, .eml folders, Takeout zip/tgz, damaged archives."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from exposure.sources.mail.files import MailUnit, ReadOptions, discover, folder_flags, read_input
from tests.mail.helpers import maildir, mbox, message


def read(paths: list[Path], **options: object) -> tuple[list[MailUnit], list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []

    def report(where: str, message: str) -> None:
        problems.append((where, message))

    units: list[MailUnit] = []
    for inp in discover(paths, report):
        units.extend(read_input(inp, report, ReadOptions(**options)))  # type: ignore[arg-type]
    return units, problems


def domains(units: list[MailUnit]) -> dict[str, int]:
    out: dict[str, int] = {}
    for unit in units:
        for domain, stats in unit.aggregator.domains.items():
            out[domain] = out.get(domain, 0) + stats.messages
    return out


def test_maildir_with_maildirplusplus_sent_folder(tmp_path: Path) -> None:
    root = maildir(tmp_path / "Maildir", [message("a@shop.example"), message("b@bank.example")])
    maildir(root, [message("c@shop.example")], sub="new")
    maildir(root / ".Sent", [message("me@alice.example", to="help@telco.example")])
    (root / "dovecot-uidlist").write_text("3 V1 N1\n")
    units, problems = read([root])
    assert problems == []
    by_location = {Path(u.location).name: u for u in units}
    assert set(by_location) == {"Maildir", ".Sent"}
    assert by_location["Maildir"].source == "maildir"
    assert by_location["Maildir"].aggregator.messages == 3
    sent = by_location[".Sent"].aggregator
    assert sent.sent == 1 and sent.domains["telco.example"].sent == 1


def test_eml_folder_is_recursive_and_reports_non_mail(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "one.eml").write_bytes(message("x@shop.example"))
    (tmp_path / "a" / "b" / "two.EML").write_bytes(b"From 123@xxx Sat Nov 25\n" + message("y@bank.example"))
    (tmp_path / "a" / "junk.eml").write_bytes(bytes(range(256)) * 10)
    (tmp_path / "a" / "notes.txt").write_text("not mail")
    units, problems = read([tmp_path])
    assert len(units) == 1 and units[0].source == "eml"
    agg = units[0].aggregator
    assert (agg.messages, agg.skipped) == (3, 1)
    assert set(agg.domains) == {"shop.example", "bank.example"}
    assert (
        len(problems) == 1 and problems[0][0].endswith("junk.eml") and "not a mail message" in problems[0][1]
    )


def test_empty_folder_and_missing_path(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    units, problems = read([tmp_path / "empty", tmp_path / "nope"])
    assert units == []
    assert problems == [
        (str(tmp_path / "empty"), "no mail found (no mbox, Maildir or .eml files)"),
        (str(tmp_path / "nope"), "no such file or folder"),
    ]


def test_non_mail_file_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + bytes(5000))
    units, problems = read([path])
    assert units == []
    assert problems[0][0] == str(path) and problems[0][1].startswith("not a mail file")


def test_thunderbird_folder_of_mbox_files(tmp_path: Path) -> None:
    (tmp_path / "Inbox").write_bytes(mbox(message("a@shop.example")))
    (tmp_path / "Inbox.msf").write_text("// mork index")
    (tmp_path / "Sent").write_bytes(mbox(message("me@alice.example", to="help@telco.example")))
    units, _ = read([tmp_path])
    names = {Path(u.location).name: u.aggregator for u in units}
    assert set(names) == {"Inbox", "Sent"}
    assert names["Sent"].sent == 1 and names["Inbox"].sent == 0


def takeout_mbox() -> bytes:
    return mbox(
        message("Spotify <no-reply@spotify.com>", "Your receipt", extra=["X-Gmail-Labels: Inbox"]),
        message("a@argos.co.uk", "Deals", extra=["X-Gmail-Labels: Category Promotions"]),
        crlf=[False, True],
    )


def test_takeout_zip_is_streamed(tmp_path: Path) -> None:
    path = tmp_path / "takeout-20240101T000000Z-001.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("Takeout/Mail/All mail Including Spam and Trash.mbox", takeout_mbox())
        z.writestr("Takeout/Mail/user_settings.json", "{}")
        z.writestr("Takeout/archive_browser.html", "<html>")
    units, problems = read([path])
    assert problems == []
    assert [u.location for u in units] == [f"{path}:Takeout/Mail/All mail Including Spam and Trash.mbox"]
    assert domains(units) == {"spotify.com": 1, "argos.co.uk": 1}


def test_takeout_tgz_and_gzip_mbox(tmp_path: Path) -> None:
    data = takeout_mbox()
    tgz = tmp_path / "takeout.tgz"
    with tarfile.open(tgz, "w:gz") as tar:
        info = tarfile.TarInfo("Takeout/Mail/All mail.mbox")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        eml = message("x@bank.example")
        info = tarfile.TarInfo("Takeout/Mail/loose.eml")
        info.size = len(eml)
        tar.addfile(info, io.BytesIO(eml))
    gz = tmp_path / "inbox.mbox.gz"
    gz.write_bytes(gzip.compress(data))
    seen: list[int] = []
    units, problems = read([tgz, gz], on_bytes=seen.append)
    assert problems == []
    assert [Path(u.location.split(":")[-1]).name for u in units] == ["All mail.mbox", "eml", "inbox.mbox.gz"]
    assert domains(units) == {"spotify.com": 2, "argos.co.uk": 2, "bank.example": 1}
    assert sum(seen) == tgz.stat().st_size + gz.stat().st_size  # progress counts compressed bytes


def test_truncated_archives_keep_what_was_read(tmp_path: Path) -> None:
    import base64
    import random

    rng = random.Random(4)
    data = mbox(
        *(
            message(f"s{i}@shop{i % 7}.example", body=base64.encodebytes(rng.randbytes(3000)).decode())
            for i in range(300)
        )
    )
    tgz = tmp_path / "cut.tgz"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("Takeout/Mail/All mail.mbox")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    tgz.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    units, problems = read([tgz])
    assert len(units) == 1 and not units[0].complete
    assert 0 < units[0].aggregator.messages < 300
    assert problems and "damaged or truncated" in problems[0][1]

    path = tmp_path / "cut.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("Takeout/Mail/All mail.mbox", data)
    path.write_bytes(path.read_bytes()[:-200])  # the central directory is gone
    units, problems = read([path])
    assert units == [] and "damaged or truncated" in problems[0][1]


def test_truncated_plain_mbox(tmp_path: Path) -> None:
    data = mbox(*(message(f"s{i}@shop.example") for i in range(10)))
    path = tmp_path / "cut.mbox"
    path.write_bytes(data[: data.rfind(b"Subject:")])
    units, problems = read([path])
    assert units[0].aggregator.messages == 10
    assert "truncated" in problems[0][1]


def test_parallel_workers_give_the_same_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from exposure.sources.mail import parallel

    data = mbox(
        *(message(f"s{i}@shop{i % 13}.example", f"Order {i}", body="y\n" * (i % 50)) for i in range(2000)),
        crlf=[i % 5 == 0 for i in range(2000)],
    )
    path = tmp_path / "big.mbox"
    path.write_bytes(data)
    single, _ = read([path], workers=1)
    monkeypatch.setattr(parallel, "PARALLEL_MIN", 1)
    rss: list[int] = []
    double, problems = read([path], workers=2, rss=rss)
    assert problems == []
    assert len(rss) == 2  # two worker processes ran
    assert double[0].aggregator.messages == single[0].aggregator.messages == 2000
    a, b = double[0].aggregator.domains, single[0].aggregator.domains
    assert {d: (s.messages, s.first, s.last, s.kinds) for d, s in a.items()} == {
        d: (s.messages, s.first, s.last, s.kinds) for d, s in b.items()
    }


@pytest.mark.parametrize(
    ("name", "sent", "spam"),
    [
        ("Sent", True, False),
        ("[Gmail]/Sent Mail", True, False),
        (".Junk", False, True),
        ("INBOX.Spam", False, True),
        ("Gesendete Objekte", True, False),
        ("Inbox", False, False),
        ("All mail Including Spam and Trash.mbox", False, False),
    ],
)
def test_folder_flags(name: str, sent: bool, spam: bool) -> None:
    flags = folder_flags(name)
    assert (flags.sent, flags.spam) == (sent, spam)


def test_dangling_link_in_maildir_is_ignored(tmp_path: Path) -> None:
    root = maildir(tmp_path / "Maildir", [message("a@shop.example")])
    (root / "cur" / "broken").symlink_to(tmp_path / "missing")
    units, problems = read([root])
    assert units[0].aggregator.messages == 1
    assert problems == []
