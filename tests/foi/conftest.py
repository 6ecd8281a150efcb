"""FOI fixtures: the information governance team, the two engine services, and its people.

Seeded here with get_or_create (never relying on migration data), as the transactional tests need.
"""
from __future__ import annotations

import pytest

from tests import factories as f

TWENTY = {str(p): 20 for p in (1, 2, 3, 4)}


@pytest.fixture
def foi_setup(db):
    from oxtom.accounts.models import Team
    from oxtom.cases.models import Service
    from oxtom.notify.defaults import seed_templates
    from oxtom.notify.models import MessageTemplate

    seed_templates(MessageTemplate)
    team, _ = Team.objects.get_or_create(slug="information-governance", defaults={"name": "Information Governance"})
    common = dict(kind="request", team=team, sla_working_days=TWENTY, calendar="any_uk_nation", qa_sample_rate=0,
                  notify_customer_on_change=False)
    Service.objects.get_or_create(code="foi-eir-request", defaults=dict(
        name="FOI or EIR request", reference_prefix="FOI", clock_pauses_for_customer=True,
        clock_restarts_for_customer=True, max_extensions=1, max_extension_working_days=20, **common))
    Service.objects.get_or_create(code="foi-eir-internal-review", defaults=dict(
        name="FOI internal review", reference_prefix="IR", different_decider=True, **common))
    holder, _ = Team.objects.get_or_create(slug="highways-north", defaults={"name": "Highways North"})
    return {"team": team, "holder": holder}


def _member(team, email, roles, name):
    user = f.UserFactory(email=email, roles=roles, full_name=name)
    f.TeamMembershipFactory(team=team, user=user, team_role="officer")
    return user


@pytest.fixture
def coordinator(foi_setup):
    return _member(foi_setup["team"], "fay@example.org", ["foi_coordinator"], "Fay Coordinator")


@pytest.fixture
def approver(foi_setup):
    return _member(foi_setup["team"], "dev@example.org", ["disclosure_officer"], "Dev Approver")


@pytest.fixture
def second_approver(foi_setup):
    return _member(foi_setup["team"], "dana@example.org", ["disclosure_officer"], "Dana Reviewer")


@pytest.fixture
def foi_outsider(foi_setup):
    """Has the FOI role but is not in the information governance team."""
    return f.UserFactory(email="outsider@example.org", roles=["foi_coordinator"])


@pytest.fixture
def make_request(foi_setup):
    from bas.foi import services

    def _make(text="Please send the number of potholes repaired on the A34 in 2025 by month.", **kwargs):
        kwargs.setdefault("name", "Nick Requester")
        kwargs.setdefault("email", "nick@example.org")
        return services.foi_request_make(request_text=text, by=kwargs.pop("by", None), **kwargs)

    return _make
