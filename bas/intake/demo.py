"""Demo data for the post room and bulk uploads, so bas.officer@ has real work on a fresh `make run`:
four letters waiting in the post room (one ready to route, one quoting a case, two needing details),
one already routed to a street report's team, a clean SEN upload, a clean transport upload and
a SEN upload rejected with its row-by-row report. Made through the services; idempotent."""
from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from oxtom.core.demo import DemoContext

from . import samples, services
from .models import DatasetUpload, PostItem


def letter_pdf(lines: list[str]) -> bytes:
    """A one-page PDF letter with `lines` of text (a scan's stand-in: real text, no scripts)."""
    text = "BT /F1 12 Tf 72 760 Td 16 TL " + " ".join(
        "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '" for line in lines) + " ET"
    stream = text.encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def _pdf(name: str, lines: list[str]) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, letter_pdf(lines), content_type="application/pdf")


def intake_step(context: DemoContext) -> int:
    officer = context.user("bas.officer")
    if officer is None or PostItem.objects.exists():
        return 0
    from oxtom.cases.models import Case

    today = timezone.localdate()
    case = (Case.objects.filter(customer__isnull=False, service__is_active=True).exclude(status="closed")
            .select_related("service", "customer").order_by("id").first())
    made = 0
    routed = services.post_items_log(files=[_pdf("scan-0001.pdf", [
        "12 Church Lane, Wheatley", "To Oxfordshire County Council",
        f"Re: case {case.reference if case else 'reference unknown'}",
        "The pothole outside number 12 is getting deeper. Please see the enclosed photo."])],
        received_on=today - dt.timedelta(days=3), sender="A resident of Church Lane, Wheatley",
        summary="Follow-up letter about the pothole already reported", by=officer)[0]
    made += 1
    if case is not None:
        services.post_item_match(item=routed, case=case, by=officer)
        services.post_item_route(item=routed, service=case.service, by=officer)
    waiting = services.post_items_log(files=[
        _pdf("scan-0002.pdf", ["Dear Sir or Madam", "I would like to ask for a copy of my blue badge decision letter.",
                               "Yours faithfully"]),
        _pdf("scan-0003.pdf", ["Invoice 4471 from Vale Community Travel Ltd", "Home to school transport, route HTS-0107",
                               "October: 21 days at 86.50"]),
        _pdf("scan-0004.pdf", ["To whom it may concern", "Please stop the grass cutting at 4am on Sundays."]),
    ], received_on=today - dt.timedelta(days=1), by=officer)
    made += len(waiting)
    first, second, _third = waiting
    services.post_item_describe(item=first, sender="Blue badge holder, Bicester",
                                summary="Asks for a copy of their blue badge decision letter",
                                received_on=first.received_on, by=officer)
    customer = (case.customer if case else None)
    if customer is not None:
        services.post_item_match(item=first, customer=customer, by=officer)
    services.post_item_describe(item=second, sender="Vale Community Travel Ltd",
                                summary="Invoice for route HTS-0107, October", received_on=second.received_on, by=officer)
    made += _uploads(officer)
    return made


def _uploads(officer) -> int:
    if DatasetUpload.objects.exists():
        return 0
    today = timezone.localdate()
    outcomes = [
        services.dataset_upload(dataset="sen_pupils", data=samples.sen_csv(40, today=today),
                                file_name="sen-pupils-autumn-term.csv", by=officer),
        services.dataset_upload(dataset="transport_routes", data=samples.routes_csv(24, today=today),
                                file_name="transport-routes-2026.csv", by=officer),
        services.dataset_upload(dataset="sen_pupils", data=samples.sen_csv_with_errors(40, seed=21, today=today),
                                file_name="sen-pupils-north-schools.csv", by=officer),
    ]
    return len(outcomes)
