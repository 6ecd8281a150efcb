"""A letter as the A4 PDF that is posted: laid out for GOV.UK Notify's precompiled letters.

Both letter channels render it: the Notify channel sends these bytes to be printed and posted,
and the file sink writes them next to the text, so what staff and developers open in
`var/letters/` is what a resident would receive.

Notify prints a precompiled PDF as it is, after checking that nothing falls outside the areas its
printer and envelope allow (millimetres from the top left of the page, published in Notify's letter
specification):

* everything within 15 mm of the left and right edges and 5 mm of the top and bottom;
* on the first page, the recipient's address alone in the envelope window, 24.6 mm to 120 mm
  from the left and 39.5 mm to 66.3 mm from the top, at most 7 lines, the last a postcode;
* above it only the sender's name or logo (down to 30 mm, left of 125 mm); the sender's own
  address and the date on the right (125 mm onwards, down to 95 mm); the letter itself from 95 mm;
* at most 10 pages.

The text is the resident's and the administrator's, so it can hold anything: markup (printed as
the characters typed, never interpreted), control characters and direction overrides (dropped),
very long words (broken to fit the line), and characters no font here can draw (replaced, see
`LetterText`). Rendering never fails on the text.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from oxtom.core.formats import govuk_date
from oxtom.core.pdf import PdfDocument

# Notify's precompiled letter areas, in millimetres (module docstring).
PAGE_LEFT, PAGE_RIGHT = 15.0, 195.0
ADDRESS_LEFT, ADDRESS_RIGHT, ADDRESS_TOP, ADDRESS_BOTTOM = 24.6, 120.0, 39.5, 66.3
SENDER_LEFT, SENDER_BOTTOM = 125.0, 95.0
LOGO_BOTTOM = 30.0
BODY_TOP = 95.0
# Later pages start lower than Notify requires, and every page stops 15 mm from the bottom, so the
# page number (at 287 mm) never meets the text.
LATER_PAGE_TOP, BOTTOM_MARGIN = 15.0, 15.0
MAX_PAGES = 10
MAX_ADDRESS_LINES = 7
ADDRESS_FONT_SIZE, ADDRESS_LINE_HEIGHT = 10.0, 3.7  # 7 lines x 3.7 mm = 25.9 mm: inside the 26.8 mm window

# Dropped outright: direction overrides and invisible characters that could make the printed text
# read differently from the stored one.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                                    "\u2060\u2066\u2067\u2068\u2069\ufeff"))
# Notify refuses an address line starting with one of these.
_BAD_ADDRESS_START = "@()=[]\"\\/,<>~"


class LetterText:
    """Text narrowed to what the document's font can draw.

    With the platform's Unicode font (DejaVu Sans, oxtom/core/pdf.py) that is most Latin, Greek and
    Cyrillic text; without it, the PDF's built-in Helvetica, Latin-1 only. A character the font lacks
    is first tried without its accents ("Ł" stays "?", "ő" becomes "o"), then printed as "?", so a
    letter never fails or silently loses a word's place. Control characters go, tabs become spaces,
    and line breaks are kept.
    """

    def __init__(self, pdf: PdfDocument):
        self.pdf = pdf
        font = pdf.doc.fonts.get(pdf.family.lower()) if pdf.unicode else None
        self._cmap = set(getattr(font, "cmap", None) or ()) if font is not None else None

    def drawable(self, char: str) -> bool:
        if self._cmap is not None:
            return ord(char) in self._cmap
        try:
            char.encode("latin-1")
        except UnicodeEncodeError:
            return False
        return True

    def _char(self, char: str) -> str:
        if char == "\n":
            return char
        if char == "\t":
            return "    "
        category = unicodedata.category(char)
        if category[0] == "C" or category in {"Zl", "Zp"}:  # control, format, surrogate, private, unassigned
            return " " if category in {"Zl", "Zp"} else ""
        if category == "Zs":
            return " "
        if self.drawable(char):
            return char
        plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        if plain and all(self.drawable(c) and unicodedata.category(c)[0] != "C" for c in plain):
            return plain
        return "?"

    def __call__(self, value: object) -> str:
        text = unicodedata.normalize("NFC", str(value or "")).replace("\r\n", "\n").replace("\r", "\n")
        return "".join(self._char(c) for c in text.translate(_INVISIBLE))


def council_address_lines() -> list[str]:
    """The council's own address, printed top right (settings.COUNCIL_POSTAL_ADDRESS, one line each)."""
    return [line for line in settings.COUNCIL_POSTAL_ADDRESS if line]


