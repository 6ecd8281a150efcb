"""Checking an uploaded CV or check evidence by its content: a PDF (the kernel's document check, which refuses
active content) or a Word document (.docx), never by its name or the browser's content type."""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import IO

from oxtom.core.uploads import ImageRejected, document_check

MAX_CV_BYTES = 5 * 1024 * 1024
MAX_DOCX_UNCOMPRESSED = 40 * 1024 * 1024  # more than this from a 5MB file is a zip bomb, not a CV
MAX_DOCX_ENTRIES = 500
TYPES_MESSAGE = "The selected file must be a PDF or a Word document (.docx)"
HOSTILE_MESSAGE = "The selected file contains macros or links to outside content: save it as a plain PDF or .docx"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class CvRejected(ValueError):
    """The upload is not a CV we accept. The message is written for the person who uploaded it."""


@dataclass(frozen=True)
class CheckedCv:
    content: bytes
    content_type: str
    extension: str


def _read(upload: IO[bytes] | bytes, max_bytes: int) -> bytes:
    if isinstance(upload, (bytes, bytearray)):
        data = bytes(upload[: max_bytes + 1])
    else:
        size = getattr(upload, "size", None)
        if isinstance(size, int) and size > max_bytes:
            raise CvRejected(f"The selected file must be smaller than {max_bytes // (1024 * 1024)}MB")
        upload.seek(0)
        data = upload.read(max_bytes + 1)
        upload.seek(0)
    if not data:
        raise CvRejected("The selected file is empty")
    if len(data) > max_bytes:
        raise CvRejected(f"The selected file must be smaller than {max_bytes // (1024 * 1024)}MB")
    return data


_EXTERNAL = re.compile(rb'TargetMode\s*=\s*"External"', re.I)


def _docx(data: bytes) -> CheckedCv:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise CvRejected(TYPES_MESSAGE) from None
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "word/document.xml" not in names:
        raise CvRejected(TYPES_MESSAGE)
    if len(infos) > MAX_DOCX_ENTRIES or sum(info.file_size for info in infos) > MAX_DOCX_UNCOMPRESSED:
        raise CvRejected(TYPES_MESSAGE)
    if any(info.flag_bits & 0x1 for info in infos):  # encrypted entries
        raise CvRejected(TYPES_MESSAGE)
    lowered = {name.lower() for name in names}
    if any(name.endswith((".bin", ".exe", ".js", ".vbs")) or "vbaproject" in name or "activex" in name
           or "embeddings/" in name for name in lowered):
        raise CvRejected(HOSTILE_MESSAGE)
    try:
        content_types = archive.read("[Content_Types].xml")
        if b"macroEnabled" in content_types:
            raise CvRejected(HOSTILE_MESSAGE)
        for name in names:
            if name.endswith(".rels") and _EXTERNAL.search(archive.read(name)):
                # Remote templates and linked objects fetch content when opened (a known attack);
                # a plain hyperlink to a web page is also External, so only those kinds are refused.
                rels = archive.read(name)
                if re.search(rb"attachedTemplate|oleObject|subDocument|frame", rels, re.I):
                    raise CvRejected(HOSTILE_MESSAGE)
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, EOFError):
        raise CvRejected(TYPES_MESSAGE) from None
    return CheckedCv(data, DOCX_TYPE, "docx")


def cv_check(upload: IO[bytes] | bytes, *, max_bytes: int = MAX_CV_BYTES) -> CheckedCv:
    """A CV as a PDF (checked by oxtom.core.uploads.document_check) or a .docx; raises CvRejected."""
    data = _read(upload, max_bytes)
    if data[:4] == b"PK\x03\x04":
        return _docx(data)
    if data.lstrip()[:5] == b"%PDF-":
        try:
            checked = document_check(data, max_bytes=max_bytes)
        except ImageRejected as exc:
            raise CvRejected(str(exc)) from None
        return CheckedCv(checked.content, "application/pdf", "pdf")
    raise CvRejected(TYPES_MESSAGE)
