"""Streaming a report photo in one of its web sizes, for the public and the staff photo views.

Photos are streamed by us (never a guessable media path). A photo stored before the
web sizes existed gets them here on first use, so old data and the demo show
thumbnails without a migration step.
"""
from __future__ import annotations

import logging

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404

from oxtom.core.uploads import ImageRejected

from .. import services
from ..models import ReportPhoto

logger = logging.getLogger(__name__)
SIZES = ("thumbnail", "display")


def photo_response(photo: ReportPhoto | None, size: str, *, cache_control: str) -> FileResponse:
    """The photo's `size` copy as a response, or 404 (no such photo, or its files are gone)."""
    if photo is None or size not in SIZES:
        raise Http404
    try:
        if not getattr(photo, size):
            photo = services.report_photo_sizes_ensure(photo=photo)
        handle = default_storage.open(getattr(photo, size).name, "rb")
    except (FileNotFoundError, OSError, ImageRejected):
        logger.warning("report photo %s has no readable %s copy", photo.pk, size)
        raise Http404 from None
    response = FileResponse(handle, content_type=photo.content_type)
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    return response
