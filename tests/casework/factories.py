"""Casework factories. Cases made here skip the services (fast set-up for
selectors and pages); tests of behaviour create cases with case_create."""
from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from oxtom.cases.models import Case, CaseEvent, Priority, Service, Status, default_sla
from tests import factories as f


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"service-{n}")
    name = factory.Sequence(lambda n: f"Service {n}")
    kind = Service.Kind.REPORT
    reference_prefix = "HW"
    team = factory.SubFactory(f.TeamFactory)
    sla_working_days = factory.LazyFunction(default_sla)
    qa_sample_rate = 0  # tests that sample for QA set it (1 = always)


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    reference = factory.Sequence(lambda n: f"HW-2026-T{n:05d}")
    service = factory.SubFactory(ServiceFactory)
    customer = factory.SubFactory(f.CustomerFactory)
    team = factory.LazyAttribute(lambda o: o.service.team)
    status = Status.NEW
    priority = Priority.NORMAL
    title = "Pothole"
    answers = factory.LazyFunction(lambda: {"description": "A deep pothole"})
    received_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=14))


class CaseEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseEvent

    case = factory.SubFactory(CaseFactory)
    kind = CaseEvent.Kind.NOTE
    occurred_at = factory.LazyFunction(timezone.now)
    text = "A note"
