"""Password-manager and browser exports: one module per format family.

``CSV_IMPORTERS`` is the header table in the order detection tries it; ``IMPORTERS`` maps
every format id to its importer.
"""

from __future__ import annotations

from exposure.sources.base import Importer
from exposure.sources.passwords.bitwarden import BitwardenCsv, BitwardenJson, BitwardenZip
from exposure.sources.passwords.chrome import ChromeCsv
from exposure.sources.passwords.csvfile import CsvImporter
from exposure.sources.passwords.dashlane import DashlaneCsv, DashlaneZip
from exposure.sources.passwords.enpass import EnpassJson
from exposure.sources.passwords.firefox import FirefoxCsv
from exposure.sources.passwords.keepass import KeePassXcCsv, KeePassXml
from exposure.sources.passwords.lastpass import LastPassCsv
from exposure.sources.passwords.nordpass import NordPassCsv
from exposure.sources.passwords.onepassword import OnePassword1pux, OnePasswordCsv
from exposure.sources.passwords.protonpass import ProtonPassCsv, ProtonPassJson, ProtonPassZip
from exposure.sources.passwords.roboform import RoboFormCsv
from exposure.sources.passwords.safari import SafariCsv

CSV_IMPORTERS: tuple[CsvImporter, ...] = (
    BitwardenCsv(),
    OnePasswordCsv(),
    LastPassCsv(),
    ChromeCsv(),
    FirefoxCsv(),
    SafariCsv(),
    KeePassXcCsv(),
    DashlaneCsv(),
    NordPassCsv(),
    ProtonPassCsv(),
    RoboFormCsv(),
)

OTHER_IMPORTERS: tuple[Importer, ...] = (
    BitwardenJson(),
    BitwardenZip(),
    OnePassword1pux(),
    KeePassXml(),
    DashlaneZip(),
    ProtonPassJson(),
    ProtonPassZip(),
    EnpassJson(),
)

IMPORTERS: dict[str, Importer] = {imp.format: imp for imp in (*CSV_IMPORTERS, *OTHER_IMPORTERS)}
