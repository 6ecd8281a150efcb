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
