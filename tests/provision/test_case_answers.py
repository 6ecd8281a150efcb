"""A contract review case's answers through the owner registry, one case or many (the customer timeline's path).

A contract review is asked for by a member of staff, not a customer, so it is on no customer's timeline;
what case_answers_many gives for it (the path every list of cases takes) must be what its case page shows,
in the same few queries however many reviews are listed.
"""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from oxtom.cases import owners
from oxtom.cases.models import Case
from oxtom.customers.models import Interaction
from provision import services
from tests.answers_support import assert_readable

pytestmark = pytest.mark.django_db


@pytest.fixture
def hub_officer(hub):
    from oxtom.accounts.models import Team, TeamMembership

    team = Team.objects.get(slug="provision")
    TeamMembership.objects.update_or_create(team=team, user=hub, defaults={"team_role": "officer"})
    return hub


def _cases(pks):
    return list(Case.objects.filter(pk__in=pks).select_related("service", "team", *owners.owner_relations())
                .order_by("id"))


def test_many_renders_a_contract_review_as_its_case_page_does(client_for, hub_officer, make_contract):
    case = services.contract_review_open(contract=make_contract("TL-1"), by=hub_officer)
    [loaded] = _cases([case.pk])
    single = owners.case_answers(loaded, audience=owners.STAFF, user=hub_officer)
    many = owners.case_answers_many(_cases([case.pk]), audience=owners.STAFF, user=hub_officer)
    assert many == {case.pk: single}
    text = " ".join(f"{row.question} {row.value}" for row in single.rows)
    assert_readable(text, shows=["TL-1: Contract TL-1", "Value and term", "KPIs", "On time: 95%", "Performance reviews"],
                    never=["contract TL", "end_date", "End date"])
    # The customer never reads a contract review (and no customer has one on their timeline).
    assert owners.case_answers_many(_cases([case.pk]), audience=owners.CUSTOMER)[case.pk].rows != single.rows
    assert case.customer_id is None
    assert not Interaction.objects.filter(subject_type="casework.case", subject_id=str(case.pk)).exists()


def test_many_costs_the_same_queries_however_many_reviews(hub_officer, make_contract):
    first = services.contract_review_open(contract=make_contract("TL-2"), by=hub_officer)
    others = [services.contract_review_open(contract=make_contract(f"TL-{n}"), by=hub_officer) for n in (3, 4, 5)]
    one, four = _cases([first.pk]), _cases([first.pk, *(c.pk for c in others)])
    with CaptureQueriesContext(connection) as few:
        owners.case_answers_many(one, audience=owners.STAFF, user=hub_officer)
    with CaptureQueriesContext(connection) as more:
        rendered = owners.case_answers_many(four, audience=owners.STAFF, user=hub_officer)
    assert len(rendered) == 4 and len(more.captured_queries) == len(few.captured_queries) <= 5
    assert [r.rows[0].value.split(":")[0] for r in (rendered[c.pk] for c in [first, *others])] == \
        ["TL-2", "TL-3", "TL-4", "TL-5"]
