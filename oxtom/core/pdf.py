"""A4 PDFs with fpdf2: our fonts, text narrowed when only the built-in font exists, page furniture.

Used by the Cabinet performance report (performance/reports.py) and the printable
permit, badge or pass (applications/printable.py).
"""
from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings

# fpdf2 subsets fonts through fontTools, which logs every glyph table at INFO: noise in worker logs.
logging.getLogger("fontTools").setLevel(logging.WARNING)

# A Unicode font when the system has one (free text can be anything); otherwise the PDF's built-in
# Helvetica, which only covers Latin-1, so text is narrowed to it.
FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu")]


def font_paths() -> dict[str, Path] | None:
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            return {"": regular, "B": bold}
    return None


class PdfDocument:
    """A thin wrapper over fpdf2 that knows our fonts; `doc` is the fpdf2 document for anything else."""

    def __init__(self, title: str, *, creator: str = "OxTOM"):
        from fpdf import FPDF

        self.doc = FPDF(orientation="portrait", unit="mm", format="A4")
        self.doc.set_auto_page_break(auto=True, margin=15)
        self.doc.set_margins(15, 15, 15)
        self.doc.set_title(title)
        self.doc.set_author(getattr(settings, "SITE_NAME", "") or "Oxfordshire County Council")
        self.doc.set_creator(creator)
        self.doc.set_lang("en-GB")
        fonts = font_paths()
        if fonts:
            for style, path in fonts.items():
                self.doc.add_font("Body", style=style, fname=str(path))
            self.family, self.unicode = "Body", True
        else:
            self.family, self.unicode = "Helvetica", False
        self.doc.add_page()

    def text(self, value: str) -> str:
        if self.unicode:
            return value
        narrowed = value.replace("\u2013", "-").replace("\u2014", "-").replace("\u2018", "'").replace(
            "\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
        return narrowed.encode("latin-1", "replace").decode("latin-1")

    def para(self, value: str, *, size: float = 10, bold: bool = False, after: float = 2) -> None:
        self.doc.set_font(self.family, "B" if bold else "", size)
        self.doc.multi_cell(0, size * 0.5, self.text(value), align="L", new_x="LMARGIN", new_y="NEXT")
        self.doc.ln(after)

    def output(self) -> bytes:
        return bytes(self.doc.output())
