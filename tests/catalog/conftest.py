"""Catalog tests: small synthetic files in each upstream format (tests/catalog/data) and, when
present, the real public files in ../shared/upstream (read in place, never copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"
UPSTREAM = Path(__file__).resolve().parents[3] / "shared" / "upstream"

SYNTHETIC = {
    "datarequests": DATA / "datarequests-mini.json",
    "justdeleteme": DATA / "jdm-mini.json",
    "eraser": DATA / "eraser-mini.yaml",
    "duckduckgo": DATA / "ddg",
    "california": DATA / "california-2026.csv",
}
REAL = {
    "datarequests": UPSTREAM / "datarequests-offline-data.json",
    "justdeleteme": UPSTREAM / "jdm-sites.json",
    "eraser": UPSTREAM / "eraser-brokers.yaml",
    "duckduckgo": UPSTREAM / "ddg-pir-brokers",
}


def real(source: str) -> Path:
    """The real upstream file of a source; the test is skipped when it is absent."""
    path = REAL[source]
    if not path.exists():
        pytest.skip(f"{path} is not here (public upstream data, not part of the repository)")
    return path
