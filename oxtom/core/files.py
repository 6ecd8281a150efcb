"""Serving a stored upload back to someone allowed to see it (evidence, attachments).

The caller has already found the row through a selector scoped to the reader (a 404
otherwise) and audited a staff read; this makes the response the same everywhere.
"""
from __future__ import annotations

from django.http import FileResponse, Http404


def private_file_response(field_file, *, content_type: str, filename: str) -> FileResponse:
    """The stored file with our stored type (decided from its bytes, never the uploader's), not cached,
    not sniffed; anything but an image (a PDF, an Office document) downloads rather than opening inside
    our pages. A missing file is a 404."""
    try:
        handle = field_file.open("rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type, as_attachment=not content_type.startswith("image/"),
                            filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
