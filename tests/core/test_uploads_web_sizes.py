"""Web sizes of checked images: the arithmetic pages rely on, and copies that carry no metadata."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from oxtom.core.uploads import WEB_SIZES, ImageRejected, fit_within, image_check, image_resize


def _jpeg_with_gps(size=(1600, 1200)) -> bytes:
    image = Image.new("RGB", size, (10, 120, 30))
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (51.0, 45.0, 0.0), 3: "W", 4: (1.0, 15.0, 0.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


@pytest.mark.parametrize(("size", "max_side", "expected"), [
    ((1600, 1200), 320, (320, 240)),
    ((1200, 1600), 320, (240, 320)),
    ((2000, 1), 320, (320, 1)),      # never rounds a side to nothing
    ((200, 100), 320, (200, 100)),   # never scales up
    ((1024, 1024), 1024, (1024, 1024)),
    ((1999, 1333), 1024, (1024, 683)),
])
def test_fit_within(size, max_side, expected):
    assert fit_within(*size, max_side) == expected


def test_fit_within_refuses_an_empty_image():
    with pytest.raises(ValueError):
        fit_within(0, 10, 320)


def test_web_sizes_fit_a_phone_and_a_desktop_column():
    # 375 px viewport less GOV.UK's 15 px gutters either side.
    assert WEB_SIZES["thumbnail"] <= 375 - 30
    assert WEB_SIZES["display"] < 2000


@pytest.mark.parametrize("name", ["thumbnail", "display"])
def test_resized_copy_has_the_promised_size_and_no_metadata(name):
    checked = image_check(_jpeg_with_gps())
    assert checked.gps is not None and (checked.width, checked.height) == (1600, 1200)
    copy = image_resize(checked.content, max_side=WEB_SIZES[name])
    assert (copy.width, copy.height) == fit_within(1600, 1200, WEB_SIZES[name])
    with Image.open(io.BytesIO(copy.content)) as image:
        assert image.format == "JPEG" and image.size == (copy.width, copy.height)
        assert not image.getexif() and "icc_profile" not in image.info
    assert copy.content_type == "image/jpeg" and copy.extension == "jpg"


def test_transparent_png_stays_a_transparent_png():
    out = io.BytesIO()
    Image.new("RGBA", (800, 400), (0, 0, 0, 0)).save(out, "PNG")
    copy = image_resize(image_check(out.getvalue()).content, max_side=320)
    with Image.open(io.BytesIO(copy.content)) as image:
        assert image.format == "PNG" and image.mode == "RGBA" and image.size == (320, 160)


def test_unreadable_stored_file_is_refused():
    with pytest.raises(ImageRejected):
        image_resize(b"not an image", max_side=320)