def address_lines(recipient: str, text: LetterText) -> list[str]:
    """The recipient's address as Notify will read it from the window: one line each, no blank lines,
    no line starting with a character Notify refuses, at most 7 lines with the postcode kept last."""
    lines = []
    for raw in (recipient or "").splitlines():
        line = re.sub(r"\s+", " ", text(raw)).strip().lstrip(_BAD_ADDRESS_START).strip()
        if line:
            lines.append(line)
    if len(lines) > MAX_ADDRESS_LINES:
        # Keep the name, the first lines and the postcode; the overflow joins the line before the postcode.
        head, overflow, last = lines[:MAX_ADDRESS_LINES - 2], lines[MAX_ADDRESS_LINES - 2:-1], lines[-1]
        lines = [*head, ", ".join(overflow), last]
    return lines


@dataclass(frozen=True)
class RenderedLetter:
    content: bytes
    pages: int
    address: list[str]


def _fit(pdf: PdfDocument, value: str, width: float) -> str:
    """`value` cut to `width` mm in the current font, ending with "..." when it was cut."""
    doc = pdf.doc
    if doc.get_string_width(value) <= width:
        return value
    while value and doc.get_string_width(value + "...") > width:
        value = value[:-1]
    return value.rstrip() + "..."


def letter_date(when: dt.datetime | None) -> dt.date:
    """The letter's date: the day the message was queued, so a retried render prints the same letter."""
    return timezone.localtime(when).date() if when else timezone.localdate()


def render_letter(*, recipient: str, subject: str, body: str, on: dt.date, reference: str = "") -> RenderedLetter:
    """The letter as A4 PDF bytes, laid out as the module docstring says (never fails on the text)."""
    council = getattr(settings, "SITE_NAME", "") or "Oxfordshire County Council"
    pdf = PdfDocument(f"Letter from {council}", creator=f"{council}: letters")
    doc, text = pdf.doc, LetterText(pdf)
    doc.set_title(text(subject)[:200] or f"Letter from {council}")  # the document's title is text too
    doc.set_auto_page_break(auto=True, margin=BOTTOM_MARGIN)

    # Above the window: the council's name only.
    doc.set_font(pdf.family, "B", 16)
    doc.set_xy(PAGE_LEFT, 12)
    doc.cell(SENDER_LEFT - PAGE_LEFT - 5, 8, _fit(pdf, text(council), SENDER_LEFT - PAGE_LEFT - 5))

    # Top right: the council's address, phone and the date, all above the letter's start.
    doc.set_font(pdf.family, "", 9)
    y = 12.0
    for line in [*council_address_lines(), "", f"Phone {settings.COUNCIL_PHONE}", "",
                 govuk_date(on), *([f"Our reference {reference}"] if reference else [])]:
        if y > SENDER_BOTTOM - 10:
            break
        doc.set_xy(SENDER_LEFT, y)
        doc.cell(PAGE_RIGHT - SENDER_LEFT, 4, _fit(pdf, text(line), PAGE_RIGHT - SENDER_LEFT))
        y += 4.2

    # The window: the recipient's address and nothing else.
    address = address_lines(recipient, text)
    doc.set_font(pdf.family, "", ADDRESS_FONT_SIZE)
    width = ADDRESS_RIGHT - ADDRESS_LEFT - 1
    for index, line in enumerate(address):
        doc.set_xy(ADDRESS_LEFT, ADDRESS_TOP + 0.5 + index * ADDRESS_LINE_HEIGHT)
        doc.cell(width, ADDRESS_LINE_HEIGHT, _fit(pdf, line, width))

    # The letter, from 95 mm; later pages from the top margin.
    doc.set_margins(PAGE_LEFT, LATER_PAGE_TOP, 210 - PAGE_RIGHT)
    doc.set_xy(PAGE_LEFT, BODY_TOP)
    if subject:
        doc.set_font(pdf.family, "B", 12)
        doc.multi_cell(0, 6, text(subject), align="L", new_x="LMARGIN", new_y="NEXT")
        doc.ln(3)
    doc.set_font(pdf.family, "", 11)
    for paragraph in re.split(r"\n{2,}", text(body).strip()):
        doc.multi_cell(0, 5.5, paragraph, align="L", new_x="LMARGIN", new_y="NEXT")
        doc.ln(3)

    pages = doc.pages_count
    if pages > 1:
        doc.set_auto_page_break(auto=False)
        doc.set_font(pdf.family, "", 9)
        for number in range(1, pages + 1):
            doc.page = number
            doc.set_xy(PAGE_LEFT, 284)
            doc.cell(PAGE_RIGHT - PAGE_LEFT, 4, f"Page {number} of {pages}", align="R")
        doc.page = pages
    return RenderedLetter(content=pdf.output(), pages=pages, address=address)


def render_message_letter(message) -> RenderedLetter:
    """The letter for one outbox message (its recipient, subject and body), dated the day it was queued."""
    reference = str((message.context or {}).get("reference") or "")[:40]
    return render_letter(recipient=message.recipient, subject=message.subject, body=message.body,
                         on=letter_date(getattr(message, "created_at", None)), reference=reference)
