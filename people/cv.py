"""Checking an uploaded CV or check evidence by its content: a PDF (the kernel's document check, which refuses
active content) or a Word document (.docx), never by its name or the browser's content type."""
from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from oxtom.core.uploads import (OFFICE_ACTIVE_MESSAGE, OFFICE_TYPES_MESSAGE, ImageRejected, document_check,
                                office_document_check)

MAX_CV_BYTES = 5 * 1024 * 1024
TYPES_MESSAGE = "The selected file must be a PDF or a Word document (.docx)"
HOSTILE_MESSAGE = "The selected file contains macros or links to outside content: save it as a plain PDF or .docx"


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


def _docx(data: bytes) -> CheckedCv:
    """A Word document, by the kernel's Office check (macros, embedded programs, remote templates and zip
    bombs refused); a spreadsheet or presentation is not a CV."""
    try:
        checked = office_document_check(data)
    except ImageRejected as exc:
        message = str(exc)
        raise CvRejected(HOSTILE_MESSAGE if message == OFFICE_ACTIVE_MESSAGE
                         else TYPES_MESSAGE if message == OFFICE_TYPES_MESSAGE else message) from None
    if checked.extension != "docx":
        raise CvRejected(TYPES_MESSAGE)
    return CheckedCv(checked.content, checked.content_type, "docx")


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
