"""Text out of a response's attachments (PDF, DOCX, XLSX, CSV), judged by their bytes, not their names.

The text feeds the personal-data check and the disclosure log's search. Anything else is refused,
as are files too large, encrypted or with active content (PDF; DOCX and XLSX through the kernel's Office
check, which also refuses zip bombs from their declared sizes before anything is opened).
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

MAX_BYTES = 10 * 1024 * 1024
MAX_TEXT_CHARS = 500_000
MAX_CELLS = 200_000
TYPES_MESSAGE = "The selected file must be a PDF, Word document (DOCX), Excel spreadsheet (XLSX) or CSV file"


class Rejected(ValueError):
    pass


@dataclass(frozen=True)
class Extracted:
    kind: str  # pdf, docx, xlsx, csv
    content_type: str
    text: str


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}


def _cap(text: str) -> str:
    return text[:MAX_TEXT_CHARS]


def _office_checked(data: bytes) -> tuple[str, zipfile.ZipFile]:
    """The kind and archive of a Word or Excel file, by the kernel's Office check (zip bombs, macros,
    embedded programs and remote templates refused: these files are published on the disclosure log)."""
    from oxtom.core.uploads import OFFICE_TYPES_MESSAGE, ImageRejected, office_document_check

    try:
        kind = office_document_check(data).extension
    except ImageRejected as exc:
        raise Rejected(TYPES_MESSAGE if str(exc) == OFFICE_TYPES_MESSAGE else str(exc)) from None
    if kind not in ("docx", "xlsx"):
        raise Rejected(TYPES_MESSAGE)
    return kind, zipfile.ZipFile(io.BytesIO(data))


def _pdf(data: bytes) -> str:
    from oxtom.core.uploads import pdf_active_content

    if b"%%EOF" not in data[-2048:]:
        raise Rejected(TYPES_MESSAGE)
    if pdf_active_content(data):
        raise Rejected("The selected PDF is encrypted or contains scripts or forms: save it as a plain PDF")
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        parts = []
        for page in reader.pages[:500]:
            parts.append(page.extract_text() or "")
            if sum(map(len, parts)) > MAX_TEXT_CHARS:
                break
    except (PyPdfError, ValueError, KeyError, TypeError, RecursionError, OSError):
        raise Rejected("The selected PDF could not be read") from None
    return _cap("\n".join(parts))


def _docx(archive: zipfile.ZipFile) -> str:
    names = set(archive.namelist())
    if "word/document.xml" not in names:
        raise Rejected(TYPES_MESSAGE)
    try:
        import docx  # python-docx

        document = docx.Document(archive.fp)
        lines = [p.text for p in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                lines.append("\t".join(cell.text for cell in row.cells))
        return _cap("\n".join(lines))
    except ImportError:
        pass
    except Exception:  # noqa: BLE001 - any unreadable document is one message to the uploader
        raise Rejected("The selected Word document could not be read") from None
    from defusedxml import ElementTree

    root = ElementTree.fromstring(archive.read("word/document.xml"))
    ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    lines = ["".join(t.text or "" for t in p.iter(f"{ns}t")) for p in root.iter(f"{ns}p")]
    return _cap("\n".join(lines))


def _xlsx(archive: zipfile.ZipFile) -> str:
    if "xl/workbook.xml" not in set(archive.namelist()):
        raise Rejected(TYPES_MESSAGE)
    from openpyxl import load_workbook

    try:
        book = load_workbook(archive.fp, read_only=True, data_only=True)
        lines, cells = [], 0
        for sheet in book.worksheets:
            lines.append(f"[{sheet.title}]")
            for row in sheet.iter_rows(values_only=True):
                values = ["" if v is None else str(v) for v in row]
                cells += len(values)
                if any(values):
                    lines.append("\t".join(values))
                if cells > MAX_CELLS:
                    raise Rejected("The selected spreadsheet is too large to check: split it into smaller files")
        book.close()
    except Rejected:
        raise
    except Exception:  # noqa: BLE001
        raise Rejected("The selected spreadsheet could not be read") from None
    return _cap("\n".join(lines))


def _csv(data: bytes) -> str:
    if b"\x00" in data:
        raise Rejected(TYPES_MESSAGE)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise Rejected("The selected CSV file must be text (UTF-8)") from None
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error:
        raise Rejected("The selected CSV file could not be read") from None
    return _cap("\n".join("\t".join(row) for row in rows))


def extract(data: bytes, *, filename: str = "") -> Extracted:
    """The text of an attachment, or Rejected with a message for the person who uploaded it."""
    if not data:
        raise Rejected("The selected file is empty")
    if len(data) > MAX_BYTES:
        raise Rejected(f"The selected file must be smaller than {MAX_BYTES // (1024 * 1024)}MB")
    if data.lstrip()[:5] == b"%PDF-":
        return Extracted("pdf", CONTENT_TYPES["pdf"], _pdf(data))
    if data[:4] == b"PK\x03\x04":
        kind, archive = _office_checked(data)
        return Extracted(kind, CONTENT_TYPES[kind], (_docx if kind == "docx" else _xlsx)(archive))
    if filename.lower().endswith(".csv"):
        return Extracted("csv", CONTENT_TYPES["csv"], _csv(data))
    raise Rejected(TYPES_MESSAGE)
