"""Turning service dicts into text for the screens. User data is never parsed as markup."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text

from exposure.core.models import CATEGORY_LABELS
from exposure.services.dashboard import MAIL_KINDS

#: One letter per kind of source, for the inventory's "how we know" column.
SOURCE_ICONS: dict[str, str] = {"mail": "M", "breach": "B", "hand": "H", "file": "F"}
ICON_LEGEND = "M mail · B breach · H added by hand · F imported file"


def category_label(category: str | None) -> str:
    return CATEGORY_LABELS.get(category or "unknown", category or "Unknown")


def source_icon(kind: str) -> str:
    if kind in MAIL_KINDS:
        return SOURCE_ICONS["mail"]
    if kind == "hibp":
        return SOURCE_ICONS["breach"]
    if kind == "manual":
        return SOURCE_ICONS["hand"]
    return SOURCE_ICONS["file"]


def source_icons(kinds: Iterable[str]) -> str:
    icons = {source_icon(kind) for kind in kinds}
    return "".join(icon for icon in SOURCE_ICONS.values() if icon in icons)


def day(value: str | None) -> str:
    return (value or "")[:10]


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def evidence_summary(evidence: dict[str, Any]) -> str:
    """One line describing a finding's evidence (vault entry, mail, breach, note)."""
    parts: list[str] = []
    if evidence.get("breach"):
        classes = evidence.get("data_classes") or []
        parts.append(
            f"breach {evidence['breach']}" + (f" ({evidence['date']})" if evidence.get("date") else "")
        )
        if classes:
            parts.append("exposed: " + ", ".join(str(c) for c in classes[:6]))
    if evidence.get("title"):
        parts.append(f"entry “{evidence['title']}”")
    if evidence.get("messages"):
        parts.append(plural(int(evidence["messages"]), "message"))
    if evidence.get("kinds"):
        parts.append("/".join(str(k) for k in evidence["kinds"]))
    subjects = evidence.get("subjects") or []
    if subjects:
        parts.append("; ".join(f"“{s}”" for s in subjects[:3]))
    if evidence.get("note"):
        parts.append(str(evidence["note"]))
    known = {"breach", "data_classes", "date", "title", "messages", "kinds", "subjects", "note", "format"}
    for key, value in evidence.items():
        if key not in known and isinstance(value, str | int | float) and len(parts) < 6:
            parts.append(f"{key}: {value}")
    return " · ".join(parts) or "no details"


def _line(text: Text, label: str, value: str | None, style: str = "") -> None:
    if value:
        text.append(f"{label}: ", style="bold")
        text.append(value, style=style)
        text.append("\n")


def org_detail(
    org: dict[str, Any],
    findings: list[dict[str, Any]] | None = None,
    row: dict[str, Any] | None = None,
    total: int | None = None,
) -> Text:
    """The detail pane of an organization: its findings first (when given), then how to reach it.

    ``total`` is the number of findings when ``findings`` holds only the first of them.
    """
    text = Text()
    text.append(org["name"], style="bold")
    text.append(f"  {category_label(org.get('category'))}", style="italic")
    if org.get("domains"):
        text.append("  " + ", ".join(org["domains"][:4]))
    text.append("\n")
    if row is not None and row.get("state") not in (None, "active"):
        text.append(f"Marked {row['state'].replace('_', ' ')}\n", style="bold yellow")
    if row is not None and row.get("request"):
        request = row["request"]
        text.append("Request: ", style="bold")
        text.append(
            f"{request['status']}" + (f", due {day(request.get('due'))}" if request.get("due") else "")
        )
        text.append("\n")
    if findings is not None:
        _findings(text, findings, total if total is not None else len(findings))
        text.append("\nHow to reach them\n", style="bold underline")
    _contacts(text, org)
    return text


def _findings(text: Text, findings: list[dict[str, Any]], total: int) -> None:
    text.append(f"{plural(total, 'finding')}\n", style="bold")
    for finding in findings:
        text.append(" • ")
        text.append(f"{finding['source']}", style="bold")
        when = day(finding.get("last_seen") or finding.get("first_seen"))
        meta = [finding.get("identifier"), when, f"{round(100 * float(finding['confidence']))}% sure"]
        text.append(" · " + " · ".join(str(m) for m in meta if m))
        text.append("\n   " + evidence_summary(finding.get("evidence") or {}))
        if finding.get("location"):
            text.append(f"\n   from {finding['location']}", style="dim")
        text.append("\n")
    if total > len(findings):
        text.append(f" … and {total - len(findings):,} more\n", style="dim")


def _contacts(text: Text, org: dict[str, Any]) -> None:
    _line(text, "Privacy email", org.get("privacy_email"))
    _line(text, "Web form", org.get("web_form"), "underline")
    _line(text, "Opt-out", org.get("opt_out_url"), "underline")
    for number, step in enumerate(org.get("opt_out_steps") or [], 1):
        text.append(f"  {number}. {step}\n")
    if org.get("requires"):
        _line(text, "They may ask for", ", ".join(org["requires"]))
    if org.get("relisting_days"):
        _line(text, "Relists after", f"{org['relisting_days']} days")
    _line(text, "Postal", org.get("postal_address"))
    if not (org.get("privacy_email") or org.get("web_form") or org.get("opt_out_url")):
        text.append("No privacy contact known yet.\n", style="dim")
    for source in org.get("sources") or []:
        if source.get("source") == "finding":
            text.append("Not in the catalog: known only from your findings.\n", style="dim")
        elif source.get("url") or source.get("date"):
            text.append("Facts from: ", style="bold")
            text.append(f"{source.get('url') or source.get('source')} ({source.get('date') or 'undated'})\n")
