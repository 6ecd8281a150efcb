"""Street report fixtures on top of the shared role fixtures (tests/conftest.py)."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from oxtom.core.uploads import image_check
from portal import services
from portal.models import ReportType

# Inside division_a's test square (centre 52.06, -1.34, ±0.01°).
HERE = (52.06, -1.34)
POTHOLE_OK = {"depth_mm": "50", "width_mm": "300", "position": "road", "details": "Deep hole by the bus stop"}
POTHOLE_SMALL = {"depth_mm": "10", "width_mm": "100", "position": "road"}


@pytest.fixture
def catalogue(db, team):
    """The seeded report types (seeded again here: transactional tests flush migration data)."""
    from django.apps import apps

    from portal.seed import seed

    seed(apps)
    return {t.service.code: t for t in ReportType.objects.select_related("service__team")}


@pytest.fixture
def pothole(catalogue):
    return catalogue["pothole"]


@pytest.fixture
def street_light(catalogue):
    return catalogue["street-light"]


def jpeg_bytes(size=(320, 240), colour=(120, 60, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def photo():
    return image_check(jpeg_bytes())


@pytest.fixture
def make_report(pothole, resident_a, division_a, photo):
    """make_report(**overrides) -> a pothole report by resident A made through the real service."""

    def _make(**kwargs):
        params = dict(report_type=pothole, customer=resident_a.customer, latitude=HERE[0], longitude=HERE[1],
                      answers=dict(POTHOLE_OK), photos=[photo], by=resident_a, location_text="OX16 1AA")
        params.update(kwargs)
        return services.report_create(**params)

    return _make


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Photos and parked draft photos go to a per-test folder, never var/media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
