"""What onboarding does when recruitment (people.registry) says an offer was accepted or an appointment confirmed.

Both run inside recruitment's transaction and are idempotent on the offer id.
"""
from __future__ import annotations

from django.contrib.auth import get_user_model

from people.models import RoleProfile

from . import services
from .models import Onboarding


def offer_accepted(starter) -> None:
    User = get_user_model()
    services.open_onboarding(
        role_profile=RoleProfile.objects.get(pk=starter.role_profile_id), name=starter.name,
        personal_email=starter.email, phone=starter.phone, manager=User.objects.get(pk=starter.manager_id),
        coordinator=User.objects.filter(pk=starter.coordinator_id).first() if starter.coordinator_id else None,
        offer_id=starter.offer_id, vacancy_reference=starter.vacancy_reference, start_date=starter.start_date,
        by=None)


def appointment_confirmed(starter) -> None:
    onboarding = Onboarding.objects.filter(offer_id=starter.offer_id).first()
    if onboarding is None:
        offer_accepted(starter)
        return
    if starter.start_date and onboarding.start_date != starter.start_date:
        services.onboarding_set_start_date(onboarding=onboarding, start_date=starter.start_date, by=None)
