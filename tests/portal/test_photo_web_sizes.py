"""Report photos in web sizes: stored at upload, shown as thumbnails linking to the display size,
made on first use (or by `report_photo_sizes`) for photos stored before, and the staff photo view."""
from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image

from oxtom.core.uploads import WEB_SIZES, fit_within, image_check
from portal.models import ReportPhoto

from .conftest import jpeg_bytes
from .test_views_staff import ROLES, check, user_for


@pytest.fixture
def big_photo():
    return image_check(jpeg_bytes(size=(1600, 1200)))


@pytest.fixture
def report(make_report, big_photo):
    return make_report(photos=[big_photo])


def _size(content: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(content)) as image:
        return image.size


def _old_style(photo: ReportPhoto) -> ReportPhoto:
    """As a photo stored before web sizes existed: only the checked upload on file."""
    for name in ("thumbnail", "display"):
        default_storage.delete(getattr(photo, name).name)
    ReportPhoto.objects.filter(pk=photo.pk).update(thumbnail="", display="")
    return ReportPhoto.objects.get(pk=photo.pk)


def test_upload_stores_a_thumbnail_and_a_display_copy(report):
    photo = report.photos.get()
    assert (photo.width, photo.height) == (1600, 1200)
    for name, max_side in WEB_SIZES.items():
        stored = getattr(photo, name)
        assert stored.name.startswith(f"reports/{photo.token}-{name}.")
        with default_storage.open(stored.name, "rb") as handle:
            assert _size(handle.read()) == fit_within(1600, 1200, max_side) == photo.size_of(name)


def test_public_page_shows_thumbnails_linking_to_the_display_size(client, report):
    photo = report.photos.get()
    base = f"/reports/{report.case.reference}/photos/{photo.token}/"
    html = client.get(f"/reports/{report.case.reference}/").content.decode()
    assert f'href="{base}"' in html
    assert f'src="{base}thumbnail/" width="320" height="240"' in html
    assert "1600" not in html  # nothing on the page is sized from the original

    thumbnail = client.get(base + "thumbnail/")
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/jpeg"
    assert thumbnail["Cache-Control"] == "public, max-age=86400"
    assert _size(b"".join(thumbnail.streaming_content)) == (320, 240)
    display = client.get(base)
    assert _size(b"".join(display.streaming_content)) == (1024, 768)


def test_bad_sizes_and_tokens_404(client, report):
    photo = report.photos.get()
    base = f"/reports/{report.case.reference}/photos/{photo.token}/"
    assert client.get(base + "original/").status_code == 404
    assert client.get(base + "../thumbnail/").status_code == 404
    assert client.get(f"/reports/{report.case.reference}/photos/{'0' * 32}/thumbnail/").status_code == 404
    assert client.get(f"/reports/{report.case.reference}/photos/{'x' * 5000}/thumbnail/").status_code == 404
    ReportPhoto.objects.filter(pk=photo.pk).update(is_public=False)
    assert client.get(base + "thumbnail/").status_code == 404


def test_old_photo_gets_its_web_sizes_on_first_use(client, report):
    photo = _old_style(report.photos.get())
    response = client.get(f"/reports/{report.case.reference}/photos/{photo.token}/thumbnail/")
    assert _size(b"".join(response.streaming_content)) == (320, 240)
    photo.refresh_from_db()
    assert photo.thumbnail and photo.display
    names = (photo.thumbnail.name, photo.display.name)
    client.get(f"/reports/{report.case.reference}/photos/{photo.token}/")  # made once, not again
    photo.refresh_from_db()
    assert (photo.thumbnail.name, photo.display.name) == names


def test_photo_whose_files_are_gone_404s_without_an_error(client, report):
    photo = _old_style(report.photos.get())
    default_storage.delete(photo.image.name)
    assert client.get(f"/reports/{report.case.reference}/photos/{photo.token}/thumbnail/").status_code == 404


def test_management_command_backfills_and_is_safe_to_run_again(report, make_report, photo):
    first = _old_style(report.photos.get())
    second = make_report(photos=[photo]).photos.get()
    out = io.StringIO()
    call_command("report_photo_sizes", stdout=out)
    assert out.getvalue().strip() == "Made web sizes for 1 photo"
    first.refresh_from_db()
    assert first.thumbnail and first.display
    with default_storage.open(first.thumbnail.name, "rb") as handle:
        assert _size(handle.read()) == (320, 240)
    out = io.StringIO()
    call_command("report_photo_sizes", stdout=out)
    assert out.getvalue().strip() == "Made web sizes for 0 photos"
    assert ReportPhoto.objects.get(pk=second.pk).thumbnail.name == second.thumbnail.name


@pytest.mark.parametrize("role", ROLES)
def test_staff_photo_view_role_matrix_serves_hidden_photos(request, client_for, report, role):
    photo = report.photos.get()
    ReportPhoto.objects.filter(pk=photo.pk).update(is_public=False)
    client = client_for(user_for(request, role))
    response = client.get(f"/staff/reports/{report.case.reference}/photos/{photo.token}/thumbnail/")
    check(response, role, {"officer_in_team", "team_leader", "administrator"})
    if response.status_code == 200:
        assert response["Cache-Control"].startswith("private")
        assert _size(b"".join(response.streaming_content)) == (320, 240)
        html = client.get(f"/staff/reports/{report.case.reference}/").content.decode()
        assert f'src="/staff/reports/{report.case.reference}/photos/{photo.token}/thumbnail/"' in html
        assert "(hidden from the public)" in html


def test_staff_photo_of_another_report_404s(client_for, report, make_report, officer_in_team):
    other = make_report().photos.get()
    url = f"/staff/reports/{report.case.reference}/photos/{other.token}/"
    assert client_for(officer_in_team).get(url).status_code == 404
