"""Importers for the public catalogs, one module each, and the merge into one catalog.

Every importer module has ``NAME``, ``LABEL``, ``DEFAULT_URL``, ``CONTENT_TYPES`` (what an
update accepts), ``EXPECTS`` (the format, for messages) and ``parse(data, where) ->
ParseResult``; ``duckduckgo`` also reads a folder (``parse_folder``) and a folder listing.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from exposure.catalog.importers.base import (
    FIELDS,
    SOURCES,
    TRUST_ORDER,
    CatalogRecord,
    ParseResult,
    RecordError,
)
from exposure.core.errors import SourceError, ValidationError

__all__ = [
    "FIELDS",
    "SOURCES",
    "TRUST_ORDER",
    "CatalogRecord",
    "ParseResult",
    "RecordError",
    "importer",
    "parse_path",
]


def importer(source: str) -> ModuleType:
    """The importer module of a source name."""
    if source not in SOURCES:
        raise ValidationError(f"unknown catalog source {source!r}: use one of {', '.join(SOURCES)}")
    from importlib import import_module

    return import_module(f"exposure.catalog.importers.{source}")


def parse_path(source: str, path: Path) -> ParseResult:
    """Parse a downloaded file (or, for duckduckgo, a folder of definitions)."""
    module = importer(source)
    if path.is_dir():
        if source != "duckduckgo":
            raise SourceError(f"is a folder; {source} is one file", where=str(path))
        result: ParseResult = module.parse_folder(path)
        return result
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError("no such file", where=str(path)) from None
    except OSError as exc:
        raise SourceError(f"cannot read ({exc.strerror})", where=str(path)) from None
    parsed: ParseResult = module.parse(data, str(path))
    return parsed
