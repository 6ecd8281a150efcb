"""A permit, badge or pass as a one-page PDF the resident can print (from /account/entitlements/).

It carries what someone checking it needs and nothing more: the council, what it
is, its number, its status and term, and for a parking permit the zone and the
vehicle. No name, address, date of birth, pass type or the award behind it
(a disabled person's pass or a badge says nothing about why): the number is
the key to our records.
"""
from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from oxtom.core.formats import govuk_date
from oxtom.core.pdf import PdfDocument

from .models import Entitlement


def entitlement_lines(entitlement: Entitlement) -> list[tuple[str, str]]:
    """(label, value) rows printed under the number, in order."""
    details = entitlement.details or {}
    rows = [("Status", entitlement.get_status_display()),
            ("Valid from", govuk_date(entitlement.starts_on)),
            ("Valid until", govuk_date(entitlement.expires_on))]
    if details.get("zone") or details.get("zone_name"):
        rows.append(("Zone", str(details.get("zone_name") or details.get("zone"))))
    if details.get("vehicle_registration"):
        rows.append(("Vehicle", str(details["vehicle_registration"])))
    return rows


def entitlement_pdf(entitlement: Entitlement) -> bytes:
    """The printable copy: one A4 page."""
    service = entitlement.service
    council = getattr(settings, "SITE_NAME", "") or "Oxfordshire County Council"
    pdf = PdfDocument(f"{service.name} {entitlement.number}", creator=f"{council}: Apply for it")
    doc = pdf.doc
    pdf.para(council, size=12, bold=True, after=6)
    pdf.para(service.name, size=20, bold=True, after=2)
    # The number in a box, large enough to read from a windscreen.
    doc.set_font(pdf.family, "B", 28)
    doc.set_line_width(0.8)
    doc.cell(0, 22, pdf.text(entitlement.number), border=1, align="C", new_x="LMARGIN", new_y="NEXT")
    doc.ln(6)
    if not entitlement.is_active:
        pdf.para(f"Not valid: this {service.name_in_sentence} is {entitlement.get_status_display().lower()}.",
                 size=14, bold=True, after=4)
    for label, value in entitlement_lines(entitlement):
        doc.set_font(pdf.family, "B", 12)
        doc.cell(45, 9, pdf.text(label))
        doc.set_font(pdf.family, "", 12)
        doc.cell(0, 9, pdf.text(value), new_x="LMARGIN", new_y="NEXT")
    doc.ln(8)
    pdf.para(f"A printed copy for your records, made on {govuk_date(timezone.localdate())}. It is valid only "
             f"while your account says it is active: sign in and go to \u2018Your permits, badges and passes\u2019 "
             f"to check, or call us on {settings.COUNCIL_PHONE}.", size=10)
    return pdf.output()
