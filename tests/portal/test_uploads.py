"""oxtom.core.uploads: images are checked by content, resized and stripped; GPS is read first."""
from __future__ import annotations

import io
import zlib
import struct

import pytest
from PIL import Image

from oxtom.core import uploads
from oxtom.core.uploads import ImageRejected, image_check


def _gps_exif(lat=51.752, lon=-1.2577):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "SecretSoftware"
    gps = exif.get_ifd(0x8825)

    def dms(value):
        value = abs(value)
        d = int(value)
        m = int((value - d) * 60)
        s = round(((value - d) * 60 - m) * 60, 4)
        return (float(d), float(m), float(s))

    gps[1] = "N" if lat >= 0 else "S"
    gps[2] = dms(lat)
    gps[3] = "E" if lon >= 0 else "W"
    gps[4] = dms(lon)
    return exif


def make_image(fmt="JPEG", size=(640, 480), exif=None, mode="RGB", **kwargs) -> bytes:
    image = Image.new(mode, size, (200, 40, 40) if mode == "RGB" else (200, 40, 40, 128))
    out = io.BytesIO()
    if exif is not None:
        kwargs["exif"] = exif
    image.save(out, fmt, **kwargs)
    return out.getvalue()


@pytest.mark.parametrize("fmt,content_type", [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")])
def test_accepted_formats_are_reencoded_as_themselves(fmt, content_type):
    checked = image_check(make_image(fmt))
    assert checked.content_type == content_type
    assert (checked.width, checked.height) == (640, 480)
    assert Image.open(io.BytesIO(checked.content)).format == fmt


def test_gps_is_read_from_exif_then_all_metadata_is_stripped():
    original = make_image("JPEG", exif=_gps_exif())
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test file really has GPS
    checked = image_check(original)
    assert checked.gps == pytest.approx((51.752, -1.2577), abs=1e-4)
    cleaned = Image.open(io.BytesIO(checked.content))
    assert len(cleaned.getexif()) == 0
    assert b"PhoneMaker" not in checked.content and b"SecretSoftware" not in checked.content
    assert "icc_profile" not in cleaned.info


def test_southern_and_western_references_give_negative_coordinates():
    checked = image_check(make_image("JPEG", exif=_gps_exif(lat=-33.86, lon=-70.5)))
    assert checked.gps == pytest.approx((-33.86, -70.5), abs=1e-4)


def test_webp_and_png_lose_exif_and_text_chunks():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Jane Resident, 1 Acacia Avenue")
    png = make_image("PNG", pnginfo=info)
    assert b"Acacia" in png
    assert b"Acacia" not in image_check(png).content
    webp = make_image("WEBP", exif=_gps_exif())
    checked = image_check(webp)
    assert checked.gps is not None
    assert b"PhoneMaker" not in checked.content


def test_photo_without_gps_gives_none():
    assert image_check(make_image("JPEG")).gps is None


def test_large_photos_are_resized_within_the_cap():
    checked = image_check(make_image("JPEG", size=(4000, 3000)))
    assert max(checked.width, checked.height) == uploads.MAX_OUTPUT_SIDE
    assert checked.width / checked.height == pytest.approx(4 / 3, rel=0.01)


def test_transparent_png_keeps_alpha():
    checked = image_check(make_image("PNG", mode="RGBA"))
    assert Image.open(io.BytesIO(checked.content)).mode == "RGBA"


@pytest.mark.parametrize("payload", [
    b"%PDF-1.4 not an image at all",
    b"<script>alert(1)</script>",
    b"\xff\xd8\xff\xe0" + b"\x00" * 100,  # a JPEG header and nothing behind it
    b"GIF89a" + b"\x00" * 50,
])
def test_non_images_and_truncated_images_are_refused_whatever_their_name(payload):
    upload = io.BytesIO(payload)
    upload.name = "photo.jpg"
    with pytest.raises(ImageRejected, match="must be a JPG, PNG"):
        image_check(upload)


def test_real_gif_is_refused_because_format_is_not_accepted():
    with pytest.raises(ImageRejected, match="must be a JPG"):
        image_check(make_image("GIF"))


def test_truncated_jpeg_is_refused():
    data = make_image("JPEG", size=(800, 600))
    with pytest.raises(ImageRejected):
        image_check(data[: len(data) // 2])


def test_empty_file_is_refused():
    with pytest.raises(ImageRejected, match="empty"):
        image_check(b"")


def test_oversized_file_is_refused_before_decoding():
    class Huge(io.BytesIO):
        size = 50 * 1024 * 1024

    with pytest.raises(ImageRejected, match="smaller than 10MB"):
        image_check(Huge(b"x"))
    with pytest.raises(ImageRejected, match="smaller than 1MB"):
        image_check(b"\xff" * (1024 * 1024 + 1), max_bytes=1024 * 1024)


def _png_bomb(width: int, height: int) -> bytes:
    """A valid greyscale PNG of width x height zero pixels: a few kilobytes that decode to gigabytes."""
    # Build the IDAT from a compressor fed row by row so the file stays tiny.
    compressor = zlib.compressobj(9)
    row = b"\x00" * (width + 1)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_decompression_bomb_is_refused():
    bomb = _png_bomb(12_000, 12_000)  # 144 megapixels
    assert len(bomb) < 1024 * 1024
    with pytest.raises(ImageRejected, match="too large"):
        image_check(bomb)


@pytest.mark.skipif(not uploads.HEIF_SUPPORTED, reason="pillow-heif is not installed")
def test_heic_is_accepted_and_converted_to_jpeg():
    import pillow_heif

    image = Image.new("RGB", (320, 240), (10, 120, 10))
    heif = pillow_heif.from_pillow(image)
    out = io.BytesIO()
    heif.save(out, quality=80)
    checked = image_check(out.getvalue())
    assert checked.content_type == "image/jpeg"
    assert (checked.width, checked.height) == (320, 240)
