"""Evidence files written by a submission that then fails are deleted with the rolled-back rows."""
from __future__ import annotations

import os

import pytest
from django.conf import settings

from applications import services as s
from applications.models import Application, ApplicationEvidence
from oxtom.cases.models import Case
from oxtom.customers.models import Channel
from oxtom.notify.models import OutboundMessage

from .conftest import BADGE_REFER

pytestmark = pytest.mark.django_db


def _stored_files() -> list[str]:
    root = os.path.join(settings.MEDIA_ROOT, "applications")
    return sorted(os.listdir(root)) if os.path.isdir(root) else []


def _submit(svc, rose, photo, letter, key="cleanup"):
    return s.application_submit(service=svc("blue-badge"), customer=rose, answers=BADGE_REFER,
                                evidence=[photo, letter], channel=Channel.WEB, by=rose.user, submission_key=key)


def test_a_failure_after_the_files_are_stored_deletes_them(svc, rose, photo, letter, monkeypatch):
    def broken_referral(*args, **kwargs):
        raise RuntimeError("casework is down")

    monkeypatch.setattr(s, "_refer", broken_referral)
    with pytest.raises(RuntimeError, match="casework is down"):
        _submit(svc, rose, photo, letter)
    assert _stored_files() == []
    assert not Application.objects.exists() and not ApplicationEvidence.objects.exists()
    assert not Case.objects.exists() and not OutboundMessage.objects.exists()


def test_a_failure_between_two_files_deletes_the_first(svc, rose, photo, letter, monkeypatch):
    real_save = ApplicationEvidence.save
    calls = []

    def fail_second(self, *args, **kwargs):
        calls.append(self.file.name)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(ApplicationEvidence, "save", fail_second)
    with pytest.raises(OSError, match="disk full"):
        _submit(svc, rose, photo, letter)
    assert len(calls) == 2 and _stored_files() == []
    assert not ApplicationEvidence.objects.exists()


def test_a_successful_submission_keeps_its_files(svc, rose, photo, letter):
    application = _submit(svc, rose, photo, letter)
    names = sorted(os.path.basename(e.file.name) for e in application.evidence.all())
    assert len(names) == 2 and _stored_files() == names
