"""A printable letter: plain text, and PDF (fpdf2).

The PDF uses a Unicode TrueType font when the system has one (DejaVu Sans from the
``fonts-dejavu-core`` package first, then Liberation Sans, Arial, ...); otherwise fpdf2's core
Helvetica, which covers Latin-1 only (German, French and Spanish letters print as they are), with
every other character transliterated (``œ`` -> ``oe``, ``"`` quotes -> ``"``, ``€`` -> ``EUR``;
anything left becomes ``?``). :func:`pdf_font` says which one is used.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from exposure.rights.channels import Outgoing, check_outgoing

#: Unicode fonts tried in order (regular, bold).
FONT_CANDIDATES: tuple[tuple[str, str, str], ...] = (
    ("DejaVu Sans", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("DejaVu Sans", "/usr/share/fonts/dejavu/DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("DejaVu Sans", "/usr/share/fonts/TTF/DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("DejaVu Sans", "/usr/local/share/fonts/DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    (
        "Liberation Sans",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "LiberationSans-Bold.ttf",
    ),
    ("Arial", "/System/Library/Fonts/Supplemental/Arial.ttf", "Arial Bold.ttf"),
    ("Arial", "C:/Windows/Fonts/arial.ttf", "arialbd.ttf"),
)

_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
}
_SUBJECT = {"en": "Subject", "de": "Betreff", "fr": "Objet", "es": "Asunto"}

_TRANSLIT = {
    "\u2018": "'", "\u2019": "'", "\u201a": ",", "\u201b": "'", "\u201c": '"', "\u201d": '"',
    "\u201e": '"', "\u2039": "<", "\u203a": ">", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u2026": "...", "\u2022": "*", "\u20ac": "EUR", "\u0152": "OE", "\u0153": "oe", "\u0141": "L",
    "\u0142": "l", "\u0110": "D", "\u0111": "d", "\u0131": "i", "\u2010": "-", "\u2011": "-",
    "\u00a0": " ", "\u202f": " ", "\u2009": " ",
}  # fmt: skip


@dataclass(frozen=True)
class PdfFont:
    name: str
    regular: Path | None  #: None: fpdf2 core Helvetica (Latin-1, transliterated)
    bold: Path | None

    @property
    def unicode(self) -> bool:
        return self.regular is not None

    def describe(self) -> str:
        if self.regular is None:
            return "Helvetica (PDF core font, Latin-1; other characters transliterated)"
        return f"{self.name} ({self.regular})"


@lru_cache(maxsize=1)
def pdf_font() -> PdfFont:
    """The font letters are printed with: the first Unicode TTF found, else core Helvetica."""
    for name, regular, bold in FONT_CANDIDATES:
        path = Path(regular)
        if path.is_file():
            bold_path = path.with_name(bold)
            return PdfFont(name, path, bold_path if bold_path.is_file() else path)
    return PdfFont("Helvetica", None, None)


def transliterate(text: str) -> str:
    """Text the PDF core fonts can print (Latin-1): keep what fits, transliterate the rest."""
    out: list[str] = []
    for ch in text:
        if ch == "\n" or (ch.isprintable() and ord(ch) < 256):
            out.append(ch)
            continue
        if ch in _TRANSLIT:
            out.append(_TRANSLIT[ch])
            continue
        decomposed = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append(decomposed if decomposed and all(ord(c) < 256 for c in decomposed) else "?")
    return "".join(out)


def format_date(day: date, language: str) -> str:
    """A letter date in the letter's language: 5 June 2026, 5. Juni 2026, 5 juin 2026, 5 de junio de 2026."""
    month = _MONTHS.get(language, _MONTHS["en"]).split()[day.month - 1]
    if language == "de":
        return f"{day.day}. {month} {day.year}"
    if language == "es":
        return f"{day.day} de {month} de {day.year}"
    return f"{day.day} {month} {day.year}"


def _blocks(out: Outgoing, day: date) -> tuple[list[str], list[str], str, str]:
    sender = [line for line in (out.from_name, out.postal_from, out.from_addr) if line]
    recipient = [out.to_name or ""]
    if out.postal_to:
        recipient += [line.strip() for line in out.postal_to.splitlines() if line.strip()]
    return (
        sender,
        recipient,
        format_date(day, out.language),
        f"{_SUBJECT.get(out.language, 'Subject')}: {out.subject}",
    )


def letter_text(out: Outgoing, day: date) -> str:
    """The letter as plain text (sender, recipient, date, subject, body)."""
    check_outgoing(out)
    sender, recipient, when, subject = _blocks(out, day)
    parts = ["\n".join(sender), "\n".join(recipient), when, subject, out.body.strip()]
    return "\n\n".join(p for p in parts if p) + "\n"


def letter_pdf(out: Outgoing, day: date, *, created: datetime | None = None) -> bytes:
    """The letter as an A4 PDF."""
    from fpdf import FPDF

    check_outgoing(out)
    font = pdf_font()
    sender, recipient, when, subject = _blocks(out, day)
    text = (lambda s: s) if font.unicode else transliterate

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(25, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_title(text(out.subject))
    if out.from_name:
        pdf.set_author(text(out.from_name))
    pdf.set_creator("exposure")
    if created is not None:
        pdf.set_creation_date(created)
    if font.unicode:
        pdf.add_font("Letter", "", str(font.regular))
        pdf.add_font("Letter", "B", str(font.bold))
        family = "Letter"
    else:
        family = "Helvetica"
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font(family, "", 10)
    for line in sender:
        pdf.multi_cell(width, 5, text(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font(family, "", 11)
    for line in recipient:
        pdf.multi_cell(width, 5.5, text(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.multi_cell(width, 5.5, text(when), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(family, "B", 11)
    pdf.multi_cell(width, 5.5, text(subject), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(family, "", 11)
    for paragraph in out.body.strip().split("\n"):
        if paragraph.strip():
            pdf.multi_cell(width, 5.5, text(paragraph.rstrip()), new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.ln(3)
    return bytes(pdf.output())
