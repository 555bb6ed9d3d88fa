"""Helpers for importer tests: run detection + parse on a file, collect what came out."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exposure.core.models import Finding
from exposure.core.progress import NullProgress
from exposure.sources.base import Input, Record, RecordError
from exposure.sources.detect import detect, importer_for

EXPORTS = Path(__file__).resolve().parent.parent / "fixtures" / "exports"
EXPECTED: dict[str, Any] = json.loads((EXPORTS / "EXPECTED.json").read_text(encoding="utf-8"))


@dataclass
class Parsed:
    format: str
    records: list[Record] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.records for f in r.findings]

    @property
    def pairs(self) -> list[list[str | None]]:
        """Sorted unique [domain, identifier] of the findings (the EXPECTED.json shape)."""
        unique = {(f.domain, f.identifier) for f in self.findings}
        return [list(p) for p in sorted(unique, key=lambda p: (p[0] or "", p[1] or ""))]

    @property
    def skipped(self) -> list[str]:
        return [r.skipped or "" for r in self.records if not r.findings]


def parse(path: Path, format: str | None = None) -> Parsed:
    src = Input(path)
    importer = importer_for(format) if format else detect(src)
    out = Parsed(importer.format)
    for item in importer.parse(src, NullProgress()):
        if isinstance(item, RecordError):
            out.errors.append(item)
        else:
            out.records.append(item)
    return out


def write(tmp_path: Path, name: str, data: str | bytes, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path
