"""Insight fixtures: the MASH team and its service (made here, not relied on from migrations), its members,
Lee the service manager, a BI analyst, and a small signed-off risk model."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from insight import risk, services
from oxtom.cases.models import Service
from tests import factories as f

SMALL_GRID = {"max_depth": [3], "learning_rate": [0.1], "max_iter": [60]}


@pytest.fixture
def mash_team(db):
    team = f.TeamFactory(slug="mash", name="Multi-Agency Safeguarding Hub (MASH)")
    Service.objects.get_or_create(code="mash-referral", defaults=dict(
        name="Safeguarding referral (MASH)", reference_prefix="SG", kind="request", team=team,
        sla_working_days={str(p): 1 for p in (1, 2, 3, 4)}, qa_sample_rate=0, notify_customer_on_change=False))
    return team


@pytest.fixture
def maya(mash_team):
    user = f.UserFactory(email="maya@example.org", full_name="Maya Mash", roles=["mash_officer"])
    f.TeamMembershipFactory(team=mash_team, user=user)
    return user


@pytest.fixture
def lee(mash_team):
    user = f.UserFactory(email="lee@example.org", full_name="Lee Manager", roles=["safeguarding_manager"])
    f.TeamMembershipFactory(team=mash_team, user=user, is_leader=True)
    return user


@pytest.fixture
def bi(db):
    return f.UserFactory(email="bi@example.org", full_name="Bill Insight", roles=["bi_analyst"])


@pytest.fixture
def outsider(db):
    """An officer with a team of their own, outside the MASH team."""
    user = f.UserFactory(email="officer@example.org", full_name="Olive Officer", roles=["officer"])
    f.TeamMembershipFactory(team=f.TeamFactory(slug="highways-north", name="Highways North"), user=user)
    return user


def make_referral(by, *, child="C-1", name="Alfie Placeholme", police=False, school=False, days_ago=10, **extra):
    defaults = dict(referrer_name="PC Example", referrer_agency="police", child_key=child, child_name=name,
                    child_date_of_birth=timezone.localdate() - dt.timedelta(days=3000), child_sex="male",
                    child_ethnicity="A", child_disability=False, deprivation_decile=5,
                    concerns="Police attended an incident at home.", police_flag=police, school_flag=school,
                    received_at=timezone.now() - dt.timedelta(days=days_ago))
    defaults.update(extra)
    return services.referral_create(by=by, **defaults)


def screen(referral, by, outcome="nfa"):
    referral.case.refresh_from_db()
    return services.referral_screen(referral=referral, outcome=outcome, reasons="Screened",
                                    expected_version=referral.case.version, by=by)


@pytest.fixture
def signed_model(bi, lee):
    """A small version that scores (its bias checks marked passed: the checks themselves are tested elsewhere)."""
    from insight.models import RiskModelVersion

    version = services.risk_model_train(df=risk.generate_referrals(4000, seed=7), hypothesis="History predicts",
                                        by=bi, grid=SMALL_GRID)
    RiskModelVersion.objects.filter(pk=version.pk).update(passed_bias_checks=True)
    version.refresh_from_db()
    return services.risk_model_sign_off(version=version, by=lee)


@pytest.fixture
def history(maya):
    """Twelve children: four with long histories and partner flags (the model's raised risk), all screened."""
    made = []
    for child in range(12):
        risky = child < 4
        for visit in range(4 if risky else 1):
            r = make_referral(maya, child=f"C-{child}", name=f"Child {child} Testerley", police=risky,
                              school=risky, days_ago=40 - visit * 8)
            screen(r, maya, "nfa" if visit % 2 == 0 else "early_help")
            made.append(r)
    return made
