"""Emergency answers (issue 10 item 13) and sane number bounds, both data in the catalogue."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from oxtom.cases.models import Priority
from oxtom.notify.models import OutboundMessage
from portal import catalogue, services
from portal.models import StreetReport

from .conftest import HERE, POTHOLE_OK
from .test_journey import postcode  # noqa: F401 - the postcode fixture


@pytest.fixture(autouse=True)
def _templates(db):
    from oxtom.notify.defaults import seed_templates
    from oxtom.notify.models import MessageTemplate

    seed_templates(MessageTemplate)


def test_the_catalogue_says_which_answers_are_emergencies(street_light):
    questions = street_light.questions
    assert catalogue.emergencies(questions, {"fault": "exposed_wiring"}) == ["Door open or wiring showing"]
    assert catalogue.emergencies(questions, {"fault": "out"}) == []
    assert catalogue.emergencies(questions, {}) == []


def test_an_emergency_report_is_urgent_with_the_urgent_target(street_light, resident_a, settings):
    settings.COUNCIL_PHONE = "01865 000 999"
    report = services.report_create(report_type=street_light, customer=resident_a.customer, latitude=HERE[0],
                                    longitude=HERE[1], answers={"fault": "exposed_wiring"}, photos=[], by=resident_a)
    case = report.case
    assert case.priority == Priority.URGENT and report.eligible
    assert case.service.sla_days(Priority.URGENT) < case.service.sla_days(Priority.NORMAL)
    from oxtom.cases import rules

    assert case.due_at == rules.due_date(received_on=rules.local_date(case.received_at),
                                         sla_working_days=case.service.sla_days(Priority.URGENT))
    body = OutboundMessage.objects.get(customer=resident_a.customer, template_code="report-received").body
    assert "emergency" in body and "01865 000 999" in body


def test_a_routine_fault_keeps_the_routine_target(street_light, resident_a):
    report = services.report_create(report_type=street_light, customer=resident_a.customer, latitude=HERE[0],
                                    longitude=HERE[1], answers={"fault": "out"}, photos=[], by=resident_a)
    assert report.case.priority == Priority.NORMAL


def test_admin_marks_emergencies_as_data(street_light):
    questions = [dict(q) for q in street_light.questions]
    questions[0] = {**questions[0], "values": [dict(v, emergency=(v["key"] == "damaged")) for v in questions[0]["values"]]}
    assert catalogue.emergencies(questions, {"fault": "damaged"}) == ["Damaged or leaning"]
    bad = [{**questions[0], "values": [dict(questions[0]["values"][0], emergency="yes")]}]
    with pytest.raises(ValidationError):
        catalogue.validate_questions(bad)


def test_the_journey_interrupts_with_the_number_to_call(client, catalogue, postcode, resident_a, settings):  # noqa: F811
    settings.COUNCIL_PHONE = "01865 000 999"
    client.post("/report/new/")
    client.post("/report/type/", {"report_type": "street-light"})
    client.post("/report/location/", {"postcode": "OX16 1AA"})
    response = client.post("/report/details/", {"fault": "exposed_wiring"})
    assert response["Location"] == "/report/emergency/"
    html = client.get("/report/emergency/").content.decode()
    assert "Call us now" in html and "01865 000 999" in html and 'href="tel:01865000999"' in html
    # The interruption cannot be skipped by going straight on.
    assert client.get("/report/photos/")["Location"] == "/report/emergency/"
    assert client.post("/report/check/")["Location"] == "/report/emergency/"
    assert client.post("/report/emergency/")["Location"] == "/report/photos/"
    assert client.post("/report/photos/", {})["Location"] == "/report/check/"
    client.force_login(resident_a)
    assert client.post("/report/check/")["Location"] == "/report/confirmation/"
    report = StreetReport.objects.select_related("case").get()
    assert report.case.priority == Priority.URGENT
    html = client.get("/report/confirmation/").content.decode()
    assert "treating this as an emergency" in html and "01865 000 999" in html


def test_changing_the_answer_away_from_an_emergency_skips_the_interruption(client, catalogue, postcode):  # noqa: F811
    client.post("/report/new/")
    client.post("/report/type/", {"report_type": "street-light"})
    client.post("/report/location/", {"postcode": "OX16 1AA"})
    client.post("/report/details/", {"fault": "exposed_wiring"})
    assert client.post("/report/details/", {"fault": "out"})["Location"] == "/report/photos/"
    assert client.get("/report/emergency/")["Location"] == "/report/photos/"


def test_the_start_page_gives_the_number_from_settings(client, catalogue, settings):
    settings.COUNCIL_PHONE = "01865 000 999"
    assert "01865 000 999" in client.get("/report/").content.decode()


# --- bounds -------------------------------------------------------------------------------------

@pytest.mark.parametrize("depth, message", [
    ("999999", "Enter a depth between 1 and 1,000 millimetres"),
    ("0", "Enter a depth between 1 and 1,000 millimetres"),
    ("1001", "Enter a depth between 1 and 1,000 millimetres"),
    ("1e9", "must be a number"),
    ("-5", "must be 0 or more"),
])
def test_out_of_bounds_depths_are_refused_with_a_clear_message(client, catalogue, postcode, depth, message):  # noqa: F811
    client.post("/report/new/")
    client.post("/report/type/", {"report_type": "pothole"})
    client.post("/report/location/", {"postcode": "OX16 1AA"})
    response = client.post("/report/details/", {**POTHOLE_OK, "depth_mm": depth})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and 'value="' + depth + '"' in html  # what they typed is kept


def test_bounds_hold_for_open311_and_the_service_too(pothole, resident_a):
    with pytest.raises(ValidationError) as err:
        services.report_create(report_type=pothole, customer=resident_a.customer, latitude=HERE[0],
                               longitude=HERE[1], answers={**POTHOLE_OK, "depth_mm": "999999"}, photos=[],
                               by=resident_a, photos_optional=True)
    assert "1,000 millimetres" in str(err.value)


def test_bounds_at_the_edges_are_accepted(pothole):
    answers, errors = catalogue.clean_answers(pothole.questions, {**POTHOLE_OK, "depth_mm": "1000", "width_mm": "1"})
    assert not errors and answers["depth_mm"] == 1000


def test_admin_bounds_must_be_numbers(pothole):
    bad = [dict(pothole.questions[0], max="lots")]
    with pytest.raises(ValidationError):
        catalogue.validate_questions(bad)
    with pytest.raises(ValidationError):
        catalogue.validate_questions([dict(pothole.questions[0], min=10, max=5)])
