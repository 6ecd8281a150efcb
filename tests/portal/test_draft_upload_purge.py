"""Draft uploads of journeys given up on are purged after 24 hours by a scheduled task.

Real files in real storage, aged with os.utime; the report journey driven through its views.
"""
from __future__ import annotations

import os
import time

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from oxtom.core.tasks import purge_draft_uploads
from oxtom.core.uploads import _draft_dirs
from portal.models import StreetReport

from .conftest import jpeg_bytes
from .test_journey import postcode, upload, walk_to_details  # noqa: F401 - fixture used by name

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    yield tmp_path / "media"


def _age(name: str, hours: float) -> None:
    path = default_storage.path(name)
    when = time.time() - hours * 3600
    os.utime(path, (when, when))


def test_both_journeys_park_in_registered_folders_and_the_task_is_scheduled():
    assert {"report-drafts", "apply-drafts"} <= set(_draft_dirs)
    schedule = settings.CELERY_BEAT_SCHEDULE["purge-draft-uploads"]
    assert schedule["task"] == "oxtom.core.tasks.purge_draft_uploads"


def test_files_older_than_a_day_go_and_younger_ones_and_other_folders_stay(media):
    old = default_storage.save("report-drafts/" + "a" * 32 + ".jpg", ContentFile(b"x"))
    young = default_storage.save("apply-drafts/" + "b" * 32 + ".pdf", ContentFile(b"y"))
    older_apply = default_storage.save("apply-drafts/" + "c" * 32 + ".pdf", ContentFile(b"z"))
    kept_elsewhere = default_storage.save("reports/" + "d" * 32 + ".jpg", ContentFile(b"w"))
    _age(old, 25)
    _age(young, 23)
    _age(older_apply, 48)
    _age(kept_elsewhere, 24 * 30)
    assert purge_draft_uploads() == 2
    assert not default_storage.exists(old) and not default_storage.exists(older_apply)
    assert default_storage.exists(young) and default_storage.exists(kept_elsewhere)
    assert purge_draft_uploads() == 0


def test_a_resident_back_after_the_purge_is_asked_for_the_photo_again_and_keeps_the_answers(
        client, catalogue, postcode, resident_a, media):
    client.force_login(resident_a)
    walk_to_details(client, code="street-light")
    client.get("/report/already-reported/")
    client.post("/report/details/", {"fault": "out"})
    assert client.post("/report/photos/", {"photo_1": upload(jpeg_bytes())})["Location"] == "/report/check/"
    [parked] = default_storage.listdir("report-drafts")[1]
    _age(f"report-drafts/{parked}", 25)

    assert purge_draft_uploads() == 1
    response = client.post("/report/check/")
    html = response.content.decode()
    assert response.status_code == 200 and "Your photos have expired: add them again" in html
    assert not StreetReport.objects.exists()
    # The answers are still there: a new photo and the report goes.
    assert client.post("/report/photos/", {"photo_1": upload(jpeg_bytes())})["Location"] == "/report/check/"
    assert client.post("/report/check/")["Location"] == "/report/confirmation/"
    assert StreetReport.objects.count() == 1


def test_a_submitted_report_leaves_nothing_parked(client, catalogue, postcode, resident_a, media):
    client.force_login(resident_a)
    walk_to_details(client, code="street-light")
    client.get("/report/already-reported/")
    client.post("/report/details/", {"fault": "out"})
    client.post("/report/photos/", {"photo_1": upload(jpeg_bytes())})
    assert client.post("/report/check/")["Location"] == "/report/confirmation/"
    assert default_storage.listdir("report-drafts")[1] == []
