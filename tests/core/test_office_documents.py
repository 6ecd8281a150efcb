"""oxtom.core.uploads.office_document_check and document_check(office=True): Word, Excel and PowerPoint
files judged by their parts, never their names; macros, ActiveX, remote templates and zip bombs refused."""
from __future__ import annotations

import io
import zipfile

import pytest

from oxtom.core.uploads import (OFFICE_ACTIVE_MESSAGE, OFFICE_TYPES_MESSAGE, ZIP_BOMB_MESSAGE, ImageRejected,
                                document_check, office_document_check)
from tests.office_files import REMOTE_TEMPLATE_RELS, docx_bytes, pptx_bytes, with_parts, xlsx_bytes, zipped


@pytest.mark.parametrize(("make", "extension", "kind"), [
    (docx_bytes, "docx", "wordprocessingml.document"),
    (xlsx_bytes, "xlsx", "spreadsheetml.sheet"),
    (pptx_bytes, "pptx", "presentationml.presentation"),
])
def test_each_kind_is_named_by_its_main_part_and_kept_as_it_came(make, extension, kind):
    data = make()
    checked = office_document_check(data)
    assert (checked.extension, checked.content) == (extension, data)
    assert checked.content_type.endswith(kind)
    assert document_check(data, office=True).extension == extension


def test_without_office_an_office_file_is_refused_as_evidence_is_today():
    with pytest.raises(ImageRejected, match="JPG, PNG, WebP or PDF"):
        document_check(docx_bytes())


@pytest.mark.parametrize(("parts", "message"), [
    ({"word/vbaProject.bin": b"\x00VBA"}, OFFICE_ACTIVE_MESSAGE),           # a .docm renamed .docx
    ({"word/activeX/activeX1.bin": b"\x00"}, OFFICE_ACTIVE_MESSAGE),
    ({"word/_rels/settings.xml.rels": REMOTE_TEMPLATE_RELS}, OFFICE_ACTIVE_MESSAGE),  # template injection
])
def test_active_content_is_refused(parts, message):
    with pytest.raises(ImageRejected) as refused:
        office_document_check(with_parts(docx_bytes(), **parts))
    assert str(refused.value) == message


def test_a_macro_enabled_content_type_is_refused():
    declared = with_parts(pptx_bytes(), **{"[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override '
        'PartName="/ppt/presentation.xml" ContentType="application/vnd.ms-powerpoint.presentation.'
        'macroEnabled.main+xml"/></Types>')})
    with pytest.raises(ImageRejected, match="macros"):
        office_document_check(declared)


def test_a_hyperlink_to_elsewhere_is_not_active_content():
    link = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
            'Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" '
            'Target="https://www.oxfordshire.gov.uk/" TargetMode="External"/></Relationships>')
    assert office_document_check(with_parts(docx_bytes(), **{"word/_rels/document.xml.rels": link})).extension == "docx"


@pytest.mark.parametrize("data", [
    zipped({"notes.txt": "just a zip"}),                              # a zip, but no Office document
    zipped({"word/document.xml": "<w:document/>"}),                   # no [Content_Types].xml
    b"PK\x03\x04" + b"\x00" * 200,                                    # damaged
    docx_bytes()[:-400],                                              # cut short
])
def test_anything_else_is_refused_with_the_list_of_types(data):
    with pytest.raises(ImageRejected) as refused:
        document_check(data, office=True)
    assert str(refused.value) == OFFICE_TYPES_MESSAGE


def test_a_zip_bomb_is_refused_before_any_part_is_read():
    bomb = with_parts(docx_bytes(), **{"word/media/padding.bin": b"\x00" * (60 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024
    with pytest.raises(ImageRejected) as refused:
        office_document_check(bomb)
    assert str(refused.value) == ZIP_BOMB_MESSAGE


def test_an_encrypted_member_is_refused_not_an_error():
    data = bytearray(pptx_bytes())
    # Set the "encrypted" flag on every entry, as a password-protected zip has.
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        offsets = [info.header_offset for info in archive.infolist()]
    for offset in offsets:
        data[offset + 6] |= 0x1
    central = bytes(data).find(b"PK\x01\x02")
    while central != -1:
        data[central + 8] |= 0x1
        central = bytes(data).find(b"PK\x01\x02", central + 4)
    with pytest.raises(ImageRejected) as refused:
        office_document_check(bytes(data))
    assert str(refused.value) == OFFICE_TYPES_MESSAGE
