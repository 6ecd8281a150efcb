"""The personal data check: text from each file type, what it finds, and the files it refuses."""
from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from bas.foi import extract, rules, services
from bas.foi.models import PersonalDataHit
from tests.office_files import pptx_bytes, with_parts, xlsx_bytes

SAMPLE = ("Case officer Jane Smith (jane.smith@oxfordshire.example, 07700 900123) reviewed employee no 48213. "
          "NI number AB 12 34 56 C. Visit 12 Acacia Avenue, Oxford OX4 1AB.")
KINDS = {"name", "email", "phone", "employee", "ni_number", "address"}


def _pdf(text: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 5, text)
    return bytes(pdf.output())


def _docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _xlsx(text: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Notes"])
    sheet.append([text])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _csv(text: str) -> bytes:
    return f'notes\n"{text}"\n'.encode()


@pytest.mark.parametrize("maker, filename, kind", [
    (_pdf, "report.pdf", "pdf"), (_docx, "letter.docx", "docx"), (_xlsx, "table.xlsx", "xlsx"),
    (_csv, "rows.csv", "csv")])
def test_each_file_type_is_read_and_scanned(maker, filename, kind):
    found = extract.extract(maker(SAMPLE), filename=filename)
    assert found.kind == kind
    hits = rules.scan(found.text, names=["Jane Smith"])
    assert {h.kind for h in hits} == KINDS, [(h.kind, h.found) for h in hits]


def test_scan_finds_each_kind_in_plain_text():
    hits = {h.kind: h.found for h in rules.scan(SAMPLE, names=["Jane Smith"])}
    assert hits["email"] == "jane.smith@oxfordshire.example"
    assert hits["ni_number"] == "AB 12 34 56 C"
    assert "48213" in hits["employee"]
    assert hits["address"].startswith("12 Acacia Avenue") and hits["address"].endswith("OX4 1AB")
    assert hits["phone"].replace(" ", "") == "07700900123"
    assert hits["name"] == "Jane Smith"


def test_scan_leaves_ordinary_figures_alone():
    text = "We repaired 18,412 potholes in 2024-25 at £87 each; 52,300 of 60,100 lights are LED. OX4 is a district."
    assert rules.scan(text) == []


def test_redact_replaces_every_occurrence():
    assert rules.redact("Jane SMITH met jane smith", "Jane Smith") == "[redacted] met [redacted]"


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("data, filename, message", [
    (b"", "empty.pdf", "empty"),
    (b"\x89PNG\r\n\x1a\n" + b"0" * 100, "photo.pdf", "must be a PDF"),
    (b"MZ\x90\x00 an executable", "tool.exe", "must be a PDF"),
    (b"just some text", "notes.txt", "must be a PDF"),
    (b"%PDF-1.4 no trailer", "broken.pdf", "must be a PDF"),
    (_zip({"hello.txt": b"hi"}), "fake.docx", "must be a PDF"),
    (_zip({"word/document.xml": b"0" * 20_000_000}), "bomb.docx", "expands"),
    (with_parts(xlsx_bytes(), **{"xl/vbaProject.bin": b"\x00"}), "figures.xlsx", "macros"),  # an .xlsm renamed
    (pptx_bytes(), "slides.pptx", "must be a PDF"),  # a presentation is not a response attachment
    (b"a,b\x00,c", "binary.csv", "must be a PDF"),
    (b"0" * (extract.MAX_BYTES + 1), "big.csv", "smaller than"),
])
def test_wrong_and_hostile_files_are_refused(data, filename, message):
    with pytest.raises(extract.Rejected, match=message):
        extract.extract(data, filename=filename)


@pytest.mark.django_db
def test_attachment_hits_need_a_decision_and_redaction_reaches_the_text(make_request, coordinator):
    request = services.foi_triage(request=make_request(), valid=True, regime="foi", names_in_scope="Jane Smith",
                                  by=coordinator)
    services.foi_draft_save(request=request, outcome="granted", response_text="See the attached table.", by=coordinator)
    attachment = services.foi_attachment_add(request=request, data=_xlsx(SAMPLE), filename="../../etc/table.xlsx",
                                             by=coordinator)
    assert attachment.filename == "table.xlsx" and attachment.content_type.endswith("spreadsheetml.sheet")
    with pytest.raises(ValidationError, match="must be a PDF"):
        services.foi_attachment_add(request=request, data=b"<script>alert(1)</script>", filename="x.html",
                                    by=coordinator)
    assert services.foi_check_personal_data(request=request, by=coordinator) == len(KINDS)
    for hit in PersonalDataHit.objects.filter(request=request):
        assert hit.attachment_id == attachment.pk
        services.foi_hit_decide(hit=hit, action="redact", by=coordinator)
    attachment.refresh_from_db()
    request.refresh_from_db()
    assert "AB 12 34 56 C" not in attachment.text and "Jane Smith" not in attachment.text
    assert services.check_is_current(request)
    # A new attachment after the check: the check must run again before approval.
    services.foi_attachment_add(request=request, data=_csv("nothing personal"), filename="more.csv", by=coordinator)
    request.refresh_from_db()
    assert "Run the personal data check" in " ".join(services.approval_blockers(request))
