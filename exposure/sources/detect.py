"""Which importer reads a file, decided from its content (never its name), in this order:

1. zip: by the members (1PUX, Proton Pass, Dashlane, Bitwarden, Google Takeout, Meta);
2. refused: KDBX databases, PGP-encrypted Proton Pass exports, Dashlane ``.dash`` archives;
3. XML with a ``<KeePassFile>`` root;
4. JSON: encrypted Bitwarden (refused) first, then Proton Pass, Bitwarden, Enpass, 1PUX data;
5. CSV: the exact header table (a superset of the columns for a few formats);
6. mbox (a mailbox: that is ``exposure scan mail``'s job).

A refused file raises :class:`SourceError` whose ``format`` says what it was recognised as and
whose hint says how to export it unencrypted; anything else raises one naming what is supported.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from exposure.core.errors import SourceError, ValidationError
from exposure.sources.base import DirArchive, Importer, Input, ZipArchive
from exposure.sources.meta import MetaDownload, is_meta_dir, is_meta_member
from exposure.sources.passwords import CSV_IMPORTERS, IMPORTERS
from exposure.sources.passwords.bitwarden import is_bitwarden_json
from exposure.sources.passwords.csvfile import headers
from exposure.sources.passwords.enpass import is_enpass_json
from exposure.sources.passwords.keepass import has_doctype
from exposure.sources.passwords.onepassword import is_1pux_data
from exposure.sources.passwords.protonpass import is_protonpass_json
from exposure.sources.takeout import GoogleTakeout, is_takeout_dir, is_takeout_member

ALL_IMPORTERS: dict[str, Importer] = {
    **IMPORTERS,
    GoogleTakeout.format: GoogleTakeout(),
    MetaDownload.format: MetaDownload(),
}

SUPPORTED = (
    "Bitwarden CSV/JSON/zip, 1Password CSV/1PUX, LastPass CSV, Chrome/Edge/Brave CSV, Firefox CSV, "
    "Safari/Apple Passwords CSV, KeePassXC CSV, KeePass 2 XML, Dashlane CSV/zip, NordPass CSV, "
    "Proton Pass CSV/JSON/zip, Enpass JSON, RoboForm CSV, Google Takeout, Facebook/Instagram download"
)

KDBX_SIGNATURE = bytes.fromhex("03d9a29a67fb4bb5")
PGP_ARMOR = b"-----BEGIN PGP MESSAGE-----"


def formats() -> list[str]:
    """Every format id ``--format`` accepts."""
    return sorted(ALL_IMPORTERS)


def importer_for(format: str) -> Importer:
    try:
        return ALL_IMPORTERS[format]
    except KeyError:
        raise ValidationError(f"unknown format {format!r}: use one of {', '.join(formats())}") from None


def _not_export(src: Input, what: str) -> SourceError:
    return SourceError(f"{what}, not a supported export", where=src.name, hint=f"supported: {SUPPORTED}")


def _refuse(src: Input, what: str, format: str, hint: str) -> SourceError:
    return SourceError(
        f"{what}: refused, exposure does not decrypt exports", where=src.name, format=format, hint=hint
    )


def detect(src: Input) -> Importer:
    """The importer for ``src``; SourceError (with ``format`` when recognised) otherwise."""
    if src.path.is_dir():
        return _detect_dir(src)
    if not src.path.exists():
        raise SourceError("no such file", where=src.name)
    head = src.head()
    if not head:
        raise SourceError("the file is empty", where=src.name, hint=f"supported: {SUPPORTED}")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _detect_zip(src)
    refused = _refusal(src, head)
    if refused is not None:
        raise refused
    text = _head_text(head).lstrip()
    if text.startswith("<"):
        if "<KeePassFile" in text and not has_doctype(head):
            return ALL_IMPORTERS["keepass2_xml"]
        raise _not_export(src, "an XML file that is not a KeePass 2 XML export")
    if text.startswith(("{", "[")):
        return _detect_json(src)
    if head.startswith(b"From "):
        raise SourceError(
            "a mailbox (mbox), not a vault export",
            where=src.name,
            format="mbox",
            hint=f"scan it with `exposure scan mail {src.path}`",
        )
    found = _detect_csv(src)
    if found is not None:
        return found
    if src.path.suffix.lower() == ".dash":
        raise _dash(src, "an encrypted Dashlane archive (.dash)")
    if b"\x00" in head[:4096] and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _not_export(src, "a binary file")
    raise _not_export(src, "a text file whose first line matches no known export header")


def _head_text(head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return codecs.getincrementaldecoder("utf-16")(errors="replace").decode(head)
    return head.decode("utf-8-sig", errors="replace")


def _refusal(src: Input, head: bytes) -> SourceError | None:
    if head.startswith(KDBX_SIGNATURE):
        return _refuse(
            src,
            "a KeePass database (.kdbx) is encrypted",
            "kdbx",
            "open it in KeePassXC and use Database > Export to CSV file, or in KeePass "
            "File > Export > KeePass XML 2.x, then import that file",
        )
    if head.lstrip().startswith(PGP_ARMOR):
        return _refuse(
            src,
            "a PGP-encrypted Proton Pass export",
            "protonpass_pgp",
            "in Proton Pass, export again without PGP encryption, as CSV or JSON/zip, and import that file",
        )
    if b"Data BEGIN" in head[:4096] or head[32:36] == b"KWC3":
        return _dash(src, "an encrypted Dashlane archive (.dash)")
    return None


def _dash(src: Input, what: str) -> SourceError:
    return _refuse(
        src,
        what,
        "dashlane_dash",
        "in Dashlane, export as an unsecured CSV archive and import that zip or its credentials.csv",
    )


def _detect_json(src: Input) -> Importer:
    doc = src.load_json()
    if isinstance(doc, dict) and doc.get("encrypted") is True:
        if doc.get("passwordProtected") is True:
            what = "a password-protected Bitwarden export"
        else:
            what = "an encrypted (account-restricted) Bitwarden export"
        raise _refuse(
            src,
            what,
            "bitwarden_encrypted_json",
            "in Bitwarden, export again as .json or .csv, not encrypted, and import that file",
        )
    if is_protonpass_json(doc):
        return ALL_IMPORTERS["protonpass_json"]
    if is_bitwarden_json(doc):
        return ALL_IMPORTERS["bitwarden_json"]
    if is_enpass_json(doc):
        return ALL_IMPORTERS["enpass_json"]
    if is_1pux_data(doc):
        return ALL_IMPORTERS["1password_1pux"]
    raise _not_export(src, "a JSON file that is not a known export")


def _detect_csv(src: Input) -> Importer | None:
    candidates = headers(src)
    for superset in (False, True):
        for _delimiter, header, _width in candidates:
            for importer in CSV_IMPORTERS:
                ok = importer.matches_superset(header) if superset else importer.matches_exact(header)
                if ok:
                    importer.dialect(src)  # caches the dialect for parse()
                    return importer
    return None


def _detect_zip(src: Input) -> Importer:
    archive = ZipArchive(src.path)
    try:
        names = archive.names()
        base = {n.rsplit("/", 1)[-1] for n in names}
        if "export.data" in names:
            return ALL_IMPORTERS["1password_1pux"]
        if any(n.endswith("Proton Pass/data.pgp") for n in names):
            raise _refuse(
                src,
                "a PGP-encrypted Proton Pass export",
                "protonpass_pgp",
                "in Proton Pass, export again without PGP encryption, as CSV or JSON/zip, and import that file",
            )
        if any(n.endswith("Proton Pass/data.json") for n in names):
            return ALL_IMPORTERS["protonpass_zip"]
        if "credentials.csv" in base:
            return ALL_IMPORTERS["dashlane_zip"]
        if "data.json" in base and (
            any(n.startswith("attachments/") for n in names) or _member_is_bitwarden(src, archive, names)
        ):
            return ALL_IMPORTERS["bitwarden_zip"]
        if any(is_takeout_member(n) for n in names):
            return ALL_IMPORTERS["google_takeout"]
        if any(is_meta_member(n) for n in names):
            return ALL_IMPORTERS["meta_dyi"]
        if any(n.lower().endswith(".dash") for n in names):
            raise _dash(src, "a zip holding an encrypted Dashlane archive (.dash)")
    finally:
        archive.close()
    raise _not_export(src, "a zip archive that holds no known export")


def _member_is_bitwarden(src: Input, archive: ZipArchive, names: list[str]) -> bool:
    if "data.json" not in names:
        return False
    try:
        return is_bitwarden_json(src.member_input(archive, "data.json").load_json())
    except SourceError:
        return False


def _detect_dir(src: Input) -> Importer:
    path: Path = src.path
    if is_takeout_dir(path):
        return ALL_IMPORTERS["google_takeout"]
    if is_meta_dir(path):
        return ALL_IMPORTERS["meta_dyi"]
    names = DirArchive(path, limit=5000).names()
    if any(is_takeout_member(n) for n in names):
        return ALL_IMPORTERS["google_takeout"]
    if any(is_meta_member(n) for n in names):
        return ALL_IMPORTERS["meta_dyi"]
    raise SourceError(
        "a folder that is not an extracted Google Takeout or Meta download",
        where=src.name,
        hint="give the export file itself, or the extracted Takeout / Meta folder",
    )
