"""The OTV registration form as an A4 PDF with real (searchable) text, blank or pre-filled.

One layout serves both: each field is drawn with its value, or with an empty line to write on.
fpdf2's built-in Helvetica needs no font file; with the Windows-1252 encoding it covers all of
French (é, à, ç, œ, ’, «, », €); anything else a person types is transliterated (see `printable`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

ENCODING = "cp1252"
WIDTH = 180.0  # printable width of A4 (210 mm) with 15 mm margins
LINE = 6.5
ONLINE_PROCEDURE = "service-public.fr, démarche « Opération tranquillité vacances » (avec FranceConnect)"


@dataclass(frozen=True)
class Field:
    label: str
    value: str = ""
    width: float = WIDTH


@dataclass(frozen=True)
class Choice:
    label: str
    options: Sequence[str]
    chosen: Sequence[str] = ()


@dataclass(frozen=True)
class Section:
    title: str
    rows: Sequence[Sequence[Field] | Choice] = field(default_factory=tuple)
    note: str = ""


def printable(text: str) -> str:
    """`text` restricted to what Helvetica (cp1252) can print: accents kept, other letters
    transliterated (ā → a), anything else replaced by '?'."""
    out = []
    for char in text:
        try:
            char.encode(ENCODING)
            out.append(char)
            continue
        except UnicodeEncodeError:
            base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        try:
            out.append(base.encode(ENCODING).decode(ENCODING) or "?")
        except UnicodeEncodeError:
            out.append("?")
    return "".join(out)


def render(title: str, subtitle: str, sections: Sequence[Section], footer: str) -> bytes:
    """The PDF of a form made of `sections` (fpdf2 is imported here: it is not on the cold path)."""
    from fpdf import FPDF

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.core_fonts_encoding = ENCODING
    pdf.set_margins(15, 12, 15)
    pdf.set_auto_page_break(auto=True, margin=14)
    pdf.set_title(printable(title))
    pdf.set_author("Stop Cambriolages")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(WIDTH, 9, printable(title), new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font("Helvetica", "", 10.5)
    pdf.multi_cell(WIDTH, 5, printable(subtitle), new_x="LMARGIN", new_y="NEXT", align="C")
    for section in sections:
        _section(pdf, section)
    pdf.ln(3)
    pdf.set_font("Helvetica", "I", 8)
    pdf.multi_cell(WIDTH, 4, printable(footer), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _section(pdf: FPDF, section: Section) -> None:
    pdf.ln(2)
    if pdf.will_page_break(6 + 2 * LINE):  # keep a title with its first rows
        pdf.add_page()
    pdf.set_font("Helvetica", "B", 11)
    pdf.set_fill_color(228, 233, 242)
    pdf.cell(WIDTH, 6, printable(section.title), new_x="LMARGIN", new_y="NEXT", fill=True)
    pdf.set_font("Helvetica", "", 10)
    for row in section.rows:
        if isinstance(row, Choice):
            _choice(pdf, row)
        else:
            _fields(pdf, row)
    if section.note:
        pdf.set_font("Helvetica", "", 8.5)
        pdf.multi_cell(WIDTH, 4.2, printable(section.note), new_x="LMARGIN", new_y="NEXT")


def _fields(pdf: FPDF, row: Sequence[Field]) -> None:
    """Label then value on an underlined line; long values wrap inside their own column."""
    if pdf.will_page_break(LINE + 1):  # columns start on the same page
        pdf.add_page()
    top = pdf.get_y() + 1
    bottom = top
    x = pdf.l_margin
    for item in row:
        pdf.set_xy(x, top)
        label = printable(item.label) + " :" if item.label else ""
        pdf.set_font("Helvetica", "B", 9)
        label_width = pdf.get_string_width(label) + 2 if label else 0
        if label:
            pdf.cell(label_width, LINE, label)
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(item.width - label_width - 3, LINE, printable(item.value), border="B")
        bottom = max(bottom, pdf.get_y())
        x += item.width
    pdf.set_xy(pdf.l_margin, bottom)


def _choice(pdf: FPDF, choice: Choice) -> None:
    """Tick boxes: an X in the box of each chosen option."""
    pdf.ln(1)
    pdf.set_font("Helvetica", "B", 9)
    pdf.cell(pdf.get_string_width(printable(choice.label)) + 5, LINE, printable(choice.label) + " :")
    pdf.set_font("Helvetica", "", 10)
    for option in choice.options:
        x, y = pdf.get_x(), pdf.get_y() + 1.75
        pdf.rect(x, y, 3.5, 3.5)
        mark = "X" if option in choice.chosen else ""
        pdf.cell(3.5, LINE, mark, align="C")
        pdf.cell(pdf.get_string_width(printable(option)) + 8, LINE, " " + printable(option))
    pdf.ln(LINE)
