"""Domain rules live in the rules and the service, once: the pages ask them, and no generic code names a service.

- one prefill precedence (rules.prefilled) for the journey, the application
  service and the eligibility check;
- one reconsideration rule (services.reconsideration_refusal) for whether the
  page offers it and whether the service accepts it;
- what differs by service is a ServiceRules hook, never a service code in
  generic code (guarded below).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from applications import rules
from applications import services as s
from applications.models import Application
from oxtom.customers.models import Channel

from .conftest import BADGE_REFUSE, PDF, png

ROOT = Path(__file__).resolve().parents[2]
SERVICE_CODES = re.compile(r"""["'](parking-permit|blue-badge|bus-pass)["']""")
# Where a service's code belongs: its own rules module, the catalogue seed, demo data, migrations.
CODE_HOMES = re.compile(r"(^|/)(rules_[a-z_]+\.py|seed\.py|demo\.py)$|/migrations/")


def test_no_generic_code_or_template_names_a_service():
    offenders = []
    for folder in ("applications", "casework", "portal", "oxtom", "api", "templates"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in (".py", ".html", ".txt") or CODE_HOMES.search(str(path.relative_to(ROOT))):
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if SERVICE_CODES.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == [], "Use a ServiceRules hook (applications/rules.py) instead:\n" + "\n".join(offenders)


# --- prefill: one precedence ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_persons_answer_wins_and_the_record_fills_the_blanks(svc, rose):
    bus, permit = svc("bus-pass"), svc("parking-permit")
    filled = rules.prefilled(permit, {"address_line_1": "1 Old Street", "postcode": ""}, rose)
    assert (filled["address_line_1"], filled["postcode"]) == ("1 Old Street", "OX4 1HP")
    filled = rules.prefilled(bus, {"date_of_birth": "1960-04-06"}, rose)
    assert filled["date_of_birth"] == "1960-04-06" and filled["postcode"] == "OX4 1HP"
    assert rules.prefilled(bus, {}, rose)["date_of_birth"] == "1951-05-17"
    assert rules.prefilled(bus, {"x": 1}, None) == {"x": 1}  # a change of circumstances: no record


@pytest.mark.django_db
def test_the_journey_and_the_service_give_the_rules_the_same_answers(svc, rose):
    """The journey used to let the record override an answer the person gave (its own precedence);
    now it keeps what rules.prefilled gives, only dropping questions that no longer apply."""
    from applications.resident_views import _answers

    permit = svc("parking-permit")
    draft = {"answers": {"lives_at_address": "yes", "address_line_1": "1 Old Street", "vehicle_keeper": "me",
                         "not_a_question": "dropped"}}
    journey = _answers(permit, draft, rose)
    service = rules.prefilled(permit, draft["answers"], rose)
    assert journey["address_line_1"] == service["address_line_1"] == "1 Old Street"
    assert journey["postcode"] == service["postcode"] == "OX4 1HP"
    assert "not_a_question" not in journey
    assert {k: service[k] for k in journey} == journey


# --- reconsideration: one rule --------------------------------------------------------------------------------

@pytest.fixture
def refused(svc, rose):
    return s.application_submit(service=svc("blue-badge"), customer=rose, answers=BADGE_REFUSE,
                                evidence=[("photo", png()), ("medical", PDF)], channel=Channel.WEB, by=rose.user,
                                submission_key="domain-rules-refused")


def _offered(client, application) -> bool:
    page = client.get(f"/apply/applications/{application.reference}/").content.decode()
    return 'id="ask-reconsider"' in page


@pytest.mark.django_db
def test_the_page_offers_reconsideration_exactly_when_the_service_accepts_it(client_for, refused, rose):
    client = client_for(rose.user)
    assert s.reconsideration_refusal(refused) is None and _offered(client, refused)
    again = s.application_request_reconsideration(application=refused, grounds="My GP's letter", by=rose.user)
    refused.refresh_from_db()
    assert s.reconsideration_refusal(refused) and not _offered(client, refused)
    page = client.get(f"/apply/applications/{refused.reference}/").content.decode()
    assert "You have already asked us to look at this decision again." in page
    # Withdrawn, it no longer stands in the way: the page offers it and the service takes it (they agreed
    # before only by accident: the page refused any reconsideration ever asked).
    Application.objects.filter(pk=again.pk).update(status=Application.Status.WITHDRAWN)
    assert s.reconsideration_refusal(refused) is None and _offered(client, refused)
    second = s.application_request_reconsideration(application=refused, grounds="Now with the letter",
                                                   by=rose.user)
    assert second.pk != again.pk and second.kind == Application.Kind.RECONSIDERATION


@pytest.mark.django_db
def test_a_reconsiderations_own_refusal_is_final_on_the_page_and_in_the_service(refused):
    final = Application(kind=Application.Kind.RECONSIDERATION, status=Application.Status.REFUSED)
    assert s.reconsideration_refusal(final) == "This decision has already been reconsidered."
    assert s.reconsideration_refusal(Application(kind=Application.Kind.NEW, status=Application.Status.REFERRED)) \
        == "Only a refused application can be reconsidered."


# --- hooks replace service codes -------------------------------------------------------------------------------

@pytest.mark.django_db
def test_what_differs_by_service_is_declared_by_its_rules(svc):
    permit, badge, bus = svc("parking-permit"), svc("blue-badge"), svc("bus-pass")
    assert [rules.is_special_category(x) for x in (permit, badge, bus)] == [False, True, True]
    assert rules.rules_for(permit.code).household_limit and not rules.rules_for(bus.code).household_limit
    assert rules.settings_note(permit) and not rules.settings_note(badge)
    assert "Give at least one parking zone" in " ".join(rules.config_problems(permit.code, {"zones": []}))
    assert rules.config_problems(bus.code, {"apply_days_before_spa": 500}) == [
        "\"apply_days_before_spa\" must be a whole number of days from 0 to 90"]
    assert rules.config_problems(badge.code, badge.config or {}) == []
    assert rules.rules_for(bus.code).start_text["who"][0].startswith("You have reached State Pension age")
