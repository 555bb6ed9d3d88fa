"""Where findings come from: password-manager and browser exports, platform downloads, mail,
breach lists. Every source fits :mod:`exposure.sources.base` (an :class:`Importer` yielding
:class:`Record` / :class:`RecordError` items); :mod:`exposure.sources.detect` picks the importer
for a file from its content.
"""

from __future__ import annotations

from exposure.sources.base import Importer, Input, Item, Record, RecordError

__all__ = ["Importer", "Input", "Item", "Record", "RecordError"]
